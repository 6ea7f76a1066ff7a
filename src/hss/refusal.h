// Internal to src/hss: a refused request as a value, so that each procedure reads as a linear
// sequence of checks that stop at the first refusal (leveldb style, std::expected).
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "common/error.h"
#include "hss/hss_event.h"
#include "s6a/result_code.h"

namespace kmebind::hss {

struct Refusal {
  s6a::ResultCode result;
  std::string reason;  // no secrets
};

template <class T>
using Checked = std::expected<T, Refusal>;

inline std::unexpected<Refusal> refuse(s6a::ResultCode result, std::string reason) {
  return std::unexpected<Refusal>(Refusal{result, std::move(reason)});
}

// A store failure that no procedure-specific rule covers: kUnavailable → DIAMETER_TOO_BUSY
// (transient, RFC 6733 §7.1.3), anything else → DIAMETER_UNABLE_TO_COMPLY. `operation` names
// the store call ("get_subscriber"); the store's message is secret-free by its contract.
Refusal store_refusal(const Error& error, std::string_view operation);

// A Cookie or challenge token that did not open (crypto/hss_token.h): kExpired → `expired`;
// forged, tampered or presented for another IMSI/IMEI (kAuthFailed, kMalformed,
// kInvalidArgument) → `refused`; anything else is the HSS's own failure (UNABLE_TO_COMPLY).
// `what` names the token ("Cookie", "challenge token").
Refusal sealed_token_refusal(const Error& error, std::string_view what, s6a::ResultCode expired,
                             s6a::ResultCode refused);

// Writes `refusal` into `event` and returns its result code.
inline s6a::ResultCode report(const Refusal& refusal, HssEvent& event) {
  event.result = refusal.result;
  event.reason = refusal.reason;
  return refusal.result;
}

}  // namespace kmebind::hss
