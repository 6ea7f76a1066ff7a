// log_limited: one spdlog line, unless the process's LogLimiter (common/log_limiter.h) suppresses
// its key; a line that passes after suppressed ones ends with their count. For every log line
// that remote input (a Diameter peer, a UE, a TCP client) can trigger once per message or per
// connection attempt (docs/operations.md §4). Start-up, configuration and shutdown lines are
// logged directly.
//
// Header only; REQUIRES: the including target links spdlog (the diameter, net and app layers).
#pragma once

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <string_view>
#include <utility>

#include "common/log_limiter.h"

namespace kmebind {

// Whether a line of `key` at `level` is to be written: refused without counting when the level
// is not logged. For call sites whose arguments cost something to make: make them only when the
// permit is granted, and end the line with permit.suffix().
inline LogLimiter::Permit log_permit(spdlog::level::level_enum level, std::string_view key) {
  if (!spdlog::should_log(level)) return {};
  return remote_log_limiter().allow(key);
}

// Nothing is formatted or counted when `level` is below the logger's level (the arguments are
// made by the caller either way).
template <class... Args>
void log_limited(spdlog::level::level_enum level, std::string_view key,
                 fmt::format_string<Args...> format, Args&&... args) {
  const LogLimiter::Permit permit = log_permit(level, key);
  if (!permit) return;
  spdlog::log(level, "{}{}", fmt::format(format, std::forward<Args>(args)...), permit.suffix());
}

}  // namespace kmebind
