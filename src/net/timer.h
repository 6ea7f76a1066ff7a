// A one-shot timer on an EventLoop, for the cores' "arm one timer at next_deadline()" contract
// (e.g. cnn::Cnn::next_deadline): arming again replaces the previous deadline and callback.
//
// Thread safety: loop thread only (construct, arm, cancel and destroy it there, or while the loop
// is not running). The callback runs on the loop thread and never after cancel() or destruction.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "net/event_loop.h"

namespace kmebind::net {

class Timer {
 public:
  explicit Timer(EventLoop& loop);
  ~Timer();  // NOLINT(bugprone-exception-escape): cancel() cannot fail (timer.cpp)
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Runs `fn` once at `when` (at once if `when` has passed). Replaces any earlier arming.
  void arm_at(std::chrono::steady_clock::time_point when, std::function<void()> fn);
  // `ms` on the steady_now_ms() clock.
  void arm_at_ms(std::int64_t ms, std::function<void()> fn);
  // Forgets the callback; a no-op when not armed.
  void cancel();
  bool armed() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace kmebind::net
