// Security-related EMM IEs (TS 24.301 §9.9.3): UE network capability, UE security
// capability, NAS key set identifier, NAS security algorithms, IMEISV request.
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/error.h"
#include "nas/ie_basic.h"

namespace kmebind::nas {

// EPS algorithm identities (TS 33.401 §5.1.3): bit positions in the capability octets and the
// 3-bit values of NAS security algorithms.
enum class CipheringAlgorithm : std::uint8_t { kEea0 = 0, kEea1 = 1, kEea2 = 2, kEea3 = 3 };
enum class IntegrityAlgorithm : std::uint8_t { kEia0 = 0, kEia1 = 1, kEia2 = 2, kEia3 = 3 };
std::string to_string(CipheringAlgorithm a);
std::string to_string(IntegrityAlgorithm a);

// An algorithm bit mask octet: bit 8 = algorithm 0, bit 7 = algorithm 1, ... bit 1 = algorithm 7.
constexpr std::uint8_t algorithm_bit(std::uint8_t id) { return static_cast<std::uint8_t>(0x80u >> (id & 7u)); }

// TS 24.301 §9.9.3.34 UE network capability: octet 3 EEA0-7, octet 4 EIA0-7, then optional
// octets 5.. (UEA, UCS2/UIA, ProSe/LPP/LCS/NF, ...) kept verbatim.
struct UeNetworkCapability {
  std::uint8_t eea = 0;
  std::uint8_t eia = 0;
  Bytes additional;  // octets 5 onwards, 0..11 octets

  bool supports(CipheringAlgorithm a) const { return (eea & algorithm_bit(static_cast<std::uint8_t>(a))) != 0; }
  bool supports(IntegrityAlgorithm a) const { return (eia & algorithm_bit(static_cast<std::uint8_t>(a))) != 0; }
  Status encode(ByteWriter& w) const;
  static Result<UeNetworkCapability> decode(ByteView in);
  std::string describe() const;
  bool operator==(const UeNetworkCapability&) const = default;
};

// TS 24.301 §9.9.3.36 UE security capability: octet 3 EEA, octet 4 EIA, then optional UEA, UIA
// (bit 8 spare), GEA (bit 8 spare) octets, kept verbatim. The MME replays the UE's EPS part
// of the UE network capability in Security Mode Command.
struct UeSecurityCapability {
  std::uint8_t eea = 0;
  std::uint8_t eia = 0;
  Bytes additional;  // octets 5-7, 0..3 octets

  // The EPS algorithms (and UMTS ones, when present) of a UE network capability, as an MME
  // replays them (TS 24.301 §5.4.3.2, TS 33.401 §7.2.4.4).
  static UeSecurityCapability replay_of(const UeNetworkCapability& cap);
  Status encode(ByteWriter& w) const;
  static Result<UeSecurityCapability> decode(ByteView in);
  std::string describe() const;
  bool operator==(const UeSecurityCapability&) const = default;
};

// TS 24.301 §9.9.3.21 NAS key set identifier: bit 4 type of security context flag (TSC),
// bits 3-1 the KSI; 7 = "no key is available".
struct NasKeySetIdentifier {
  static constexpr std::uint8_t kNoKeyAvailable = 7;
  bool mapped = false;  // TSC: false = native security context, true = mapped
  std::uint8_t ksi = kNoKeyAvailable;

  std::uint8_t to_nibble() const { return static_cast<std::uint8_t>((mapped ? 0x08 : 0) | (ksi & 0x07)); }
  static Result<NasKeySetIdentifier> from_nibble(std::uint8_t n) {
    return NasKeySetIdentifier{(n & 0x08) != 0, static_cast<std::uint8_t>(n & 0x07)};
  }
  std::string describe() const;
  bool operator==(const NasKeySetIdentifier&) const = default;
};

// TS 24.301 §9.9.3.23 NAS security algorithms: bits 7-5 ciphering, bits 3-1 integrity.
struct NasSecurityAlgorithms {
  CipheringAlgorithm ciphering = CipheringAlgorithm::kEea0;
  IntegrityAlgorithm integrity = IntegrityAlgorithm::kEia0;

  Status encode(ByteWriter& w) const;
  static Result<NasSecurityAlgorithms> decode(ByteView in);
  std::string describe() const;
  bool operator==(const NasSecurityAlgorithms&) const = default;
};

// TS 24.008 §10.5.5.10 IMEISV request (bits 3-1; bit 4 spare).
enum class ImeisvRequest : std::uint8_t { kNotRequested = 0, kRequested = 1 };
std::string to_string(ImeisvRequest v);
template <>
struct IeCodec<ImeisvRequest> : HalfEnumCodec<ImeisvRequest, 0x07> {};

}  // namespace kmebind::nas
