#include "store/kme_counter.h"

#include <limits>

namespace kmebind::store {

Status check_raise_target(std::uint32_t version) {
  if (version == 0 || version == std::numeric_limits<std::uint32_t>::max()) {
    return fail(Code::kInvalidArgument,
                "KME version counter must be set to 1 to 4294967294 (the next KME gets the value + 1), "
                "not " + std::to_string(version));
  }
  return {};
}

Result<bool> plan_kme_counter_raise(std::string_view imsi, std::string_view imei,
                                    const KmeCounter& state, std::uint32_t version) {
  if (version < state.counter) {
    return fail(Code::kNotAllowed,
                "KME version counter of IMSI " + std::string(imsi) + " / IMEI " +
                    std::string(imei) + " is " + std::to_string(state.counter) +
                    " (the next KME would be version " + std::to_string(state.counter + 1) +
                    "); it can only be raised, to " + std::to_string(state.counter) +
                    " or more; nothing changed");
  }
  return version > state.counter || state.kme_present;
}

std::string kme_counter_raise_detail(const KmeCounter& state, std::uint32_t version) {
  std::string detail = "KME version counter " + std::to_string(state.counter) + " -> " +
                       std::to_string(version) + ", next KME version " +
                       std::to_string(version + 1);
  if (state.kme_present) detail += "; KME version " + std::to_string(state.counter) + " revoked";
  return detail;
}

Error pair_not_allowed(std::string_view imsi, std::string_view imei) {
  return Error(Code::kNotFound, "IMSI " + std::string(imsi) + " / IMEI " + std::string(imei) +
                                    " is not an allowed pair; KME version counter not changed");
}

}  // namespace kmebind::store
