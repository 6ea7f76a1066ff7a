// AES-CMAC (NIST SP 800-38B) over a bit string, the core of 128-EIA2 (TS 33.401 B.2.3).
// Octet-aligned messages go through OpenSSL's EVP_MAC "CMAC"; a message whose length is not a
// multiple of 8 bits is MACed with the SP 800-38B §6.2 steps over AES-ECB blocks from EVP,
// because EVP's CMAC pads at octet granularity only.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"

namespace kmebind::crypto {

inline constexpr std::size_t kCmacSize = 16;

// CMAC of the first `length_bits` bits of `message` (most significant bit of octet 0 first).
// key: 16 or 32 octets. REQUIRES message.size() >= ceil(length_bits / 8), else
// kInvalidArgument. Bits of `message` after `length_bits` are ignored.
Result<std::array<std::uint8_t, kCmacSize>> aes_cmac(ByteView key, ByteView message,
                                                     std::size_t length_bits);

namespace detail {
// The SP 800-38B §6.2 construction from AES-ECB, for any bit length; aes_cmac() uses it only for
// non-octet lengths. Exposed so tests can check it against EVP's CMAC on octet lengths.
Result<std::array<std::uint8_t, kCmacSize>> aes_cmac_from_blocks(ByteView key, ByteView message,
                                                                 std::size_t length_bits);
}  // namespace detail

}  // namespace kmebind::crypto
