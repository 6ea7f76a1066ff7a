// EPS session management IEs (TS 24.301 §9.9.4) needed for the default bearer of an attach:
// EPS QoS, access point name, PDN address, PDN type, request type, ESM cause.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/error.h"
#include "nas/ie_basic.h"

namespace kmebind::nas {

// TS 24.301 §9.9.4.3 EPS quality of service: QCI, then optional bit-rate octets (MBR/GBR for
// uplink/downlink, then their extensions) kept verbatim.
struct EpsQos {
  std::uint8_t qci = 9;
  Bytes bit_rates;  // 0, 4, 8 or 12 octets

  Status encode(ByteWriter& w) const;
  static Result<EpsQos> decode(ByteView in);
  std::string describe() const;
  bool operator==(const EpsQos&) const = default;
};

// TS 24.301 §9.9.4.1 → TS 24.008 §10.5.6.1 / TS 23.003 §9.1: APN as length-prefixed labels.
// `name` is the dotted form ("internet", "ims.mnc001.mcc001.gprs").
struct AccessPointName {
  std::string name;

  Status encode(ByteWriter& w) const;  // fails on an empty label or a label over 63 octets
  static Result<AccessPointName> decode(ByteView in);
  std::string describe() const { return name; }
  bool operator==(const AccessPointName&) const = default;
};

// TS 24.301 §9.9.4.10 PDN type (bits 3-1; bit 4 spare).
enum class PdnType : std::uint8_t { kIpv4 = 1, kIpv6 = 2, kIpv4v6 = 3, kNonIp = 5 };
std::string to_string(PdnType v);
template <> struct IeCodec<PdnType> : HalfEnumCodec<PdnType, 0x07> {};

// TS 24.301 §9.9.4.14 → TS 24.008 §10.5.6.17 Request type (bits 3-1; bit 4 spare).
enum class RequestType : std::uint8_t { kInitialRequest = 1, kHandover = 2, kEmergency = 4 };
std::string to_string(RequestType v);
template <> struct IeCodec<RequestType> : HalfEnumCodec<RequestType, 0x07> {};

// TS 24.301 §9.9.4.9 PDN address: PDN type value (bits 3-1 of octet 3) and the address
// information: IPv4 (4 octets), IPv6 interface identifier (8), or both (8 then 4).
struct PdnAddress {
  PdnType type = PdnType::kIpv4;
  std::array<std::uint8_t, 4> ipv4{};
  std::array<std::uint8_t, 8> ipv6_interface_id{};

  Status encode(ByteWriter& w) const;
  static Result<PdnAddress> decode(ByteView in);
  std::string describe() const;
  bool operator==(const PdnAddress&) const = default;
};

// TS 24.301 §9.9.4.4 ESM cause (one octet; values kept as received).
enum class EsmCause : std::uint8_t {
  kOperatorDeterminedBarring = 8,
  kInsufficientResources = 26,
  kMissingOrUnknownApn = 27,
  kUnknownPdnType = 28,
  kUserAuthenticationFailed = 29,
  kRequestRejectedByGateway = 30,
  kRequestRejectedUnspecified = 31,
  kServiceOptionNotSupported = 32,
  kPdnTypeIpv4OnlyAllowed = 50,
  kPdnTypeIpv6OnlyAllowed = 51,
  kProtocolErrorUnspecified = 111,
};
std::string to_string(EsmCause v);
template <> struct IeCodec<EsmCause> : OctetEnumCodec<EsmCause> {};

}  // namespace kmebind::nas
