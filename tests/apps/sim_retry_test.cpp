// The simulator's retry policy (apps/kmebind/sim_retry.h): what a UE does after an Attach reject
// (TS 24.301 §5.5.1.2.5 #22 with T3346, §5.5.1.2.6 abnormal cases) and the back-off of a lost
// NAS link.
#include "sim_retry.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace kmebind::app {
namespace {

RetryConfig enabled() {
  RetryConfig c;
  c.enabled = true;
  c.t3411_ms = 10'000;
  c.t3402_ms = 60'000;
  c.max_attempts = 5;
  c.t3346_jitter_ms = 8'000;
  return c;
}

TEST(SimRetry, CongestionWithT3346WaitsT3346PlusJitterAndResetsTheAttemptCounter) {
  const RetryDecision low = after_attach_reject(enabled(), 22, 30'000, 3, 0.0);
  EXPECT_TRUE(low.retry);
  EXPECT_TRUE(low.backoff_t3346);
  EXPECT_EQ(low.wait_ms, 30'000);
  EXPECT_EQ(low.attempts, 0u);
  const RetryDecision mid = after_attach_reject(enabled(), 22, 30'000, 3, 0.5);
  EXPECT_EQ(mid.wait_ms, 34'000);
  const RetryDecision high = after_attach_reject(enabled(), 22, 30'000, 3, 0.999);
  EXPECT_GE(high.wait_ms, 37'990);
  EXPECT_LE(high.wait_ms, 38'000);
}

TEST(SimRetry, JitterSpreadsAStormRejectedInTheSameInstant) {
  // 1000 UEs rejected together with T3346 = 10 s and a 10 s spread come back over ~10 s: no
  // one-second bucket holds more than a few percent of them.
  RetryConfig c = enabled();
  c.t3346_jitter_ms = 10'000;
  std::vector<int> per_second(21, 0);
  for (int i = 0; i < 1000; ++i) {
    const double u = (static_cast<double>(i) + 0.5) / 1000.0;
    const RetryDecision d = after_attach_reject(c, 22, 10'000, 0, u);
    ++per_second.at(static_cast<std::size_t>(d.wait_ms / 1000));
  }
  for (int n : per_second) EXPECT_LE(n, 101);
  EXPECT_EQ(per_second[9], 0);  // never before T3346
}

TEST(SimRetry, CongestionWithoutT3346IsAnAbnormalCaseCountedTowardsT3402) {
  // §5.5.1.2.6: no T3346 (absent, deactivated or zero) → attempt counter + 1, T3411 below the
  // limit, T3402 at it.
  for (std::optional<std::int64_t> t3346 :
       {std::optional<std::int64_t>{}, std::optional<std::int64_t>{0}}) {
    RetryDecision d = after_attach_reject(enabled(), 22, t3346, 0, 0.7);
    EXPECT_TRUE(d.retry);
    EXPECT_FALSE(d.backoff_t3346);
    EXPECT_EQ(d.wait_ms, 10'000);
    EXPECT_EQ(d.attempts, 1u);
    d = after_attach_reject(enabled(), 22, t3346, 3, 0.7);
    EXPECT_EQ(d.wait_ms, 10'000);
    EXPECT_EQ(d.attempts, 4u);
    d = after_attach_reject(enabled(), 22, t3346, 4, 0.7);
    EXPECT_EQ(d.wait_ms, 60'000);
    EXPECT_EQ(d.attempts, 0u);
  }
}

TEST(SimRetry, OtherCausesAreFinal) {
  for (int cause : {3, 6, 7, 8, 11, 15, 17, 111}) {
    EXPECT_FALSE(
        after_attach_reject(enabled(), static_cast<std::uint8_t>(cause), 30'000, 0, 0.1).retry)
        << cause;
  }
}

TEST(SimRetry, DisabledMakesEveryRejectFinal) {
  RetryConfig c = enabled();
  c.enabled = false;
  EXPECT_FALSE(after_attach_reject(c, 22, 30'000, 0, 0.1).retry);
  EXPECT_FALSE(after_attach_reject(c, 22, std::nullopt, 0, 0.1).retry);
}

TEST(SimRetry, ReconnectDelayDoublesUpToTheMaximumWithAtMostHalfMoreJitter) {
  RetryConfig c = enabled();
  c.reconnect_min_ms = 100;
  c.reconnect_max_ms = 1'000;
  EXPECT_EQ(reconnect_delay(c, 0, 0.0), 100);
  EXPECT_EQ(reconnect_delay(c, 1, 0.0), 200);
  EXPECT_EQ(reconnect_delay(c, 2, 0.0), 400);
  EXPECT_EQ(reconnect_delay(c, 3, 0.0), 800);
  EXPECT_EQ(reconnect_delay(c, 4, 0.0), 1'000);
  EXPECT_EQ(reconnect_delay(c, 1'000'000, 0.0), 1'000);  // no overflow on a long outage
  EXPECT_EQ(reconnect_delay(c, 0, 0.5), 125);
  EXPECT_LE(reconnect_delay(c, 9, 0.999), 1'500);
}

}  // namespace
}  // namespace kmebind::app
