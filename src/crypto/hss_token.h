// Internal to src/crypto: the frame of the tokens the HSS seals for itself and opens again later
// (the procedure-2 and procedure-1 Cookies, the device-challenge token), so that it keeps no state
// in between
// (DESIGN.md §3-4):
//   version (1) ‖ key id (4, big-endian, in the clear) ‖ IV (12) ‖ AES-256-GCM ciphertext ‖ tag
//   (16) AAD = label ‖ version ‖ key id ‖ len ‖ IMSI ‖ len ‖ IMEI   (len: 1 octet)
// The label separates the kinds: a token of one kind never opens as another.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "common/secret.h"
#include "crypto/cookie.h"

namespace kmebind::crypto::detail {

// What one kind of token is: its AAD label, version octet, total size, and its name in errors.
struct HssTokenKind {
  std::string_view label;
  std::uint8_t version = 0;
  std::size_t size = 0;   // the whole token
  std::string_view name;  // "cookie", "challenge token"
};

// Seals `plaintext` (size - 33 octets) with the ring's active key, bound to IMSI and IMEI.
// kInvalidArgument if the ring is empty, the plaintext has the wrong size, or IMSI/IMEI are empty
// or longer than 255.
Result<Bytes> seal_hss_token(const CookieKeyRing& ring, const HssTokenKind& kind,
                             ByteView plaintext, std::string_view imsi, std::string_view imei);

// Opens a token presented with `imsi` and `imei`: kMalformed (wrong size or version), kAuthFailed
// (unknown or retired key, tampered, another IMSI/IMEI or kind), kInvalidArgument (bad IMSI/IMEI
// length). Returns the plaintext.
Result<SecretBytes> open_hss_token(const CookieKeyRing& ring, const HssTokenKind& kind,
                                   ByteView token, std::string_view imsi, std::string_view imei);

// kExpired when `now` is more than `lifetime_s` after `issued`, or `issued` is more than
// kCookieMaxClockSkewS after `now` (front-end clocks disagree); overflow-safe for any int64.
Status check_token_age(const HssTokenKind& kind, std::int64_t issued_at_unix_s,
                       std::int64_t now_unix_s, std::int64_t lifetime_s);

}  // namespace kmebind::crypto::detail
