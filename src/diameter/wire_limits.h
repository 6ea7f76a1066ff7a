// Internal to src/diameter: the sizes the decoders enforce, with their sources. A value outside
// these bounds is DIAMETER_INVALID_AVP_VALUE naming the AVP.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kmebind::diameter::limits {

inline constexpr std::size_t kImsiMinDigits = 6;   // TS 23.003 §2.2 (MCC + MNC + MSIN)
inline constexpr std::size_t kImsiMaxDigits = 15;  // TS 23.003 §2.2
inline constexpr std::size_t kPlmnIdSize = 3;      // TS 29.272 §7.3.9
inline constexpr std::size_t kRandSize = 16;       // TS 33.102 §6.3.2, TS 29.272 §7.3.53
inline constexpr std::size_t kAutsSize = 14;       // TS 33.102 §6.3.3
inline constexpr std::size_t kResyncInfoSize = kRandSize + kAutsSize;  // TS 29.272 §7.3.15
inline constexpr std::size_t kXresMin = 4;         // TS 33.102 §6.3.2: XRES 32..128 bits
inline constexpr std::size_t kXresMax = 16;
inline constexpr std::size_t kAutnSize = 16;       // TS 33.102 §6.3.2
inline constexpr std::size_t kKasmeSize = 32;      // TS 33.401 A.2
inline constexpr std::size_t kImeiMinDigits = 14;  // TS 29.272 §7.3.4: TAC + SNR, may add a 15th
inline constexpr std::size_t kImeiMaxDigits = 15;
inline constexpr std::size_t kSvnDigits = 2;       // TS 29.272 §7.3.5
inline constexpr std::size_t kMsisdnMaxDigits = 15;  // ITU-T E.164
// kmebind (docs/diameter.md §3; crypto/kme.h, crypto/cookie.h, crypto/signature.h)
inline constexpr std::size_t kKmeSize = 32;
inline constexpr std::size_t kNonceSize = 16;
inline constexpr std::size_t kXrspSize = 16;
inline constexpr std::size_t kCookieMax = 1024;
inline constexpr std::size_t kChallengeTokenMax = 1024;  // KME-Challenge-Token
inline constexpr std::size_t kRspSize = 16;              // KME-Rsp
inline constexpr std::size_t kSignatureMax = 256;
inline constexpr std::size_t kEncryptedPayloadMax = 4096;
// More vectors than this in one AIA is refused (TS 29.272 allows 1..5 requested per AIR).
inline constexpr std::size_t kMaxVectors = 32;

}  // namespace kmebind::diameter::limits
