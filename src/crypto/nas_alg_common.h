// Internal to src/crypto: argument checks and the COUNT ‖ BEARER ‖ DIRECTION ‖ 0^26 prefix
// shared by 128-EEA2 and 128-EIA2 (TS 33.401 B.1.3, B.2.3).
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "common/secret.h"

namespace kmebind::crypto::detail {

// kInvalidArgument naming `alg` for a wrong key size, bearer >= 32, direction > 1, or `input`
// shorter than ceil(length_bits / 8) octets.
Status check_nas_alg_args(const char* alg, const SecretBytes& key, std::uint8_t bearer,
                          std::uint8_t direction, ByteView input, std::size_t length_bits);

// COUNT (32) ‖ BEARER (5) ‖ DIRECTION (1) ‖ 0^26, 8 octets.
std::array<std::uint8_t, 8> count_bearer_direction(std::uint32_t count, std::uint8_t bearer,
                                                   std::uint8_t direction);

}  // namespace kmebind::crypto::detail
