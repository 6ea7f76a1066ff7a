// KmePayload: the plaintext the HSS encrypts to the device with ECIES (TS 33.501 Annex C.3)
// and the CNN relays in KME Provisioning Command (docs/nas.md §KME payload).
//
//   version (1) ‖ procedure (1) ‖ IMEI (8) ‖ KME version (4) ‖ KME (32) ‖ Nonce (16, procedure 2 only)
//
// IMEI is packed as the value part of a TS 24.008 §10.5.1.4 Mobile identity of type IMEI: octet 1
// = digit 1 | odd (1) | type 010, then two BCD digits per octet (15 digits → exactly 8 octets).
// The device checks that this IMEI is its own (DESIGN.md §4 hardening).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/error.h"
#include "common/secret.h"
#include "nas/kme_messages.h"

namespace kmebind::nas {

inline constexpr std::uint8_t kKmePayloadVersion = 1;
inline constexpr std::size_t kKmeSize = 32;
inline constexpr std::size_t kKmePayloadImeiSize = 8;
inline constexpr std::size_t kKmePayloadSizeProcedure1 = 1 + 1 + kKmePayloadImeiSize + 4 + kKmeSize;
inline constexpr std::size_t kKmePayloadSizeProcedure2 = kKmePayloadSizeProcedure1 + kKmeNonceSize;

struct KmePayload {
  KmeProcedure procedure = KmeProcedure::kSharedWithCnn;
  std::string imei;               // 15 decimal digits
  std::uint32_t kme_version = 0;
  SecretBytes kme;                // 32 octets
  std::optional<KmeNonce> nonce;  // procedure 2 only (made by the HSS)
};

// The plaintext (it holds KME, so it is a secret). Fails with kInvalidArgument on an unknown
// procedure, an IMEI that is not 15 digits, a KME that is not 32 octets, or a Nonce that does
// not match the procedure.
Result<SecretBytes> encode_kme_payload(const KmePayload& payload);

// Parses a decrypted plaintext. Fails with kMalformed (never echoing KME) on a version other than
// 1, an unknown procedure, a size that is not exactly that of its procedure, or an IMEI that
// is not a 15-digit IMEI identity.
Result<KmePayload> decode_kme_payload(ByteView plaintext);

}  // namespace kmebind::nas
