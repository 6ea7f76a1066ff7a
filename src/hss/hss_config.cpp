#include "hss/hss_config.h"

#include <algorithm>
#include <bit>

namespace kmebind::hss {

Status HssConfig::validate() const {
  if (cookie_lifetime_s <= 0) {
    return fail(Code::kInvalidArgument, "HSS config: cookie lifetime must be positive seconds");
  }
  if (challenge_lifetime_s <= 0) {
    return fail(Code::kInvalidArgument, "HSS config: challenge lifetime must be positive seconds");
  }
  if (sqn_step == 0 || !std::has_single_bit(sqn_step) || sqn_step > (std::uint64_t{1} << 16)) {
    return fail(Code::kInvalidArgument,
                "HSS config: SQN step must be a power of two between 1 and 65536 (2^IND bits)");
  }
  if (max_vectors_per_air < 1 || max_vectors_per_air > 32) {
    return fail(Code::kInvalidArgument, "HSS config: max vectors per AIR must be 1..32");
  }
  if (msisdn) {
    const bool digits = std::ranges::all_of(*msisdn, [](char c) { return c >= '0' && c <= '9'; });
    if (msisdn->empty() || msisdn->size() > 15 || !digits) {
      return fail(Code::kInvalidArgument, "HSS config: MSISDN must be 1-15 digits (ITU-T E.164)");
    }
  }
  return {};
}

}  // namespace kmebind::hss
