// What a simulated UE does after an attach attempt failed (docs/demo.md §4 "Retries"), as a real
// UE would (TS 24.301 §5.5.1.2.5, §5.5.1.2.6), and the back-off of the sim's NAS link to the CNN.
// Pure functions of the failure, the UE's attempt counter and a uniform random draw, so that the
// runner (sim_runner.cpp) and the tests share one definition.
//
//   Attach reject #22 with T3346 (not zero, not deactivated)  §5.5.1.2.5: attempt counter reset,
//       wait T3346 + a uniform jitter in [0, t3346_jitter] (so that a storm rejected in the same
//       second does not come back in the same second), then attach again.
//   Attach reject #22 without a usable T3346                  §5.5.1.2.6 abnormal case: attempt
//       counter + 1; wait T3411 while it is below max_attempts, else T3402 (and reset it).
//   Attach reject with a cause §5.5.1.2.5 does not treat      §5.5.1.2.6 d: the same (#17
//       (#17 network failure, #95–#111, ...)                  after a KME version conflict or an
//                                                             expired Cookie: docs/protocol.md
//                                                             §3); #95, #96, #97, #99 and #111
//                                                             set the counter to max_attempts.
//   Any other reject (#3, #6, #7, #8, #11–#15, #19, #25,      final (the outcome is reported;
//       #31, #35, #42, #78), Authentication reject            #19: sim_retry.cpp).
//   T3410 expiry                                              handled inside the UE core (ue.h):
//       T3411 / T3402 by the same counter; the runner only counts it.
//   Link to the CNN lost                                      reconnect after reconnect_delay()
//       (doubling from reconnect_min to reconnect_max, with up to 50 % random jitter), then
//       every affected UE attaches again from the start.
#pragma once

#include <cstdint>
#include <optional>

namespace kmebind::app {

struct RetryConfig {
  bool enabled = false;  // false: every first outcome is final (a one-shot run)
  // TS 24.301 §10.2 Table 10.2.1 defaults, except T3402 (12 min there).
  std::int64_t t3411_ms = 10'000;
  std::int64_t t3402_ms = 60'000;
  std::uint32_t max_attempts = 5;         // §5.5.1.2.6: attempts before T3402
  std::int64_t t3346_jitter_ms = 10'000;  // extra random wait after T3346
  std::int64_t reconnect_min_ms = 100;    // first delay before a lost link is re-established
  std::int64_t reconnect_max_ms = 5'000;  // the delay doubles up to this
};

// The next step after a failed attach attempt.
struct RetryDecision {
  bool retry = false;          // false: the failure is the UE's final outcome
  std::int64_t wait_ms = 0;    // when retry: attach again after this long
  std::uint32_t attempts = 0;  // the attempt counter to keep (§5.5.1.2.6)
  bool backoff_t3346 = false;  // the wait is T3346 (+ jitter)
};

// After an Attach reject with `emm_cause` and, when the message had one, `t3346_ms` (0 =
// "timer zero"; nullopt = absent or deactivated). `attempts` is the counter before this attempt;
// `uniform` is a draw in [0, 1) for the jitter.
RetryDecision after_attach_reject(const RetryConfig& config, std::uint8_t emm_cause,
                                  std::optional<std::int64_t> t3346_ms, std::uint32_t attempts,
                                  double uniform);

// The delay before reconnect attempt `failures` + 1 of a lost link (failures = earlier failed
// reconnects of this outage); `uniform` in [0, 1).
std::int64_t reconnect_delay(const RetryConfig& config, std::uint32_t failures, double uniform);

}  // namespace kmebind::app
