#include "hss/refusal.h"

namespace kmebind::hss {

Refusal store_refusal(const Error& error, std::string_view operation) {
  const s6a::ResultCode rc =
      error.code() == Code::kUnavailable ? s6a::kTooBusy : s6a::kUnableToComply;
  return Refusal{rc, "store " + std::string(operation) + " failed: " + error.what()};
}

Refusal sealed_token_refusal(const Error& error, std::string_view what, s6a::ResultCode expired,
                             s6a::ResultCode refused) {
  const std::string name(what);
  switch (error.code()) {
    case Code::kExpired:
      return Refusal{expired, name + " expired"};
    case Code::kAuthFailed:
    case Code::kMalformed:
    case Code::kInvalidArgument:
      return Refusal{refused, name + " refused: " + std::string(to_string(error.code()))};
    default:
      return Refusal{s6a::kUnableToComply, name + ": " + error.what()};
  }
}

}  // namespace kmebind::hss
