// Internal to src/hss: the store reads every procedure starts with, mapped to S6a results.
#pragma once

#include <cstdint>
#include <string_view>

#include "hss/refusal.h"
#include "store/subscriber_store.h"

namespace kmebind::hss {

// kNotFound → DIAMETER_ERROR_USER_UNKNOWN (TS 29.272 §5.2.3.1.3, §5.2.1.1.3).
Checked<store::SubscriberRecord> load_subscriber(store::SubscriberStore& store,
                                                 std::string_view imsi);

// The subscriber's policy and its pair with `imei` (normalised, 14 digits) in one store call
// (SubscriberStore::get_pair); kNotFound → DIAMETER_ERROR_USER_UNKNOWN. The binding list, device
// and KME checks are the caller's, in its own order.
Checked<store::PairView> load_pair(store::SubscriberStore& store, std::string_view imsi,
                                   std::string_view imei);

// The pair must be on the binding list, TR 33.868 §5.4.4.2.1.3 → KME_ERROR_BINDING_VIOLATION.
Checked<void> require_binding(store::SubscriberStore& store, std::string_view imsi,
                              std::string_view imei);

}  // namespace kmebind::hss
