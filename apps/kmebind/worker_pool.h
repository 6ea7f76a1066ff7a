// A fixed number of threads taking jobs from one bounded FIFO queue: the HSS's store workers
// (docs/daemons.md §2). freeDiameter's dispatch threads only enqueue (no store call there); when
// the queue is full try_submit refuses at once, so the caller can answer DIAMETER_TOO_BUSY
// instead of letting latency grow without bound (load shedding).
//
// Thread safety: try_submit, depth and close_and_drain may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"

namespace kmebind::app {

class WorkerPool {
 public:
  using Job = std::move_only_function<void()>;

  // REQUIRES: queue_limit >= 1.
  explicit WorkerPool(std::size_t queue_limit) : limit_(queue_limit) {}
  ~WorkerPool() { close_and_drain(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts `threads` workers named "<name>-<i>". Call once. kInternal if a thread cannot start
  // (those already started are stopped again).
  Status start(unsigned threads, const std::string& name);

  // Queues `job` and returns true; returns false and leaves `job` untouched when the queue holds
  // queue_limit jobs already or the pool is closed.
  bool try_submit(Job&& job);

  // Jobs waiting for a worker (not those running).
  std::size_t depth() const;
  std::size_t limit() const { return limit_; }

  // Refuses new jobs, lets the workers finish every queued job, and joins them. Idempotent.
  void close_and_drain();

 private:
  void run();

  const std::size_t limit_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool closed_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace kmebind::app
