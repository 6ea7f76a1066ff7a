// The device-challenge token (kmebind's hardening of TR 33.868 §5.4.4.2.3.3 device
// authentication, docs/security.md §3.21): with a device challenge the HSS hands the CNN, besides
// Nonce and XRsp, a token sealing that Nonce, the KME version and the issue time under its Cookie
// key ring. The CNN returns the token and the device's Rsp in the ULR, and the HSS — stateless in
// between, as with the Cookie — checks Rsp against the stored KME itself instead of trusting the
// CNN's verdict.
//
// Wire format (61 octets), the frame of crypto/hss_token.h:
//   version 0x01 (1) ‖ key id (4) ‖ IV (12) ‖ AES-256-GCM ciphertext (28) ‖ tag (16)
//   plaintext = KME version (4) ‖ issued at, Unix seconds (8, two's complement) ‖ Nonce (16)
//   AAD       = "kmebind device challenge v1" ‖ version ‖ key id ‖ len ‖ IMSI ‖ len ‖ IMEI
// A token opens only for the IMSI and IMEI it was issued for, and never as a Cookie.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "crypto/cookie.h"

namespace kmebind::crypto {

inline constexpr std::uint8_t kChallengeTokenVersion = 0x01;
inline constexpr std::size_t kChallengeTokenSize = 1 + 4 + 12 + (4 + 8 + 16) + 16;
inline constexpr std::string_view kChallengeTokenLabel = "kmebind device challenge v1";

struct ChallengeTokenContent {
  std::string imsi;  // bound through the AAD, not carried inside
  std::string imei;
  Bytes nonce;  // 16 octets
  std::int64_t issued_at_unix_s = 0;
  std::uint32_t kme_version = 0;  // the stored KME the challenge was made with
};

// Seals `content` with the ring's active key. kInvalidArgument if the ring is empty, the Nonce is
// not 16 octets, or IMSI/IMEI are empty or longer than 255.
Result<Bytes> seal_challenge_token(const CookieKeyRing& ring, const ChallengeTokenContent& content);

// Opens a token presented with `imsi` and `imei` at `now_unix_s`; the errors of open_cookie
// (kMalformed, kAuthFailed, kExpired, kInvalidArgument), with the same clock-skew allowance.
Result<ChallengeTokenContent> open_challenge_token(const CookieKeyRing& ring, ByteView token,
                                                   std::string_view imsi, std::string_view imei,
                                                   std::int64_t now_unix_s,
                                                   std::int64_t lifetime_s);

}  // namespace kmebind::crypto
