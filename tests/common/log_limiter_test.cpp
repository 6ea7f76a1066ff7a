// LogLimiter (src/common/log_limiter.h): per key, N lines per interval, then a count of the
// suppressed ones on the next line that passes; a bounded key table; exact counts under threads.
// Time is driven by hand: no test sleeps.
#include "common/log_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace kmebind {
namespace {

using namespace std::chrono_literals;
using Clock = LogLimiter::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1000s;

LogLimiter limiter(std::size_t lines = 3, Clock::duration interval = 10s,
                   std::size_t max_keys = 1024) {
  return LogLimiter({.lines = lines, .interval = interval, .max_keys = max_keys});
}

TEST(LogLimiter, DefaultsAreTenLinesPerTenSecondsAnd1024Keys) {
  EXPECT_EQ(LogLimiter::kDefaultLines, 10u);
  EXPECT_EQ(LogLimiter::kDefaultInterval, Clock::duration(10s));
  EXPECT_EQ(LogLimiter::kDefaultMaxKeys, 1024u);
  LogLimiter l;
  int passed = 0;
  for (int i = 0; i < 50; ++i) passed += l.allow("k", t0 + i * 1ms) ? 1 : 0;
  EXPECT_EQ(passed, 10);
}

TEST(LogLimiter, FirstNLinesPassAndTheNextIsSuppressed) {
  LogLimiter l = limiter(3);
  for (int i = 0; i < 3; ++i) {
    const auto p = l.allow("guard:a", t0 + i * 1s);
    EXPECT_TRUE(p) << i;
    EXPECT_EQ(p.suppressed, 0u);
    EXPECT_EQ(p.suffix(), "");
  }
  EXPECT_FALSE(l.allow("guard:a", t0 + 3s));
  EXPECT_FALSE(l.allow("guard:a", t0 + 9999ms));
}

TEST(LogLimiter, FirstLineOfTheNextIntervalCarriesTheSuppressedCountAndSpan) {
  LogLimiter l = limiter(2);
  EXPECT_TRUE(l.allow("k", t0));
  EXPECT_TRUE(l.allow("k", t0 + 1s));
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(l.allow("k", t0 + 2s + i * 100ms));
  const auto p = l.allow("k", t0 + 10s);  // the window opened at t0 closes at t0 + 10 s
  ASSERT_TRUE(p);
  EXPECT_EQ(p.suppressed, 5u);
  EXPECT_EQ(p.over, Clock::duration(8s));  // from the first suppressed line, at t0 + 2 s
  EXPECT_EQ(p.suffix(), " (5 similar lines suppressed in the last 8 s)");
  // Reported once: the next line says nothing more.
  const auto next = l.allow("k", t0 + 10s);
  EXPECT_TRUE(next);
  EXPECT_EQ(next.suffix(), "");
}

TEST(LogLimiter, SuffixRoundsTheSpanUpAndSaysLineForOne) {
  LogLimiter l = limiter(1);
  EXPECT_TRUE(l.allow("k", t0));
  EXPECT_FALSE(l.allow("k", t0 + 9500ms));
  const auto p = l.allow("k", t0 + 10s);
  EXPECT_EQ(p.suffix(), " (1 similar line suppressed in the last 1 s)");
}

TEST(LogLimiter, WindowOpensWithTheFirstLineAfterAQuietSpell) {
  LogLimiter l = limiter(2);
  EXPECT_TRUE(l.allow("k", t0));
  EXPECT_TRUE(l.allow("k", t0 + 30s));  // a new window at t0 + 30 s
  EXPECT_TRUE(l.allow("k", t0 + 39s));
  EXPECT_FALSE(l.allow("k", t0 + 39900ms));
  EXPECT_TRUE(l.allow("k", t0 + 40s));
}

TEST(LogLimiter, KeysAreCountedApart) {
  LogLimiter l = limiter(1);
  EXPECT_TRUE(l.allow("guard:a", t0));
  EXPECT_FALSE(l.allow("guard:a", t0));
  EXPECT_TRUE(l.allow("guard:b", t0));
  EXPECT_TRUE(l.allow("nas.refused", t0));
  EXPECT_EQ(l.keys(), 3u);
}

TEST(LogLimiter, KeyTableIsCappedAndNewKeysShareTheOverflowBudget) {
  LogLimiter l = limiter(2, 10s, 4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(l.allow("peer-" + std::to_string(i), t0));
  int passed = 0;
  for (int i = 4; i < 10000; ++i) passed += l.allow("peer-" + std::to_string(i), t0) ? 1 : 0;
  EXPECT_EQ(passed, 2);      // one budget for every key beyond the cap
  EXPECT_EQ(l.keys(), 5u);   // 4 keys and the overflow key
  // Keys already tracked keep their own budget.
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(l.allow("peer-" + std::to_string(i), t0)) << i;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(l.allow("peer-" + std::to_string(i), t0)) << i;
  // The overflow key reports what it suppressed, like any other (the four keys have counts to
  // report, so none is dropped to make room).
  const auto p = l.allow("peer-12345", t0 + 10s + 1ms);
  EXPECT_TRUE(p);
  EXPECT_EQ(p.suppressed, 10000u - 4u - 2u);
}

TEST(LogLimiter, IdleKeysMakeRoomForNewOnesOnceTheirWindowClosed) {
  LogLimiter l = limiter(1, 10s, 2);
  EXPECT_TRUE(l.allow("a", t0));
  EXPECT_TRUE(l.allow("b", t0));
  EXPECT_FALSE(l.allow("b", t0 + 1s));  // "b" has a count to report: it stays
  EXPECT_TRUE(l.allow("c", t0 + 10s));  // "a" is dropped, "c" takes its place
  EXPECT_EQ(l.keys(), 2u);
  const auto b = l.allow("b", t0 + 10s);
  EXPECT_TRUE(b);
  EXPECT_EQ(b.suppressed, 1u);
}

TEST(LogLimiter, OutOfRangeLimitsAreRaisedToTheSmallestValid) {
  LogLimiter l({.lines = 0, .interval = 0s, .max_keys = 0});
  EXPECT_TRUE(l.allow("a", t0));
  EXPECT_FALSE(l.allow("a", t0));
  EXPECT_TRUE(l.allow("a", t0 + 1ns));
}

TEST(LogLimiter, ThreadsHammeringOneKeyGetExactlyNLinesAndTheRestIsCounted) {
  LogLimiter l = limiter(10);
  constexpr int kThreads = 8, kCalls = 20000;
  std::atomic<std::uint64_t> passed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&l, &passed, t] {
      const std::string own = "own-" + std::to_string(t);
      for (int i = 0; i < kCalls; ++i) {
        if (l.allow("shared", t0 + 1s)) passed.fetch_add(1);
        (void)l.allow(own, t0 + 1s);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(passed.load(), 10u);
  const auto p = l.allow("shared", t0 + 11s);
  ASSERT_TRUE(p);
  EXPECT_EQ(p.suppressed, static_cast<std::uint64_t>(kThreads) * kCalls - 10u);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(l.allow("own-" + std::to_string(t), t0 + 11s).suppressed,
              static_cast<std::uint64_t>(kCalls) - 10u);
  }
}

TEST(LogLimiter, DrainReportsAWindowClosedWithSuppressedLinesOnce) {
  LogLimiter l = limiter(2);
  for (int i = 0; i < 5; ++i) (void)l.allow("k", t0 + i * 1s);  // 3 suppressed from t0 + 2 s
  (void)l.allow("quiet", t0);
  EXPECT_TRUE(l.drain(t0 + 9s).empty());  // the window is still open
  const auto summaries = l.drain(t0 + 10s);
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].key, "k");
  EXPECT_EQ(summaries[0].suppressed, 3u);
  EXPECT_EQ(summaries[0].over, Clock::duration(8s));
  EXPECT_TRUE(l.drain(t0 + 11s).empty());
  EXPECT_EQ(l.allow("k", t0 + 12s).suppressed, 0u);  // already reported
}

