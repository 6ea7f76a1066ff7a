// 128-EIA2, the NAS/AS integrity algorithm based on AES-CMAC (TS 33.401 Annex B.2.3).
//
//   M = COUNT (32 bits) ‖ BEARER (5 bits) ‖ DIRECTION (1 bit) ‖ 0^26 ‖ MESSAGE (LENGTH bits)
//   MAC-I/NAS-MAC = the 32 most significant bits of AES-CMAC(KEY, M), over 64 + LENGTH bits.
//
// Test data: tests/vectors/eea2_eia2.json (TS 33.401 Annex C.2), including non-octet LENGTHs.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "common/secret.h"

namespace kmebind::crypto {

inline constexpr std::size_t kNasAlgKeySize = 16;
inline constexpr std::size_t kEia2MacSize = 4;

// REQUIRES key of 16 octets, bearer < 32, direction 0 or 1, and
// message.size() >= ceil(length_bits / 8); otherwise kInvalidArgument. Only the first
// `length_bits` bits of `message` are MACed (bit-granular CMAC padding after the last bit).
Result<std::array<std::uint8_t, kEia2MacSize>> eia2_mac(const SecretBytes& key, std::uint32_t count,
                                                        std::uint8_t bearer, std::uint8_t direction,
                                                        ByteView message, std::size_t length_bits);

}  // namespace kmebind::crypto
