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

// The pair must be on the binding list, TR 33.868 §5.4.4.2.1.3 → KME_ERROR_BINDING_VIOLATION.
Checked<void> require_binding(store::SubscriberStore& store, std::string_view imsi,
                              std::string_view imei);

// The device's public keys (TR 33.868 §5.4.4.2.3.3 step 0); kNotFound → KME_ERROR_NO_DEVICE_KEY.
Checked<store::DeviceRecord> load_device(store::SubscriberStore& store, std::string_view imei);

// The pair's KME version counter: the current KME's version, or — when none is present — the
// version of the last one revoked (the store keeps counting, subscriber_store.h), 0 if the pair
// never had one. A new KME gets this + 1.
Checked<std::uint32_t> kme_version_counter(store::SubscriberStore& store, std::string_view imsi,
                                           std::string_view imei);

}  // namespace kmebind::hss
