// EventLoop and Timer: functions run on the loop thread in post order, run_sync waits, stop runs
// what was posted before it, timers fire once, re-arming replaces, cancel prevents.
#include "net/event_loop.h"

#include <gtest/gtest.h>

#include <vector>

#include "net/timer.h"
#include "net_test_util.h"

namespace kmebind::net {
namespace {

using test::Monitor;

TEST(EventLoop, PostedFunctionsRunOnTheLoopThreadInOrder) {
  Monitor m;
  std::vector<int> order;
  bool all_on_loop = true;
  EventLoop loop;  // after the state its functions use: destroyed (and joined) first
  ASSERT_TRUE(loop.start("test-loop"));
  EXPECT_FALSE(loop.in_loop_thread());
  for (int i = 0; i < 100; ++i) {
    loop.post([&, i] {
      const bool on_loop = loop.in_loop_thread();
      m.update([&] {
        order.push_back(i);
        all_on_loop = all_on_loop && on_loop;
      });
    });
  }
  ASSERT_TRUE(m.wait([&] { return order.size() == 100; }));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
  EXPECT_TRUE(all_on_loop);
}

TEST(EventLoop, RunSyncReturnsAfterTheFunctionRanOnTheLoop) {
  EventLoop loop;
  ASSERT_TRUE(loop.start());
  bool ran_on_loop = false;
  loop.run_sync([&] { ran_on_loop = loop.in_loop_thread(); });
  EXPECT_TRUE(ran_on_loop);
  // Nested: run_sync from the loop thread runs inline instead of deadlocking.
  int depth = 0;
  loop.run_sync([&] { loop.run_sync([&] { depth = 2; }); });
  EXPECT_EQ(depth, 2);
}

TEST(EventLoop, StopRunsWhatWasPostedBeforeAndRunSyncThenRunsInline) {
  std::atomic<int> ran{0};
  EventLoop loop;
  ASSERT_TRUE(loop.start());
  for (int i = 0; i < 50; ++i) loop.post([&] { ran++; });
  loop.stop();
  EXPECT_EQ(ran.load(), 50);
  EXPECT_FALSE(loop.running());
  bool inline_ran = false;
  loop.run_sync([&] { inline_ran = true; });
  EXPECT_TRUE(inline_ran);
  loop.stop();  // idempotent
}

TEST(EventLoop, StartsOnlyOnce) {
  EventLoop loop;
  ASSERT_TRUE(loop.start());
  auto again = loop.start();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Code::kInternal);
}

TEST(EventLoop, ACallbackThatThrowsDoesNotKillTheLoop) {
  EventLoop loop;
  ASSERT_TRUE(loop.start());
  loop.post([] { throw std::runtime_error("boom"); });
  bool ran = false;
  loop.run_sync([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(Timer, FiresOnceAtItsDeadline) {
  Monitor m;
  int fired = 0;
  std::int64_t fired_at = 0;
  EventLoop loop;
  ASSERT_TRUE(loop.start());
  std::unique_ptr<Timer> timer;
  const std::int64_t deadline = steady_now_ms() + 50;
  loop.run_sync([&] {
    timer = std::make_unique<Timer>(loop);
    timer->arm_at_ms(deadline, [&] {
      m.update([&] {
        ++fired;
        fired_at = steady_now_ms();
      });
    });
  });
  ASSERT_TRUE(m.wait([&] { return fired == 1; }));
  EXPECT_GE(fired_at, deadline);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(m.read([&] { return fired; }), 1);
  bool armed = true;
  loop.run_sync([&] {
    armed = timer->armed();
    timer.reset();
  });
  EXPECT_FALSE(armed);
}

TEST(Timer, RearmingReplacesAndCancelPrevents) {
  Monitor m;
  std::vector<std::string> fired;
  EventLoop loop;
  ASSERT_TRUE(loop.start());
  std::unique_ptr<Timer> a;
  std::unique_ptr<Timer> b;
  loop.run_sync([&] {
    a = std::make_unique<Timer>(loop);
    b = std::make_unique<Timer>(loop);
    a->arm_at_ms(steady_now_ms() + 20, [&] { m.update([&] { fired.push_back("a-first"); }); });
    a->arm_at_ms(steady_now_ms() + 40, [&] { m.update([&] { fired.push_back("a-second"); }); });
    b->arm_at_ms(steady_now_ms() + 20, [&] { m.update([&] { fired.push_back("b"); }); });
    b->cancel();
  });
  ASSERT_TRUE(m.wait([&] { return !fired.empty(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(m.read([&] { return fired; }), std::vector<std::string>{"a-second"});
  loop.run_sync([&] {
    a.reset();
    b.reset();
  });
}

TEST(Timer, DestroyedTimerNeverCallsBack) {
  std::atomic<bool> fired{false};
  EventLoop loop;
  ASSERT_TRUE(loop.start());
  loop.run_sync([&] {
    Timer t(loop);
    t.arm_at_ms(steady_now_ms(), [&] { fired = true; });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(fired.load());
}

}  // namespace
}  // namespace kmebind::net
