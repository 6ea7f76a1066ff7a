#include "hss/refusal.h"

namespace kmebind::hss {

Refusal store_refusal(const Error& error, std::string_view operation) {
  const s6a::ResultCode rc =
      error.code() == Code::kUnavailable ? s6a::kTooBusy : s6a::kUnableToComply;
  return Refusal{rc, "store " + std::string(operation) + " failed: " + error.what()};
}

}  // namespace kmebind::hss
