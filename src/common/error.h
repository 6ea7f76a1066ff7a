// kmebind's one error type: every fallible call returns Result<T> = std::expected<T, Error>.
// An Error carries a machine-readable Code (which layers map to an EMM cause or a Diameter
// Result-Code) and a one-line message a user can act on. Messages never contain secrets.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace kmebind {

enum class Code {
  kInvalidArgument,   // caller passed a bad value (bad hex, wrong length, unknown option)
  kMalformed,         // peer input that does not parse (truncated, bad length octet, ...)
  kAuthFailed,        // a MAC, tag, signature or response did not verify
  kExpired,           // a Cookie or credential past its lifetime
  kNotFound,          // no such subscriber, device, key, ...
  kAlreadyExists,     // unique constraint: the thing is there already
  kNotAllowed,        // policy refuses it (binding violation, procedure not allowed, ...)
  kUnavailable,       // a dependency is down or overloaded; retry may succeed
  kIo,                // file, socket or database I/O failed
  kCorruption,        // stored data is inconsistent or a wrong master key was used
  kInternal,          // a library call failed where it should not (a bug, or OpenSSL out of memory)
};

std::string_view to_string(Code code);

class Error {
 public:
  Error(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code>: <message>", for logs and CLI output.
  std::string what() const;

  // Returns a copy whose message is "context: message"; the code is kept.
  Error with_context(std::string_view context) const;

 private:
  Code code_;
  std::string message_;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(Code code, std::string message) {
  return std::unexpected<Error>(Error(code, std::move(message)));
}

}  // namespace kmebind
