#include "net/timer.h"

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

namespace kmebind::net {

struct Timer::State {
  explicit State(asio::io_context& context) : timer(context) {}
  asio::steady_timer timer;
  std::function<void()> fn;
  std::uint64_t generation = 0;  // a handler of an older arming finds a newer value and returns
  bool armed = false;
};

Timer::Timer(EventLoop& loop) : state_(std::make_shared<State>(loop.context())) {}

// asio's steady_timer::cancel() has a throwing signature but never fails (it only dequeues).
Timer::~Timer() {  // NOLINT(bugprone-exception-escape)
  cancel();
}

void Timer::arm_at(std::chrono::steady_clock::time_point when, std::function<void()> fn) {
  State& s = *state_;
  const std::uint64_t generation = ++s.generation;
  s.fn = std::move(fn);
  s.armed = true;
  s.timer.expires_at(when);
  s.timer.async_wait([weak = std::weak_ptr<State>(state_), generation](const std::error_code& ec) {
    if (ec) return;
    auto state = weak.lock();
    if (!state || state->generation != generation || !state->armed) return;
    state->armed = false;
    auto callback = std::move(state->fn);
    state->fn = nullptr;
    callback();
  });
}

void Timer::arm_at_ms(std::int64_t ms, std::function<void()> fn) {
  arm_at(std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms)), std::move(fn));
}

void Timer::cancel() {
  State& s = *state_;
  ++s.generation;
  s.armed = false;
  s.fn = nullptr;
  s.timer.cancel();
}

bool Timer::armed() const {
  return state_->armed;
}

}  // namespace kmebind::net
