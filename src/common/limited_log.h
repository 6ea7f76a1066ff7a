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

// Nothing is formatted, allocated or counted when `level` is below the logger's level.
template <class... Args>
void log_limited(spdlog::level::level_enum level, std::string_view key,
                 fmt::format_string<Args...> format, Args&&... args) {
  if (!spdlog::should_log(level)) return;
  const LogLimiter::Permit permit = remote_log_limiter().allow(key);
  if (!permit) return;
  spdlog::log(level, "{}{}", fmt::format(format, std::forward<Args>(args)...), permit.suffix());
}

}  // namespace kmebind
