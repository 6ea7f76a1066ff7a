// 128-EEA2, the NAS/AS ciphering algorithm: AES-128 in CTR mode (TS 33.401 Annex B.1.3).
//
//   T1 = COUNT (32 bits) ‖ BEARER (5 bits) ‖ DIRECTION (1 bit) ‖ 0^26 ‖ 0^64
//   output = input ⊕ keystream, over LENGTH bits.
//
// Encryption and decryption are the same operation. Test data: tests/vectors/eea2_eia2.json
// (TS 33.401 Annex C.1).
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/secret.h"

namespace kmebind::crypto {

// Returns ceil(length_bits / 8) octets; the unused trailing bits of the last octet are zero.
// REQUIRES key of 16 octets, bearer < 32, direction 0 or 1, and
// data.size() >= ceil(length_bits / 8); otherwise kInvalidArgument. Octets of `data` past
// ceil(length_bits / 8) are ignored.
Result<Bytes> eea2(const SecretBytes& key, std::uint32_t count, std::uint8_t bearer,
                   std::uint8_t direction, ByteView data, std::size_t length_bits);

}  // namespace kmebind::crypto
