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

TEST(SimRetry, CausesWithTheirOwnHandlingAreFinal) {
  // §5.5.1.2.5: USIM or ME invalid, PLMN or TA barred, CSG, ...: the sim's UE stops there.
  for (int cause : {3, 6, 7, 8, 11, 12, 13, 14, 15, 19, 25, 31, 35, 42, 78}) {
    EXPECT_FALSE(
        after_attach_reject(enabled(), static_cast<std::uint8_t>(cause), 30'000, 0, 0.1).retry)
        << cause;
  }
}

TEST(SimRetry, NetworkFailureIsRetriedAfterT3411ThenT3402) {
  // §5.5.1.2.6 d: a cause §5.5.1.2.5 does not treat — #17 after a KME version conflict or an
  // expired Cookie (docs/protocol.md §3), #98 — counts an attempt; T3411 below max_attempts,
  // T3402 at it (and the counter starts again).
  for (int cause : {17, 98}) {
    const auto c = static_cast<std::uint8_t>(cause);
    RetryDecision d = after_attach_reject(enabled(), c, std::nullopt, 0, 0.3);
    EXPECT_TRUE(d.retry) << cause;
    EXPECT_FALSE(d.backoff_t3346) << cause;
    EXPECT_EQ(d.wait_ms, 10'000) << cause;
    EXPECT_EQ(d.attempts, 1u) << cause;
    d = after_attach_reject(enabled(), c, std::nullopt, 3, 0.3);
    EXPECT_EQ(d.wait_ms, 10'000) << cause;
    EXPECT_EQ(d.attempts, 4u) << cause;
    d = after_attach_reject(enabled(), c, std::nullopt, 4, 0.3);
    EXPECT_EQ(d.wait_ms, 60'000) << cause;
    EXPECT_EQ(d.attempts, 0u) << cause;
    // A T3346 value sent with another cause than #22 is not a back-off instruction.
    d = after_attach_reject(enabled(), c, 30'000, 0, 0.3);
    EXPECT_FALSE(d.backoff_t3346) << cause;
    EXPECT_EQ(d.wait_ms, 10'000) << cause;
  }
}

TEST(SimRetry, ProtocolErrorCausesGoStraightToT3402) {
  // §5.5.1.2.6 d: #95, #96, #97, #99 and #111 set the attach attempt counter to 5.
  for (int cause : {95, 96, 97, 99, 111}) {
    const RetryDecision d =
        after_attach_reject(enabled(), static_cast<std::uint8_t>(cause), std::nullopt, 0, 0.3);
    EXPECT_TRUE(d.retry) << cause;
    EXPECT_EQ(d.wait_ms, 60'000) << cause;
    EXPECT_EQ(d.attempts, 0u) << cause;
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