// A daemon about to stop drains the open windows too: no suppressed count is lost on SIGTERM.
TEST(LogLimiter, DrainAtStopReportsTheWindowsStillOpen) {
  LogLimiter l = limiter(2);
  for (int i = 0; i < 5; ++i) (void)l.allow("k", t0 + i * 1s);  // 3 suppressed, window open
  const auto summaries = l.drain(t0 + 5s, /*open_windows_too=*/true);
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].key, "k");
  EXPECT_EQ(summaries[0].suppressed, 3u);
  EXPECT_EQ(summaries[0].over, Clock::duration(3s));
  EXPECT_TRUE(l.drain(t0 + 20s).empty());  // reported once
}

TEST(LogLimiter, DrainReportsTheOverflowKey) {
  LogLimiter l = limiter(1, 10s, 1);
  (void)l.allow("a", t0);
  (void)l.allow("a", t0);  // "a" keeps its place: it has a count to report
  for (int i = 0; i < 4; ++i) (void)l.allow("b" + std::to_string(i), t0);
  auto summaries = l.drain(t0 + 10s);
  ASSERT_EQ(summaries.size(), 2u);
  std::sort(summaries.begin(), summaries.end(),
            [](const auto& x, const auto& y) { return x.key < y.key; });
  EXPECT_EQ(summaries[0].key, LogLimiter::kOverflowKey);
  EXPECT_EQ(summaries[0].suppressed, 3u);
  EXPECT_EQ(summaries[1].key, "a");
  EXPECT_EQ(summaries[1].suppressed, 1u);
}

TEST(LogLimiter, SetLimitsReplacesTheLimitsAndForgetsEveryKey) {
  LogLimiter l = limiter(1);
  (void)l.allow("a", t0);
  EXPECT_FALSE(l.allow("a", t0));
  l.set_limits({.lines = 2, .interval = 2s, .max_keys = 8});
  EXPECT_EQ(l.keys(), 0u);
  EXPECT_EQ(l.limits().lines, 2u);
  EXPECT_EQ(l.limits().interval, Clock::duration(2s));
  EXPECT_TRUE(l.allow("a", t0));
  EXPECT_TRUE(l.allow("a", t0));
  EXPECT_FALSE(l.allow("a", t0 + 1s));
  EXPECT_EQ(l.allow("a", t0 + 2s).suppressed, 1u);
}

TEST(LimiterKey, JoinsKindNameAndDetailAndCutsLongNames) {
  EXPECT_EQ(std::string_view(LimiterKey("diameter.refused", "cnn.example")),
            "diameter.refused:cnn.example");
  EXPECT_EQ(std::string_view(LimiterKey("hss.refused", "air", "DIAMETER_ERROR_USER_UNKNOWN")),
            "hss.refused:air:DIAMETER_ERROR_USER_UNKNOWN");
  const std::string long_name(1000, 'x');
  const LimiterKey made("k", long_name);
  const std::string_view key = made;
  EXPECT_EQ(key.size(), 320u);
  EXPECT_EQ(key.substr(0, 4), "k:xx");
}

TEST(LogLimiter, ProcessLimiterIsOneObject) {
  EXPECT_EQ(&remote_log_limiter(), &remote_log_limiter());
}

}  // namespace
}  // namespace kmebind
