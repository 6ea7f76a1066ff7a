// Internal to src/hss: the 48-bit sequence number SQN as an integer and as the 6 octets that
// MILENAGE and AUTN carry (TS 33.102 §6.3.2, Annex C).
#pragma once

#include <cstdint>

#include "common/bytes.h"

namespace kmebind::hss {

inline constexpr std::size_t kSqnOctets = 6;
inline constexpr std::uint64_t kSqnMax = (std::uint64_t{1} << 48) - 1;

// Big-endian 6 octets. REQUIRES: sqn <= kSqnMax (higher bits are dropped).
Bytes sqn_to_octets(std::uint64_t sqn);
// REQUIRES: octets.size() == 6 (the caller has checked it).
std::uint64_t sqn_from_octets(ByteView octets);

// a ⊕ b octet by octet. REQUIRES: a.size() == b.size().
Bytes xor_octets(ByteView a, ByteView b);

}  // namespace kmebind::hss
