#include "common/log_limiter.h"

#include <algorithm>

namespace kmebind {

std::string LogLimiter::Permit::suffix() const {
  if (suppressed == 0) return {};
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(over).count();
  const long long seconds = std::max<long long>(1, (ms + 999) / 1000);
  return " (" + std::to_string(suppressed) + " similar line" + (suppressed == 1 ? "" : "s") +
         " suppressed in the last " + std::to_string(seconds) + " s)";
}

LogLimiter::LogLimiter(Limits limits) : limits_(limits) {
  limits_.lines = std::max<std::size_t>(limits_.lines, 1);
  limits_.max_keys = std::max<std::size_t>(limits_.max_keys, 1);
  if (limits_.interval <= Clock::duration::zero()) limits_.interval = Clock::duration(1);
}

LogLimiter::LogLimiter() : LogLimiter(Limits{}) {}

void LogLimiter::drop_idle_keys(Clock::time_point now) {
  if (swept_ && now - last_sweep_ < limits_.interval) return;
  swept_ = true;
  last_sweep_ = now;
  std::erase_if(windows_, [&](const auto& entry) {
    const Window& w = entry.second;
    return w.suppressed == 0 && now - w.opened >= limits_.interval;
  });
}

LogLimiter::Window& LogLimiter::window_for(std::string_view key, Clock::time_point now) {
  if (auto it = windows_.find(key); it != windows_.end()) return it->second;
  if (windows_.size() >= limits_.max_keys) drop_idle_keys(now);
  if (windows_.size() >= limits_.max_keys) {
    overflow_used_ = true;
    return overflow_;
  }
  // A new window opens below, on its first line.
  Window& w = windows_.emplace(std::string(key), Window{}).first->second;
  w.opened = now - limits_.interval;
  return w;
}

LogLimiter::Permit LogLimiter::allow(std::string_view key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  Window& w = window_for(key, now);
  if (now - w.opened >= limits_.interval) {
    w.opened = now;
    w.passed = 0;
  }
  if (w.passed >= limits_.lines) {
    if (w.suppressed++ == 0) w.first_suppressed = now;
    return Permit{};
  }
  ++w.passed;
  Permit p{.allowed = true, .suppressed = w.suppressed, .over = {}};
  if (w.suppressed != 0) {
    p.over = now - w.first_suppressed;
    w.suppressed = 0;
  }
  return p;
}

std::size_t LogLimiter::keys() const {
  std::lock_guard lock(mutex_);
  return windows_.size() + (overflow_used_ ? 1 : 0);
}

LogLimiter& remote_log_limiter() {
  static LogLimiter limiter;
  return limiter;
}

}  // namespace kmebind
