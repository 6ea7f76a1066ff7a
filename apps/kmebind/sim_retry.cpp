#include "sim_retry.h"

#include <algorithm>
#include <array>

namespace kmebind::app {
namespace {

constexpr std::uint8_t kCongestion = 22;  // TS 24.301 §9.9.3.9

// TS 24.301 §5.5.1.2.5: the causes with a handling of their own (USIM or PLMN or TA barred,
// congestion, CSG, redirection, ...). A sim UE treats them as final, as before switching off
// (#25, #31, #35 and #42 are handled there only in some cases, else abnormal; kmebind's CNN
// sends none of them). Also final here: #19 ESM failure, which kmebind's CNN sends without a PDN
// CONNECTIVITY REJECT (so no ESM cause and no ESM back-off, §6.5.1.4) and only for a mismatch a
// retry does not fix (PDN type, exhausted address pool: src/cnn/README.md).
constexpr std::array<std::uint8_t, 16> kOwnHandling = {3,  6,  7,  8,  11, 12, 13, 14,
                                                       15, 19, 22, 25, 31, 35, 42, 78};

bool has_own_handling(std::uint8_t cause) {
  return std::ranges::find(kOwnHandling, cause) != kOwnHandling.end();
}

// §5.5.1.2.6 d: after #95, #96, #97, #99 or #111 (protocol errors) the UE sets the attach attempt
// counter to 5, i.e. goes straight to T3402.
bool protocol_error(std::uint8_t cause) {
  return cause == 95 || cause == 96 || cause == 97 || cause == 99 || cause == 111;
}

std::int64_t scaled(std::int64_t span, double uniform) {
  const double u = std::clamp(uniform, 0.0, 1.0);
  return static_cast<std::int64_t>(static_cast<double>(span) * u);
}

}  // namespace

// TS 24.301 §5.5.1.2.5 (#22 with T3346) and §5.5.1.2.6 (abnormal cases b–d: attempt counter,
// T3411, T3402).
RetryDecision after_attach_reject(const RetryConfig& config, std::uint8_t emm_cause,
                                  std::optional<std::int64_t> t3346_ms, std::uint32_t attempts,
                                  double uniform) {
  RetryDecision d;
  if (!config.enabled) return d;
  if (emm_cause == kCongestion) {
    if (t3346_ms && *t3346_ms > 0) {
      d.retry = true;
      d.backoff_t3346 = true;
      d.attempts = 0;
      d.wait_ms = *t3346_ms + scaled(config.t3346_jitter_ms, uniform);
      return d;
    }
  } else if (has_own_handling(emm_cause)) {
    return d;
  }
  // §5.5.1.2.6: #22 without a usable T3346 (case d's "#22 considered as an abnormal case") and
  // every cause §5.5.1.2.5 does not treat, #17 network failure among them (case d).
  d.retry = true;
  d.attempts =
      protocol_error(emm_cause) ? std::max(attempts + 1, config.max_attempts) : attempts + 1;
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
