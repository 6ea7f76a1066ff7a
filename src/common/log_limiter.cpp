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

namespace {

LogLimiter::Limits valid(LogLimiter::Limits limits) {
  limits.lines = std::max<std::size_t>(limits.lines, 1);
  limits.max_keys = std::max<std::size_t>(limits.max_keys, 1);
  if (limits.interval <= LogLimiter::Clock::duration::zero()) {
    limits.interval = LogLimiter::Clock::duration(1);
  }
  return limits;
}

}  // namespace

LogLimiter::LogLimiter(Limits limits) : limits_(valid(limits)) {}
LogLimiter::LogLimiter() : LogLimiter(Limits{}) {}

void LogLimiter::set_limits(Limits limits) {
  std::lock_guard lock(mutex_);
  limits_ = valid(limits);
  windows_.clear();
  overflow_ = Window{};
  overflow_used_ = false;
  swept_ = false;
}

LogLimiter::Limits LogLimiter::limits() const {
  std::lock_guard lock(mutex_);
  return limits_;
}

std::vector<LogLimiter::Summary> LogLimiter::drain(Clock::time_point now, bool open_windows_too) {
  std::vector<Summary> out;
  auto take = [&](std::string_view key, Window& w) {
    if (w.suppressed == 0 || (!open_windows_too && now - w.opened < limits_.interval)) return;
    out.push_back(Summary{std::string(key), w.suppressed, now - w.first_suppressed});
    w.suppressed = 0;
  };
  std::lock_guard lock(mutex_);
  for (auto& [key, w] : windows_) take(key, w);
  if (overflow_used_) take(kOverflowKey, overflow_);
  return out;
}

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
  if (key == kOverflowKey) {
    overflow_used_ = true;
    return overflow_;
  }
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

LimiterKey::LimiterKey(std::string_view kind, std::string_view name, std::string_view detail) {
  auto append = [this](std::string_view part) {
    const std::size_t n = std::min(part.size(), sizeof buffer_ - size_);
    std::copy_n(part.data(), n, buffer_ + size_);
    size_ += n;
  };
  append(kind);
  append(":");
  append(name);
  if (!detail.empty()) {
    append(":");
    append(detail);
  }
}

LogLimiter& remote_log_limiter() {
  // Never destroyed: freeDiameter's threads may still log while the process exits.
  static LogLimiter* const limiter = new LogLimiter();
  return *limiter;
}

}  // namespace kmebind
