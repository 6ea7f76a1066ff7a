#include "worker_pool.h"

#include <pthread.h>

#include <system_error>

namespace kmebind::app {

Status WorkerPool::start(unsigned threads, const std::string& name) {
  for (unsigned i = 0; i < threads; ++i) {
    try {
      threads_.emplace_back([this] { run(); });
    } catch (const std::system_error& e) {
      close_and_drain();
      return fail(Code::kInternal, "cannot start worker thread: " + std::string(e.what()));
    }
    // The kernel shows 15 characters.
    const std::string thread_name = (name + "-" + std::to_string(i)).substr(0, 15);
    pthread_setname_np(threads_.back().native_handle(), thread_name.c_str());
  }
  return {};
}

bool WorkerPool::try_submit(Job&& job) {
  {
    std::lock_guard lock(mutex_);
    if (closed_ || queue_.size() >= limit_) return false;
    queue_.push_back(std::move(job));
  }
  ready_.notify_one();
  return true;
}

std::size_t WorkerPool::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void WorkerPool::close_and_drain() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkerPool::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return closed_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closed and drained
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace kmebind::app
