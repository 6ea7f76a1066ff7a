// One asio io_context driven by one thread: the place where a daemon's sans-IO core runs. Every
// callback of the NAS server/client, metrics server and Timer bound to a loop runs on its thread,
// one at a time, so a core owned by that thread needs no lock. Work from other threads (a
// Diameter answer, a signal) reaches the loop through post() or run_sync().
//
// Components (NasServer, NasClient, MetricsServer, Timer) keep a reference to their loop.
// REQUIRES: the loop outlives every component bound to it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/error.h"

namespace asio {
class io_context;
}

namespace kmebind::net {

class EventLoop {
 public:
  EventLoop();
  // Stops the loop (see stop()). REQUIRES: not called on the loop thread.
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Starts the loop thread, named `name` (at most 15 characters are shown by the kernel).
  // Functions posted before start() run once it runs. Fails with kInternal if the loop has run
  // already (a loop is started once) or the thread cannot be created.
  Status start(const std::string& name = "io");

  // Runs the functions posted so far, then stops and joins the loop thread. Idempotent.
  // Functions posted afterwards never run (they are destroyed with the loop); run_sync() then
  // runs its function on the caller's thread. Called on the loop thread itself, it only asks the
  // loop to return; the join happens in a later stop() or the destructor (from another thread).
  void stop();

  // Runs `fn` on the loop thread after everything posted before it. Thread-safe.
  void post(std::function<void()> fn);

  // Runs `fn` on the loop thread and returns once it has run. Runs it inline when called on the
  // loop thread, or when the loop is not running (nothing else touches the loop's objects then).
  // Thread-safe. REQUIRES: `fn` does not wait for another run_sync on this loop.
  void run_sync(const std::function<void()>& fn);

  bool in_loop_thread() const { return std::this_thread::get_id() == thread_id_.load(); }
  bool running() const;

  // The asio context, for the components of this library.
  asio::io_context& context();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  mutable std::mutex mutex_;
  bool running_ = false;
  bool started_ = false;
  std::atomic<std::thread::id> thread_id_{};
  std::thread thread_;
};

// Monotonic milliseconds (std::chrono::steady_clock), the clock the cores' `now_ms` expects.
std::int64_t steady_now_ms();

}  // namespace kmebind::net
