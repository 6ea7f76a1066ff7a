// The generic 3GPP key derivation function (TS 33.220 Annex B.2) and its EPS uses:
// K_ASME (TS 33.401 Annex A.2) and the NAS keys (TS 33.401 Annex A.7).
//
//   KDF(Key, S) = HMAC-SHA-256(Key, S),  S = FC ‖ P0 ‖ L0 ‖ P1 ‖ L1 ‖ …
//   Li = length of Pi in octets, 2 octets big-endian.
//
// The specs publish no KDF data; tests/vectors/kdf.json holds independently re-derived vectors.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "common/bytes.h"
#include "common/secret.h"

namespace kmebind::crypto {

inline constexpr std::size_t kKasmeSize = 32;
inline constexpr std::size_t kNasKeySize = 16;
inline constexpr std::size_t kSnIdSize = 3;
inline constexpr std::uint8_t kFcKasme = 0x10;                 // TS 33.401 A.2
inline constexpr std::uint8_t kFcNasKeys = 0x15;               // TS 33.401 A.7
inline constexpr std::uint8_t kNasEncAlgDistinguisher = 0x01;  // TS 33.401 A.7 table A.7-1
inline constexpr std::uint8_t kNasIntAlgDistinguisher = 0x02;

// TS 33.220 B.2: 32-octet output. Fails with kInvalidArgument on an empty key or a parameter
// longer than 65535 octets.
Result<SecretBytes> kdf(ByteView key, std::uint8_t fc, std::initializer_list<ByteView> params);

// Serving network identity for A.2: the PLMN identity encoded as in TS 24.301 §9.9.3.32 /
// TS 24.008 §10.5.1.3: octet 1 = MCC2 MCC1, octet 2 = MNC3 MCC3, octet 3 = MNC2 MNC1 (high
// nibble first), MNC3 = 0xF for a two-digit MNC. Accepts "MCC-MNC" with a 3-digit MCC and a
// 2- or 3-digit MNC ("001-01", "724-05", "310-410"); kInvalidArgument naming the value otherwise.
Result<Bytes> plmn_to_sn_id(std::string_view mcc_mnc);

// K_ASME = KDF(CK ‖ IK, FC 0x10, P0 = SN id, P1 = SQN ⊕ AK). TS 33.401 A.2.
// REQUIRES ck 16, ik 16, sn_id 3, sqn_xor_ak 6 octets, else kInvalidArgument.
Result<SecretBytes> derive_kasme(const SecretBytes& ck, const SecretBytes& ik, ByteView sn_id,
                                 ByteView sqn_xor_ak);

struct NasKeys {
  SecretBytes k_nas_enc;  // 16 octets
  SecretBytes k_nas_int;  // 16 octets
};

// K_NASenc / K_NASint = last 16 octets of KDF(K_ASME, FC 0x15, P0 = distinguisher (0x01 enc,
// 0x02 int), P1 = algorithm identity). TS 33.401 A.7. enc_alg/int_alg are the 4-bit
// algorithm identities (EEA0..EEA3 = 0..3, EIA0..EIA3 = 0..3); values above 15 are
// kInvalidArgument. REQUIRES kasme of 32 octets.
Result<NasKeys> derive_nas_keys(const SecretBytes& kasme, std::uint8_t enc_alg,
                                std::uint8_t int_alg);

}  // namespace kmebind::crypto
