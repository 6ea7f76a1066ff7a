// The engine-independent part of SubscriberStore::raise_kme_version (docs/security.md §4.3): the
// argument check, the decision from the pair's current counter, and the audit text. The engines
// read the pair and write the row; the rules live here once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "store/subscriber_store.h"

namespace kmebind::store {

// kInvalidArgument for 0 (the counter of a pair without a KME) and 2^32 - 1 (no version could
// follow it); otherwise ok.
Status check_raise_target(std::uint32_t version);

// Whether the call writes: true when `version` is above the counter or a KME is present (to be
// revoked); false when it changes nothing (the counter is `version` already, no KME). kNotAllowed
// naming the current counter when `version` is below it (the counter is never lowered).
Result<bool> plan_kme_counter_raise(std::string_view imsi, std::string_view imei,
                                    const KmeCounter& state, std::uint32_t version);

// The audit row's detail ("kme-version-raise"): from, to, and the KME revoked if any.
std::string kme_counter_raise_detail(const KmeCounter& state, std::uint32_t version);

// kNotFound for a pair that is not on the binding list.
Error pair_not_allowed(std::string_view imsi, std::string_view imei);

}  // namespace kmebind::store
