// The HSS's bounded worker pool (apps/kmebind/worker_pool.h): jobs run in order on the workers,
// a full queue refuses at once (the HSS then answers DIAMETER_TOO_BUSY), close_and_drain runs
// what was queued and refuses the rest.
#include "worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <vector>

namespace kmebind::app {
namespace {

using namespace std::chrono_literals;

TEST(WorkerPool, RunsJobsInArrivalOrderOnOneWorker) {
  WorkerPool pool(100);
  ASSERT_TRUE(pool.start(1, "test"));
  std::mutex m;
  std::vector<int> order;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(pool.try_submit([&, i] {
      std::lock_guard lock(m);
      order.push_back(i);
    }));
  }
  pool.close_and_drain();
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

TEST(WorkerPool, FullQueueRefusesAtOnceAndLeavesTheJobToTheCaller) {
  WorkerPool pool(2);
  ASSERT_TRUE(pool.start(1, "test"));
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.try_submit([gate, &started] {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();  // the worker is busy; the queue is empty
  std::atomic<int> ran{0};
  EXPECT_TRUE(pool.try_submit([&] { ++ran; }));
  EXPECT_TRUE(pool.try_submit([&] { ++ran; }));
  EXPECT_EQ(pool.depth(), 2u);
  bool refused_ran = false;
  WorkerPool::Job refused = [&] { refused_ran = true; };
  EXPECT_FALSE(pool.try_submit(std::move(refused)));
  ASSERT_TRUE(refused);  // untouched: the caller answers TOO_BUSY with it (or drops it)
  release.set_value();
  pool.close_and_drain();
  EXPECT_EQ(ran.load(), 2);
  EXPECT_FALSE(refused_ran);
}

TEST(WorkerPool, CloseDrainsTheQueueAndRefusesNewJobs) {
  WorkerPool pool(1000);
  ASSERT_TRUE(pool.start(3, "test"));
  std::atomic<int> ran{0};
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(pool.try_submit([&] {
      std::this_thread::sleep_for(10us);
      ++ran;
    }));
  }
  pool.close_and_drain();
  EXPECT_EQ(ran.load(), 500);
  EXPECT_FALSE(pool.try_submit([&] { ++ran; }));
  EXPECT_EQ(pool.depth(), 0u);
  pool.close_and_drain();  // idempotent
}

}  // namespace
}  // namespace kmebind::app
