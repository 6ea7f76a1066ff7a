#include "log_limit.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/log_limiter.h"

namespace kmebind::app {
namespace {

constexpr const char* kVariable = "KMEBIND_LOG_LIMIT";

// A decimal number in [min, max], the whole of `text`.
bool parse_in(std::string_view text, std::size_t min, std::size_t max, std::size_t& out) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && p == end && !text.empty() && out >= min && out <= max;
}

}  // namespace

Status configure_log_limit_from_env() {
  const char* value = std::getenv(kVariable);
  if (value == nullptr || *value == '\0') return {};
  const std::string_view text(value);
  const std::size_t slash = text.find('/');
  std::size_t lines = 0, seconds = 0;
  if (slash == std::string_view::npos || !parse_in(text.substr(0, slash), 1, 100000, lines) ||
      !parse_in(text.substr(slash + 1), 1, 3600, seconds)) {
    return fail(Code::kInvalidArgument,
                std::string(kVariable) + "='" + std::string(text.substr(0, 40)) +
                    "': expected <lines>/<seconds> with 1..100000 lines and 1..3600 seconds, "
                    "e.g. 10/10 (the default)");
  }
  LogLimiter::Limits limits = remote_log_limiter().limits();
  limits.lines = lines;
  limits.interval = std::chrono::seconds(seconds);
  remote_log_limiter().set_limits(limits);
  return {};
}

void log_suppressed_lines(bool at_stop) {
  for (const LogLimiter::Summary& s :
       remote_log_limiter().drain(LogLimiter::Clock::now(), at_stop)) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(s.over).count();
    spdlog::warn("log: {} line{} of kind '{}' suppressed in the last {} s", s.suppressed,
                 s.suppressed == 1 ? "" : "s", s.key, (ms + 999) / 1000);
  }
}

}  // namespace kmebind::app
