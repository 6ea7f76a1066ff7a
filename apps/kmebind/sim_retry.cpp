#include "sim_retry.h"

#include <algorithm>

namespace kmebind::app {
namespace {

constexpr std::uint8_t kCongestion = 22;  // TS 24.301 §9.9.3.9

std::int64_t scaled(std::int64_t span, double uniform) {
  const double u = std::clamp(uniform, 0.0, 1.0);
  return static_cast<std::int64_t>(static_cast<double>(span) * u);
}

}  // namespace

// TS 24.301 §5.5.1.2.5 (#22 with T3346) and §5.5.1.2.6 (abnormal cases: attempt counter, T3411,
// T3402).
RetryDecision after_attach_reject(const RetryConfig& config, std::uint8_t emm_cause,
                                  std::optional<std::int64_t> t3346_ms, std::uint32_t attempts,
                                  double uniform) {
  RetryDecision d;
  if (!config.enabled || emm_cause != kCongestion) return d;
  d.retry = true;
  if (t3346_ms && *t3346_ms > 0) {
    d.backoff_t3346 = true;
    d.attempts = 0;
    d.wait_ms = *t3346_ms + scaled(config.t3346_jitter_ms, uniform);
    return d;
  }
  d.attempts = attempts + 1;
  if (d.attempts >= config.max_attempts) {
    d.wait_ms = config.t3402_ms;
    d.attempts = 0;
  } else {
    d.wait_ms = config.t3411_ms;
  }
  return d;
}

std::int64_t reconnect_delay(const RetryConfig& config, std::uint32_t failures, double uniform) {
  std::int64_t base = std::max<std::int64_t>(config.reconnect_min_ms, 1);
  for (std::uint32_t i = 0; i < failures && base < config.reconnect_max_ms; ++i) base *= 2;
  base = std::min(base, std::max(config.reconnect_max_ms, config.reconnect_min_ms));
  return base + scaled(base / 2, uniform);
}

}  // namespace kmebind::app
