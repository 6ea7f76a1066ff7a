// What the HSS core reports about one answered request, for the role's log and metrics.
// The core itself never prints (DESIGN.md §2); the adapter logs this record once.
#pragma once

#include <string>

#include "s6a/result_code.h"

namespace kmebind::hss {

struct HssEvent {
  s6a::ResultCode result = s6a::kSuccess;  // the answer's result, repeated for convenience
  // One short line on why (refusals) or on what was notable (e.g. "AUTS did not verify").
  // Never contains key material, RAND, AUTS, Cookies or signatures; may name the field at fault.
  std::string reason;
};

}  // namespace kmebind::hss
