#include "common/error.h"

namespace kmebind {

std::string_view to_string(Code code) {
  switch (code) {
    case Code::kInvalidArgument: return "invalid argument";
    case Code::kMalformed: return "malformed";
    case Code::kAuthFailed: return "authentication failed";
    case Code::kExpired: return "expired";
    case Code::kNotFound: return "not found";
    case Code::kAlreadyExists: return "already exists";
    case Code::kNotAllowed: return "not allowed";
    case Code::kUnavailable: return "unavailable";
    case Code::kIo: return "I/O error";
    case Code::kCorruption: return "corruption";
    case Code::kInternal: return "internal error";
  }
  return "unknown";
}

std::string Error::what() const {
  std::string out(to_string(code_));
  out += ": ";
  out += message_;
  return out;
}

Error Error::with_context(std::string_view context) const {
  std::string msg(context);
  msg += ": ";
  msg += message_;
  return Error(code_, std::move(msg));
}

}  // namespace kmebind
