// A rate limit for log lines that remote input triggers (docs/operations.md §4 "Lines triggered
// by remote input"): a Diameter peer or a UE that sends malformed messages at line rate must not
// make a daemon write one log line each and fill its disk.
//
// Each call site names a key: a fixed message kind ("diameter.s6a_refused") or a kind and a
// bounded name ("diameter.s6a_refused:cnn.example", the Diameter identity of an admitted peer).
// Per key, at most `lines` lines pass per `interval` (a fixed window that opens with the first
// line after the previous one closed); the others are suppressed and counted. The next line that
// passes under that key carries the count: Permit::suffix() is
// " (K similar lines suppressed in the last T s)", T counted from the first suppressed line. So
// that a flood that stops is reported too, the daemons drain() the counts of closed windows once
// a second and log one line for each.
//
// Bounded memory: at most `max_keys` keys are tracked. When the table is full, keys whose window
// has closed with nothing left to report are dropped (at most once per interval); a new key that
// still finds no room shares one overflow key with the others (and its budget and count), so a
// peer that varies the key cannot grow the table.
//
// Cost: one mutex and one ordered-map lookup per call, no allocation unless the key is new. Call
// it only when the line would be logged at the configured level.
//
// Thread safety: every member may be called from any thread at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace kmebind {

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // Defaults: 10 lines per key per 10 s (a flood costs at most one line a second per key),
  // 1024 keys.
  static constexpr std::size_t kDefaultLines = 10;
  static constexpr Clock::duration kDefaultInterval = std::chrono::seconds(10);
  static constexpr std::size_t kDefaultMaxKeys = 1024;

  struct Limits {
    std::size_t lines = kDefaultLines;            // lines per key per interval, >= 1
    Clock::duration interval = kDefaultInterval;  // > 0
    std::size_t max_keys = kDefaultMaxKeys;       // keys tracked besides the overflow key, >= 1
  };

  // The decision for one line.
  struct Permit {
    bool allowed = false;
    std::uint64_t suppressed = 0;  // lines of this key suppressed since the last one that passed
    Clock::duration over{};        // from the first of them to now
    explicit operator bool() const { return allowed; }
    // "" when nothing was suppressed, else " (K similar lines suppressed in the last T s)" with
    // T rounded up to whole seconds.
    std::string suffix() const;
  };

  // Out-of-range limits are raised to the smallest valid value.
  explicit LogLimiter(Limits limits);
  LogLimiter();  // the default limits

  // Whether a line under `key` may be logged at `now`. REQUIRES: `now` does not go backwards by
  // more than an interval between calls (steady_clock, or a test clock).
  Permit allow(std::string_view key, Clock::time_point now);
  Permit allow(std::string_view key) { return allow(key, Clock::now()); }

  // Suppressed lines of a window that closed and whose count no line has carried yet.
  struct Summary {
    std::string key;  // kOverflowKey for the overflow key
    std::uint64_t suppressed = 0;
    Clock::duration over{};  // from the first of them to `now`
  };
  // Takes the counts of every window closed at `now` with lines suppressed (they are then
  // reported: the next line of that key carries no count). Allocates only when there is one.
  // `open_windows_too`: also the windows still open (a process about to stop reports them all).
  std::vector<Summary> drain(Clock::time_point now, bool open_windows_too = false);

  // Replaces the limits (out-of-range values raised as in the constructor) and forgets every key.
  void set_limits(Limits limits);
  Limits limits() const;

  // Keys tracked now, the overflow key included once used (for tests).
  std::size_t keys() const;

  static constexpr std::string_view kOverflowKey = "(other keys)";

 private:
  struct Window {
    Clock::time_point opened{};
    std::size_t passed = 0;
    std::uint64_t suppressed = 0;
    Clock::time_point first_suppressed{};
  };

  Window& window_for(std::string_view key, Clock::time_point now);
  void drop_idle_keys(Clock::time_point now);

  Limits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, Window, std::less<>> windows_;
  Window overflow_;
  bool overflow_used_ = false;
  Clock::time_point last_sweep_{};
  bool swept_ = false;
};

// The process's limiter for lines triggered by remote input (default limits). Each layer's call
// sites prefix their keys with the layer ("diameter.", "nas.", "cnn.", "hss.").
LogLimiter& remote_log_limiter();

// A key "<kind>:<name>" or "<kind>:<name>:<detail>" made in place, without allocating; cut to
// 320 octets. `name` and `detail` must come from a bounded set (an admitted peer's identity, a
// command, a result name), never from text any remote party may choose.
class LimiterKey {
 public:
  LimiterKey(std::string_view kind, std::string_view name, std::string_view detail = {});
  // Implicit on purpose: a LimiterKey is passed where a key is expected.
  operator std::string_view() const { return {buffer_, size_}; }

 private:
  char buffer_[320] = {};
  std::size_t size_ = 0;
};

}  // namespace kmebind
