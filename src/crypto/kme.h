// Crypto of the KME procedures (TR 33.868 §5.4.4.2.3.3, seed text; DESIGN.md §3-4).
//
// Rsp / XRsp (procedures 1 and 2, steps 7 and 4):
//   Rsp = first 16 octets of HMAC-SHA-256(KME, "kmebind rsp v1" ‖ Nonce)
//
// KME transcript (procedure 2, step 7): what the device signs instead of the bare KME, so an
// old Cookie and signature cannot roll a device back to an old KME:
//   "kmebind kme-confirm v1" ‖ len ‖ IMSI ‖ len ‖ IMEI ‖ len ‖ Nonce ‖ SHA-256(KME)
//   len = 1 octet, the length of the field after it; IMSI and IMEI as ASCII digits.
//
// Wrapped KME at rest (the store's master key, AES-256-GCM via crypto/aead.h), 61 octets:
//   format 0x01 ‖ IV (12) ‖ ciphertext of KME (32) ‖ tag (16)
//   AAD = "kmebind kme-wrap v1" ‖ format ‖ len ‖ IMSI ‖ len ‖ IMEI ‖ KME version (4, big-endian)
// so a wrapped KME moved to another subscriber, device or version does not unwrap.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "common/secret.h"

namespace kmebind::crypto {

inline constexpr std::size_t kKmeSize = 32;
inline constexpr std::size_t kNonceSize = 16;
inline constexpr std::size_t kRspSize = 16;
inline constexpr std::size_t kMasterKeySize = 32;
inline constexpr std::uint8_t kWrappedKmeFormat = 0x01;
inline constexpr std::size_t kWrappedKmeSize = 1 + 12 + kKmeSize + 16;

inline constexpr std::string_view kRspLabel = "kmebind rsp v1";
inline constexpr std::string_view kTranscriptLabel = "kmebind kme-confirm v1";
inline constexpr std::string_view kWrapLabel = "kmebind kme-wrap v1";

// Rsp (UE) and XRsp (HSS/CNN). REQUIRES kme of 32 and nonce of 16 octets, else kInvalidArgument.
Result<Bytes> compute_rsp(const SecretBytes& kme, ByteView nonce);

// HXRsp = the 128 least significant bits of SHA-256(Nonce ‖ Rsp): what a device challenge gives
// the CNN instead of XRsp, so the CNN can check the device's Rsp without being able to make one
// (the construction of HXRES*, TS 33.501 Annex A.5). REQUIRES nonce and rsp of 16 octets, else
// kInvalidArgument.
Result<Bytes> compute_hxrsp(ByteView nonce, ByteView rsp);

// Constant-time comparison of XRsp and Rsp. False unless both are exactly 16 octets and equal
// (so an empty or missing expected value never matches).
bool rsp_matches(ByteView expected, ByteView received);

// The transcript above. REQUIRES imsi, imei and nonce of at most 255 octets each (an IMSI has
// at most 15 digits, an IMEISV 16); otherwise returns an empty Bytes — callers must not sign
// or verify an empty transcript. kme_transcript_checked() reports that as kInvalidArgument.
Bytes kme_transcript(std::string_view imsi, std::string_view imei, ByteView nonce,
                     const SecretBytes& kme);
Result<Bytes> kme_transcript_checked(std::string_view imsi, std::string_view imei, ByteView nonce,
                                     const SecretBytes& kme);

// Wraps KME under the master key. REQUIRES master_key and kme of 32 octets, imsi and imei of
// 1..255 octets; else kInvalidArgument. A fresh random IV each time.
Result<Bytes> wrap_kme(const SecretBytes& master_key, const SecretBytes& kme, std::string_view imsi,
                       std::string_view imei, std::uint32_t version);

// kCorruption ("wrong master key or corrupted record") if the tag does not verify — a wrong
// master key, another IMSI/IMEI/version, or altered octets — and also for a record of the wrong
// size or format; kInvalidArgument for a master key that is not 32 octets.
Result<SecretBytes> unwrap_kme(const SecretBytes& master_key, ByteView wrapped,
                               std::string_view imsi, std::string_view imei, std::uint32_t version);

}  // namespace kmebind::crypto
