// S6a Update-Location procedure, HSS side (TS 29.272 §5.2.1.1) with the IMSI/IMEI binding check
// (TR 33.868 §5.4.4.2.1.3) and the KME-Confirm of seed steps 10-11 (§5.4.4.2.3.3.1/.2).
#pragma once

#include <cstdint>

#include "hss/hss_context.h"
#include "hss/hss_event.h"
#include "s6a/messages.h"

namespace kmebind::hss {

// Answers one ULR; stores a confirmed KME only, and only on success. Contract in detail:
// Hss::on_ulr (hss.h).
s6a::UpdateLocationAnswer run_ulr(const HssContext& ctx, const s6a::UpdateLocationRequest& ulr,
                                  std::int64_t now_unix_s, const LinkInfo& link,
                                  HssEvent& event);

}  // namespace kmebind::hss
