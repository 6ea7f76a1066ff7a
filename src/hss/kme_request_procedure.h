// KME-Request procedure, HSS side (TR 33.868 §5.4.4.2.3.3 steps 2a, 3, 4; docs/protocol.md
// step 5): provisioning material for a new KME, or a challenge with the stored one.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "hss/hss_context.h"
#include "hss/hss_event.h"
#include "hss/refusal.h"
#include "s6a/messages.h"
#include "store/subscriber_store.h"

namespace kmebind::hss {

// What a successful KME-Request tells the CNN to do with the device.
using KmeAction = std::variant<s6a::KmeProvisioning, s6a::DeviceChallenge>;

// The KME-Request's checks and material (Hss::on_kme_request, hss.h) for the pair of `imei` (14
// digits, as the store keys it) already read as `pair` (SubscriberStore::get_pair, or the sole
// pair of the AIR's reserve_sqn), as a value: the action, or the first refusal — binding mode,
// binding list, device keys, procedure (`supported_procedures`: the CNN's, bit 0 procedure 1,
// bit 1 procedure 2), version counter. `note` gets a short, secret-free line on what was made.
// Reads and stores nothing. Shared by the KME-Request and the AIR's KME material
// (kme_prefetch.h), so both check and make the same.
Checked<KmeAction> answer_kme_pair(const HssContext& ctx, store::PairView pair, std::string imei,
                                   std::uint8_t supported_procedures, std::int64_t now_unix_s,
                                   const LinkInfo& link, std::string& note);

// Answers one KME-Request; stores nothing. Contract in detail: Hss::on_kme_request (hss.h).
s6a::KmeAnswer run_kme_request(const HssContext& ctx, const s6a::KmeRequest& kmr,
                               std::int64_t now_unix_s, const LinkInfo& link, HssEvent& event);

}  // namespace kmebind::hss
