// The ESM messages an attach carries in its ESM message containers (TS 24.301 §8.3). Header
// fields (EPS bearer identity, procedure transaction identity) are members; IE tables are in
// message_tables.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "nas/ie_basic.h"
#include "nas/ie_esm.h"
#include "nas/nas_header.h"

namespace kmebind::nas {

// TS 24.301 §8.3.20 PDN connectivity request (UE → network), in Attach request.
struct PdnConnectivityRequest {
  static constexpr MessageType kMessageType = MessageType::kPdnConnectivityRequest;
  static constexpr std::string_view kName = "PDN connectivity request";
  std::uint8_t eps_bearer_identity = 0;                         // header, 0 = no bearer assigned
  std::uint8_t procedure_transaction_identity = 1;              // header, V 1
  RequestType request_type = RequestType::kInitialRequest;     // V 1/2
  PdnType pdn_type = PdnType::kIpv4;                            // V 1/2
  std::optional<HalfOctet> esm_information_transfer_flag;       // D- TV 1
  std::optional<AccessPointName> access_point_name;             // 28 TLV 3-102
  std::optional<Octets> protocol_configuration_options;         // 27 TLV 3-253
  bool operator==(const PdnConnectivityRequest&) const = default;
};

// TS 24.301 §8.3.6 Activate default EPS bearer context request (network → UE), in Attach accept.
struct ActivateDefaultEpsBearerContextRequest {
  static constexpr MessageType kMessageType = MessageType::kActivateDefaultEpsBearerContextRequest;
  static constexpr std::string_view kName = "Activate default EPS bearer context request";
  std::uint8_t eps_bearer_identity = 5;                         // header
  std::uint8_t procedure_transaction_identity = 1;              // header, V 1
  EpsQos eps_qos;                                               // LV 2-14
  AccessPointName access_point_name;                            // LV 2-101
  PdnAddress pdn_address;                                       // LV 6-14
  std::optional<Octets> apn_ambr;                               // 5E TLV 4-8
  std::optional<EsmCause> esm_cause;                            // 58 TV 2
  std::optional<Octets> protocol_configuration_options;         // 27 TLV 3-253
  bool operator==(const ActivateDefaultEpsBearerContextRequest&) const = default;
};

// TS 24.301 §8.3.5 Activate default EPS bearer context accept (UE → network), in Attach complete.
struct ActivateDefaultEpsBearerContextAccept {
  static constexpr MessageType kMessageType = MessageType::kActivateDefaultEpsBearerContextAccept;
  static constexpr std::string_view kName = "Activate default EPS bearer context accept";
  std::uint8_t eps_bearer_identity = 5;                         // header
  std::uint8_t procedure_transaction_identity = 0;              // header, V 1
  std::optional<Octets> protocol_configuration_options;         // 27 TLV 3-253
  bool operator==(const ActivateDefaultEpsBearerContextAccept&) const = default;
};

}  // namespace kmebind::nas
