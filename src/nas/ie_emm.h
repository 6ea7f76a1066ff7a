// EPS mobility management IEs (TS 24.301 §9.9.3) that are not identities or security: attach
// type/result, EMM cause, TAI list, additional update result, detach type, generic message
// container type, ESM message container.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"
#include "nas/ie_basic.h"
#include "nas/plmn.h"

namespace kmebind::nas {

// TS 24.301 §9.9.3.11 EPS attach type (bits 3-1; bit 4 spare). A network treats unused values
// as EPS attach; they are kept as received here and shown as "unused".
enum class EpsAttachType : std::uint8_t { kEpsAttach = 1, kCombinedEpsImsiAttach = 2, kEpsRlosAttach = 3, kEpsEmergencyAttach = 6 };
std::string to_string(EpsAttachType v);
template <> struct IeCodec<EpsAttachType> : HalfEnumCodec<EpsAttachType, 0x07> {};

// TS 24.301 §9.9.3.10 EPS attach result (bits 3-1; bit 4 spare).
enum class EpsAttachResult : std::uint8_t { kEpsOnly = 1, kCombinedEpsImsiAttach = 2 };
std::string to_string(EpsAttachResult v);
template <> struct IeCodec<EpsAttachResult> : HalfEnumCodec<EpsAttachResult, 0x07> {};

// TS 24.301 §9.9.3.0A Additional update result (bits 2-1; bits 4-3 spare).
enum class AdditionalUpdateResult : std::uint8_t { kNoAdditionalInformation = 0, kCsFallbackNotPreferred = 1, kSmsOnly = 2 };
std::string to_string(AdditionalUpdateResult v);
template <> struct IeCodec<AdditionalUpdateResult> : HalfEnumCodec<AdditionalUpdateResult, 0x03> {};

// TS 24.301 §9.9.3.9 EMM cause (Table 9.9.3.9.1). Values not listed are kept as received.
enum class EmmCause : std::uint8_t {
  kImsiUnknownInHss = 2,
  kIllegalUe = 3,
  kImeiNotAccepted = 5,
  kIllegalMe = 6,
  kEpsServicesNotAllowed = 7,
  kEpsAndNonEpsServicesNotAllowed = 8,
  kUeIdentityCannotBeDerived = 9,
  kImplicitlyDetached = 10,
  kPlmnNotAllowed = 11,
  kTrackingAreaNotAllowed = 12,
  kRoamingNotAllowedInThisTrackingArea = 13,
  kEpsServicesNotAllowedInThisPlmn = 14,
  kNoSuitableCellsInTrackingArea = 15,
  kMscTemporarilyNotReachable = 16,
  kNetworkFailure = 17,
  kCsDomainNotAvailable = 18,
  kEsmFailure = 19,
  kMacFailure = 20,
  kSynchFailure = 21,
  kCongestion = 22,
  kUeSecurityCapabilitiesMismatch = 23,
  kSecurityModeRejectedUnspecified = 24,
  kNotAuthorizedForThisCsg = 25,
  kNonEpsAuthenticationUnacceptable = 26,
  kRequestedServiceOptionNotAuthorizedInThisPlmn = 35,
  kCsServiceTemporarilyNotAvailable = 39,
  kNoEpsBearerContextActivated = 40,
  kSevereNetworkFailure = 42,
  kSemanticallyIncorrectMessage = 95,
  kInvalidMandatoryInformation = 96,
  kMessageTypeNonExistent = 97,
  kMessageTypeNotCompatibleWithProtocolState = 98,
  kInformationElementNonExistent = 99,
  kConditionalIeError = 100,
  kMessageNotCompatibleWithProtocolState = 101,
  kProtocolErrorUnspecified = 111,
};
std::string to_string(EmmCause v);
template <> struct IeCodec<EmmCause> : OctetEnumCodec<EmmCause> {};

// TS 24.301 §9.9.3.33 Tracking area identity list: one or more partial lists.
struct PartialTaiList {
  // Bits 7-6 of the first octet.
  enum class Type : std::uint8_t { kNonConsecutiveTacs = 0, kConsecutiveTacs = 1, kMultiplePlmns = 2 };
  Type type = Type::kNonConsecutiveTacs;
  // kNonConsecutiveTacs, kMultiplePlmns: every TAI (1..16; one PLMN for the first type).
  // kConsecutiveTacs: the first TAI only; `consecutive` TACs follow from it.
  std::vector<Tai> tais;
  std::uint8_t consecutive = 0;  // kConsecutiveTacs only: number of elements, 1..16

  bool operator==(const PartialTaiList&) const = default;
};

struct TaiList {
  std::vector<PartialTaiList> lists;

  // A list of one partial list holding one TAI.
  static TaiList single(Tai tai);
  Status encode(ByteWriter& w) const;
  static Result<TaiList> decode(ByteView in);
  std::string describe() const;
  bool operator==(const TaiList&) const = default;
};

// TS 24.301 §9.9.3.7 Detach type: bit 4 switch off (UE to network only), bits 3-1 type of
// detach (UE originating: 1 EPS, 2 IMSI, 3 combined; network originating: 1 re-attach required,
// 2 re-attach not required, 3 IMSI detach).
struct DetachType {
  static constexpr std::uint8_t kEpsDetach = 1, kImsiDetach = 2, kCombinedDetach = 3;
  static constexpr std::uint8_t kReattachRequired = 1, kReattachNotRequired = 2;
  bool switch_off = false;
  std::uint8_t type_of_detach = kEpsDetach;

  std::uint8_t to_nibble() const { return static_cast<std::uint8_t>((switch_off ? 0x08 : 0) | (type_of_detach & 0x07)); }
  static Result<DetachType> from_nibble(std::uint8_t n) {
    return DetachType{(n & 0x08) != 0, static_cast<std::uint8_t>(n & 0x07)};
  }
  std::string describe() const;
  bool operator==(const DetachType&) const = default;
};

// TS 24.301 §9.9.3.42 Generic message container type. 1 and 2 are assigned by 3GPP; every
// other value is unassigned ("reserved"). kmebind uses 0x81 for its KME container (docs/nas.md).
enum class GenericMessageContainerType : std::uint8_t { kLpp = 1, kLocationServices = 2, kKme = 0x81 };
std::string to_string(GenericMessageContainerType v);
template <> struct IeCodec<GenericMessageContainerType> : OctetEnumCodec<GenericMessageContainerType> {};

// TS 24.301 §9.9.3.15 ESM message container: a plain ESM message. The log printer decodes it.
struct EsmMessageContainer {
  Bytes value;

  Status encode(ByteWriter& w) const { w.bytes(value); return {}; }
  static Result<EsmMessageContainer> decode(ByteView in) { return EsmMessageContainer{Bytes(in.begin(), in.end())}; }
  std::string describe() const;  // defined with the ESM messages
  bool operator==(const EsmMessageContainer&) const = default;
};

}  // namespace kmebind::nas
