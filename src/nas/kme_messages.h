// The KME procedures' messages (TR 33.868 §5.4.4.2.3.3 made concrete, DESIGN.md §3, §5). They
// are kmebind's own protocol and ride as the Generic message container of Downlink/Uplink
// Generic NAS Transport (TS 24.301 §8.2.31/§8.2.32) with container type 0x81
// (GenericMessageContainerType::kKme), always under NAS security. docs/nas.md §KME has the layout.
//
// Container content:
//   octet 1: KME message type   octet 2: container version (1)
//   then fields, each: tag (1 octet) ‖ length (2 octets, big-endian) ‖ value
// Decoding skips unknown tags, refuses a repeated tag, a missing mandatory field, a length
// outside the field's range, a version other than 1 and an unknown message type (kMalformed,
// naming the message and field). Enum-valued fields keep unknown values as received so that the
// receiver can answer "unsupported" (use the is_supported helpers); causes are kept as received.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/bytes.h"
#include "common/error.h"

namespace kmebind::nas {

inline constexpr std::uint8_t kKmeContainerVersion = 1;

enum class KmeMessageType : std::uint8_t {
  kProvisioningCommand = 1,
  kProvisioningResponse = 2,
  kProvisioningReject = 3,
  kDeviceAuthenticationRequest = 4,
  kDeviceAuthenticationResponse = 5,
  kDeviceAuthenticationReject = 6,
};

// Field tags (one tag space for all KME messages).
enum class KmeTag : std::uint8_t {
  kProcedure = 0x01,
  kEciesProfile = 0x02,
  kEciesSchemeOutput = 0x03,
  kNonce = 0x04,
  kKmeVersion = 0x05,
  kRsp = 0x06,
  kSignatureAlgorithm = 0x07,
  kSignature = 0x08,
  kCause = 0x09,
};

// TR 33.868 §5.4.4.2.3.3.1 (1: KME shared with the CNN) and §5.4.4.2.3.3.2 (2: not shared).
enum class KmeProcedure : std::uint8_t { kSharedWithCnn = 1, kNotSharedWithCnn = 2 };
// TS 33.501 Annex C.3 ECIES profiles.
enum class EciesProfile : std::uint8_t { kProfileA = 1, kProfileB = 2 };
enum class SignatureAlgorithm : std::uint8_t { kEd25519 = 1, kEcdsaP256 = 2 };
enum class KmeProvisioningRejectCause : std::uint8_t {
  kDecryptionFailed = 1,
  kImeiMismatch = 2,
  kUnsupportedProfileOrProcedure = 3,
  kMalformed = 4,
  kVersionNotNewer = 5,  // offered KME version not above the committed one (rollback or replay)
};
enum class DeviceAuthenticationRejectCause : std::uint8_t { kNoKme = 1, kOther = 2 };

bool is_supported(KmeProcedure v);
bool is_supported(EciesProfile v);
bool is_supported(SignatureAlgorithm v);

inline constexpr std::size_t kKmeNonceSize = 16;
inline constexpr std::size_t kKmeRspSize = 16;
inline constexpr std::size_t kKmeSignatureSize = 64;
using KmeNonce = std::array<std::uint8_t, kKmeNonceSize>;
using KmeRsp = std::array<std::uint8_t, kKmeRspSize>;
// Ed25519 signature (RFC 8032), or ECDSA P-256 as raw r ‖ s (32 octets each, big-endian).
using KmeSignature = std::array<std::uint8_t, kKmeSignatureSize>;

// CNN → UE. Seed steps 6 (procedure 1) and 6 (procedure 2).
struct KmeProvisioningCommand {
  static constexpr KmeMessageType kMessageType = KmeMessageType::kProvisioningCommand;
  static constexpr std::string_view kName = "KME Provisioning Command";
  KmeProcedure procedure = KmeProcedure::kSharedWithCnn;
  EciesProfile ecies_profile = EciesProfile::kProfileA;
  Bytes ecies_scheme_output;      // ECIES(KmePayload) of TS 33.501 Annex C.3
  std::optional<KmeNonce> nonce;  // present for procedure 1 only (made by the CNN)
  std::uint32_t kme_version = 0;
  bool operator==(const KmeProvisioningCommand&) const = default;
};

// UE → CNN. Seed step 8.
struct KmeProvisioningResponse {
  static constexpr KmeMessageType kMessageType = KmeMessageType::kProvisioningResponse;
  static constexpr std::string_view kName = "KME Provisioning Response";
  KmeRsp rsp{};
  // Both present (procedure 2) or both absent (procedure 1).
  std::optional<SignatureAlgorithm> signature_algorithm;
  std::optional<KmeSignature> signature;
  bool operator==(const KmeProvisioningResponse&) const = default;
};

// UE → CNN: the device could not take the KME.
struct KmeProvisioningReject {
  static constexpr KmeMessageType kMessageType = KmeMessageType::kProvisioningReject;
  static constexpr std::string_view kName = "KME Provisioning Reject";
  KmeProvisioningRejectCause cause = KmeProvisioningRejectCause::kMalformed;
  // Present exactly with cause 5: the device's committed KME version, so that an operator can
  // let the HSS issue one above it (docs/admin.md, the lock-out recovery section).
  std::optional<std::uint32_t> committed_kme_version;
  bool operator==(const KmeProvisioningReject&) const = default;
};

// CNN → UE: challenge with the stored KME (DESIGN.md §3 "device authentication").
struct DeviceAuthenticationRequest {
  static constexpr KmeMessageType kMessageType = KmeMessageType::kDeviceAuthenticationRequest;
  static constexpr std::string_view kName = "Device Authentication Request";
  KmeNonce nonce{};
  std::uint32_t kme_version = 0;
  bool operator==(const DeviceAuthenticationRequest&) const = default;
};

// UE → CNN.
struct DeviceAuthenticationResponse {
  static constexpr KmeMessageType kMessageType = KmeMessageType::kDeviceAuthenticationResponse;
  static constexpr std::string_view kName = "Device Authentication Response";
  KmeRsp rsp{};
  bool operator==(const DeviceAuthenticationResponse&) const = default;
};

// UE → CNN.
struct DeviceAuthenticationReject {
  static constexpr KmeMessageType kMessageType = KmeMessageType::kDeviceAuthenticationReject;
  static constexpr std::string_view kName = "Device Authentication Reject";
  DeviceAuthenticationRejectCause cause = DeviceAuthenticationRejectCause::kOther;
  bool operator==(const DeviceAuthenticationReject&) const = default;
};

using KmeMessage = std::variant<KmeProvisioningCommand, KmeProvisioningResponse, KmeProvisioningReject,
                                DeviceAuthenticationRequest, DeviceAuthenticationResponse, DeviceAuthenticationReject>;

// The container content. Fails with kInvalidArgument when a conditional field rule is broken
// (nonce vs procedure, signature without algorithm) or a field is too long.
Result<Bytes> encode_kme(const KmeMessage& message);
// Parses a container content (the Generic message container value). See the rules above.
Result<KmeMessage> decode_kme(ByteView container);
// One log line; nonces, Rsp and signatures are shown (they are not secret), the ECIES output
// only by its size.
std::string describe(const KmeMessage& message);

}  // namespace kmebind::nas
