// spdlog setup for the daemons (docs/operations.md §4): one logger named after the role, made
// spdlog's default, writing to stderr or to a file, each line
//
//   2025-06-01T12:00:00.123+00:00 info cnn: attach accepted ue=42
//
// (UTC time, level, role, message), flushed line by line so that a killed daemon loses nothing.
// Secrets never reach a log line: SecretBytes formats as "<redacted>", Error messages carry no
// secret by contract, and redacted()/log_hex() below cover the other cases.
#pragma once

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"

namespace kmebind::net {

struct LogOptions {
  std::string role;            // logger name shown on each line: "hss", "cnn", "sim"
  std::string level = "info";  // trace, debug, info, warn (or warning), error, critical, off
  std::string file;            // empty: stderr (colored on a terminal); else appended to (its
                               // directory must exist)
};

inline constexpr std::string_view kLogPattern = "%Y-%m-%dT%H:%M:%S.%e%z %l %n: %v";

// Fails with kInvalidArgument naming the accepted levels.
Result<spdlog::level::level_enum> parse_log_level(std::string_view level);

// Creates the role's logger, installs it as spdlog's default and returns it. Calling it again
// (on SIGHUP) replaces the logger: the file is reopened, so a rotated log starts anew. Fails with
// kInvalidArgument for a bad level, kIo when the file cannot be opened (the previous logger stays).
Result<std::shared_ptr<spdlog::logger>> setup_logging(const LogOptions& options);

// Wraps any value so that it formats as "<redacted>": for fields that are secret but not held in
// SecretBytes (e.g. a KME inside a decoded message being logged).
template <class T>
struct Redacted {
  const T& value;
};
template <class T>
Redacted<T> redacted(const T& value) {
  return Redacted<T>{value};
}

// Octets for a log line: "<n> octets <hex of the first `max`>…". For public data only (PDUs,
// identifiers); never pass key material.
struct LogHex {
  ByteView bytes;
  std::size_t max;
};
inline LogHex log_hex(ByteView bytes, std::size_t max = 16) {
  return LogHex{bytes, max};
}

}  // namespace kmebind::net

template <class T>
struct fmt::formatter<kmebind::net::Redacted<T>> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const kmebind::net::Redacted<T>&, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format("<redacted>", ctx);
  }
};

template <>
struct fmt::formatter<kmebind::net::LogHex> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const kmebind::net::LogHex& h, Ctx& ctx) const {
    const std::size_t shown = std::min(h.bytes.size(), h.max);
    // Appends, not operator+ chains: g++ 12 -O3 flags those with a false -Wrestrict.
    std::string text = fmt::format("{} octets", h.bytes.size());
    if (shown > 0) {
      text += ' ';
      text += kmebind::to_hex(h.bytes.first(shown));
    }
    if (shown < h.bytes.size()) text += "…";
    return fmt::formatter<std::string_view>::format(text, ctx);
  }
};
