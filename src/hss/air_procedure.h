// S6a Authentication-Information procedure, HSS side (TS 29.272 §5.2.3.1): EPS authentication
// vectors from MILENAGE (TS 35.206) with the HE/AuC's SQN (TS 33.102 Annex C), re-synchronisation
// with AUTS (TS 33.102 §6.3.5), the subscriber's binding requirement (kmebind, step 2a) and, when
// asked, the KME material of the next KME-Request (kme_prefetch.h).
#pragma once

#include <cstdint>

#include "hss/hss_context.h"
#include "hss/hss_event.h"
#include "s6a/messages.h"

namespace kmebind::hss {

// Answers one AIR. Never fails by exception; every outcome is a result code in the answer and a
// reason in `event`. Changes the store only through reserve_sqn — one call that reads the
// subscriber (and for KME material its sole pair) with the SQN advance — and set_sqn on a
// verified resynchronisation, which reads the subscriber first. A subscriber whose K/OPc cannot
// be used is refused after its SQNs were reserved (harmless: SQNs may be skipped, TS 33.102
// Annex C). `now_unix_s` and `link` are those of the KME material's KME-Request.
// Contract in detail: Hss::on_air (hss.h).
s6a::AuthenticationInformationAnswer run_air(const HssContext& ctx,
                                             const s6a::AuthenticationInformationRequest& air,
                                             std::int64_t now_unix_s, const LinkInfo& link,
                                             HssEvent& event);

}  // namespace kmebind::hss
