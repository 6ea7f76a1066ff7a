#include "net/event_loop.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <future>

namespace kmebind::net {

struct EventLoop::Impl {
  asio::io_context context{1};  // concurrency hint: one thread runs it
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(context);
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}

EventLoop::~EventLoop() {
  stop();
  if (thread_.joinable()) {
    if (in_loop_thread()) {
      thread_.detach();  // violates the REQUIRES of ~EventLoop; avoid std::terminate at least
    } else {
      thread_.join();
    }
  }
}

asio::io_context& EventLoop::context() {
  return impl_->context;
}

bool EventLoop::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

Status EventLoop::start(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (started_) return fail(Code::kInternal, "event loop '" + name + "' was started already");
  started_ = true;
  std::promise<void> ready;
  auto ready_future = ready.get_future();
  try {
    thread_ = std::thread([this, name, &ready] {
      thread_id_.store(std::this_thread::get_id());
      pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
      ready.set_value();
      for (;;) {
        try {
          impl_->context.run();
          return;
        } catch (const std::exception& e) {
          // A callback threw: the loop must keep serving the other connections.
          spdlog::error("event loop '{}': a callback threw: {}", name, e.what());
        }
      }
    });
  } catch (const std::system_error& e) {
    return fail(Code::kInternal, "cannot start event loop thread '" + name + "': " + e.what());
  }
  ready_future.wait();
  running_ = true;
  return {};
}

void EventLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
  }
  // Runs after every function posted while running_ was true (the queue is FIFO).
  asio::post(impl_->context, [this] {
    impl_->work.reset();
    impl_->context.stop();
  });
  if (in_loop_thread()) return;
  if (thread_.joinable()) thread_.join();
  thread_id_.store(std::thread::id{});
}

void EventLoop::post(std::function<void()> fn) {
  asio::post(impl_->context, std::move(fn));
}

void EventLoop::run_sync(const std::function<void()>& fn) {
  if (in_loop_thread()) {
    fn();
    return;
  }
  std::promise<void> done;
  auto done_future = done.get_future();
  {
    std::unique_lock lock(mutex_);
    if (running_) {
      asio::post(impl_->context, [&fn, &done] {
        try {
          fn();
        } catch (const std::exception& e) {
          spdlog::error("event loop: a synchronous call threw: {}", e.what());
        }
        done.set_value();
      });
    } else {
      lock.unlock();
      fn();
      return;
    }
  }
  done_future.wait();
}

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace kmebind::net
