// SHA-256 and HMAC-SHA-256 (FIPS 180-4, RFC 2104) through OpenSSL EVP. The building block of
// the KDF (TS 33.220 B.2), Rsp/XRsp, the KME transcript and ECIES' MAC (TS 33.501 C.3.4).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include "common/bytes.h"
#include "common/secret.h"

namespace kmebind::crypto {

inline constexpr std::size_t kSha256Size = 32;

// SHA-256 of the concatenation of `parts`. kInternal only if OpenSSL fails.
Result<std::array<std::uint8_t, kSha256Size>> sha256(std::initializer_list<ByteView> parts);

// HMAC-SHA-256(key, parts[0] ‖ parts[1] ‖ …), 32 octets. Returned as a secret because most
// callers derive keys with it. Fails with kInvalidArgument on an empty key.
// OpenSSL's EVP_MAC "HMAC", set up once and re-keyed per call.
Result<SecretBytes> hmac_sha256(ByteView key, std::initializer_list<ByteView> parts);

}  // namespace kmebind::crypto
