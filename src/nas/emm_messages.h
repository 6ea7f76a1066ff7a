// The EMM messages kmebind speaks (TS 24.301 §8.2), as plain structs: mandatory IEs are plain
// members, optional IEs std::optional. Their IE tables (wire order, IEIs, formats, lengths)
// are in message_tables.h; encode/decode/describe are in nas_message.h. The comment on each
// member gives its IEI and format as the table has it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "nas/ie_basic.h"
#include "nas/ie_emm.h"
#include "nas/ie_identity.h"
#include "nas/ie_security.h"
#include "nas/nas_header.h"
#include "nas/plmn.h"

namespace kmebind::nas {

using Rand = std::array<std::uint8_t, 16>;
using Autn = std::array<std::uint8_t, 16>;
using Auts = std::array<std::uint8_t, 14>;
using Nonce = std::array<std::uint8_t, 4>;  // TS 24.301 §9.9.3.25 (NonceUE / NonceMME)

// TS 24.301 §8.2.4 Attach request (UE → network).
struct AttachRequest {
  static constexpr MessageType kMessageType = MessageType::kAttachRequest;
  static constexpr std::string_view kName = "Attach request";
  EpsAttachType eps_attach_type = EpsAttachType::kEpsAttach;    // V 1/2
  NasKeySetIdentifier nas_key_set_identifier;                   // V 1/2
  EpsMobileIdentity eps_mobile_identity;                        // LV 5-12
  UeNetworkCapability ue_network_capability;                    // LV 3-14
  EsmMessageContainer esm_message_container;                    // LV-E 5-n (PDN connectivity request)
  std::optional<Octets> old_ptmsi_signature;                    // 19 TV 4
  std::optional<EpsMobileIdentity> additional_guti;             // 50 TLV 13
  std::optional<Tai> last_visited_registered_tai;               // 52 TV 6
  std::optional<Octets> drx_parameter;                          // 5C TV 3
  std::optional<Octets> ms_network_capability;                  // 31 TLV 4-10
  std::optional<HalfOctet> tmsi_status;                         // 9- TV 1
  std::optional<Octets> mobile_station_classmark_2;             // 11 TLV 5
  std::optional<Octets> mobile_station_classmark_3;             // 20 TLV 2-34
  std::optional<Octets> supported_codecs;                       // 40 TLV 5-n
  std::optional<HalfOctet> additional_update_type;              // F- TV 1
  std::optional<Octets> voice_domain_preference;                // 5D TLV 3
  std::optional<HalfOctet> device_properties;                   // D- TV 1
  std::optional<HalfOctet> old_guti_type;                       // E- TV 1
  std::optional<HalfOctet> ms_network_feature_support;          // C- TV 1
  bool operator==(const AttachRequest&) const = default;
};

// TS 24.301 §8.2.1 Attach accept (network → UE).
struct AttachAccept {
  static constexpr MessageType kMessageType = MessageType::kAttachAccept;
  static constexpr std::string_view kName = "Attach accept";
  EpsAttachResult eps_attach_result = EpsAttachResult::kEpsOnly; // V 1/2 (+ spare half octet)
  GprsTimer t3412_value;                                        // V 1
  TaiList tai_list;                                             // LV 7-97
  EsmMessageContainer esm_message_container;                    // LV-E 5-n (activate default bearer)
  std::optional<EpsMobileIdentity> guti;                        // 50 TLV 13
  std::optional<Octets> location_area_identification;           // 13 TV 6
  std::optional<MobileIdentity> ms_identity;                    // 23 TLV 7-10
  std::optional<EmmCause> emm_cause;                            // 53 TV 2
  std::optional<GprsTimer> t3402_value;                         // 17 TV 2
  std::optional<GprsTimer> t3423_value;                         // 59 TV 2
  std::optional<Octets> equivalent_plmns;                       // 4A TLV 5-47
  std::optional<Octets> emergency_number_list;                  // 34 TLV 5-50
  std::optional<Octets> eps_network_feature_support;            // 64 TLV 3-4
  std::optional<AdditionalUpdateResult> additional_update_result; // F- TV 1
  std::optional<GprsTimer3> t3412_extended_value;               // 5E TLV 3
  bool operator==(const AttachAccept&) const = default;
};

// TS 24.301 §8.2.2 Attach complete (UE → network).
struct AttachComplete {
  static constexpr MessageType kMessageType = MessageType::kAttachComplete;
  static constexpr std::string_view kName = "Attach complete";
  EsmMessageContainer esm_message_container;                    // LV-E 5-n (activate default bearer accept)
  bool operator==(const AttachComplete&) const = default;
};

// TS 24.301 §8.2.3 Attach reject (network → UE).
struct AttachReject {
  static constexpr MessageType kMessageType = MessageType::kAttachReject;
  static constexpr std::string_view kName = "Attach reject";
  EmmCause emm_cause = EmmCause::kProtocolErrorUnspecified;    // V 1
  std::optional<EsmMessageContainer> esm_message_container;     // 78 TLV-E 6-n
  std::optional<GprsTimer> t3346_value;                         // 5F TLV 3 (GPRS timer 2)
  std::optional<GprsTimer> t3402_value;                         // 16 TLV 3 (GPRS timer 2)
  std::optional<HalfOctet> extended_emm_cause;                  // A- TV 1
  bool operator==(const AttachReject&) const = default;
};

// TS 24.301 §8.2.7 Authentication request (network → UE).
struct AuthenticationRequest {
  static constexpr MessageType kMessageType = MessageType::kAuthenticationRequest;
  static constexpr std::string_view kName = "Authentication request";
  NasKeySetIdentifier nas_key_set_identifier_asme;              // V 1/2 (+ spare half octet)
  Rand rand{};                                                  // V 16
  Autn autn{};                                                  // LV 17
  bool operator==(const AuthenticationRequest&) const = default;
};

// TS 24.301 §8.2.8 Authentication response (UE → network).
struct AuthenticationResponse {
  static constexpr MessageType kMessageType = MessageType::kAuthenticationResponse;
  static constexpr std::string_view kName = "Authentication response";
  Octets res;                                                   // LV 5-17 (RES, 4..16 octets)
  bool operator==(const AuthenticationResponse&) const = default;
};

// TS 24.301 §8.2.5 Authentication failure (UE → network).
struct AuthenticationFailure {
  static constexpr MessageType kMessageType = MessageType::kAuthenticationFailure;
  static constexpr std::string_view kName = "Authentication failure";
  EmmCause emm_cause = EmmCause::kMacFailure;                   // V 1
  std::optional<Auts> authentication_failure_parameter;         // 30 TLV 16 (AUTS, with #21)
  bool operator==(const AuthenticationFailure&) const = default;
};

// TS 24.301 §8.2.6 Authentication reject (network → UE).
struct AuthenticationReject {
  static constexpr MessageType kMessageType = MessageType::kAuthenticationReject;
  static constexpr std::string_view kName = "Authentication reject";
  bool operator==(const AuthenticationReject&) const = default;
};

// TS 24.301 §8.2.20 Security mode command (network → UE).
struct SecurityModeCommand {
  static constexpr MessageType kMessageType = MessageType::kSecurityModeCommand;
  static constexpr std::string_view kName = "Security mode command";
  NasSecurityAlgorithms selected_nas_security_algorithms;       // V 1
  NasKeySetIdentifier nas_key_set_identifier_asme;              // V 1/2 (+ spare half octet)
  UeSecurityCapability replayed_ue_security_capabilities;      // LV 3-6
  std::optional<ImeisvRequest> imeisv_request;                  // C- TV 1
  std::optional<Nonce> replayed_nonce_ue;                       // 55 TV 5
  std::optional<Nonce> nonce_mme;                               // 56 TV 5
  bool operator==(const SecurityModeCommand&) const = default;
};

// TS 24.301 §8.2.21 Security mode complete (UE → network).
struct SecurityModeComplete {
  static constexpr MessageType kMessageType = MessageType::kSecurityModeComplete;
  static constexpr std::string_view kName = "Security mode complete";
  std::optional<MobileIdentity> imeisv;                         // 23 TLV 11
  bool operator==(const SecurityModeComplete&) const = default;
};

// TS 24.301 §8.2.22 Security mode reject (UE → network).
struct SecurityModeReject {
  static constexpr MessageType kMessageType = MessageType::kSecurityModeReject;
  static constexpr std::string_view kName = "Security mode reject";
  EmmCause emm_cause = EmmCause::kSecurityModeRejectedUnspecified; // V 1
  bool operator==(const SecurityModeReject&) const = default;
};

// TS 24.301 §8.2.18 Identity request (network → UE).
struct IdentityRequest {
  static constexpr MessageType kMessageType = MessageType::kIdentityRequest;
  static constexpr std::string_view kName = "Identity request";
  IdentityType2 identity_type = IdentityType2::kImsi;           // V 1/2 (+ spare half octet)
  bool operator==(const IdentityRequest&) const = default;
};

// TS 24.301 §8.2.19 Identity response (UE → network).
struct IdentityResponse {
  static constexpr MessageType kMessageType = MessageType::kIdentityResponse;
  static constexpr std::string_view kName = "Identity response";
  MobileIdentity mobile_identity;                               // LV 4-10
  bool operator==(const IdentityResponse&) const = default;
};

// TS 24.301 §8.2.11.1 Detach request, UE originating detach (UE → network).
struct DetachRequestUeOriginating {
  static constexpr MessageType kMessageType = MessageType::kDetachRequest;
  static constexpr std::string_view kName = "Detach request (UE originating detach)";
  DetachType detach_type;                                       // V 1/2
  NasKeySetIdentifier nas_key_set_identifier;                   // V 1/2
  EpsMobileIdentity eps_mobile_identity;                        // LV 5-12
  bool operator==(const DetachRequestUeOriginating&) const = default;
};

// TS 24.301 §8.2.11.2 Detach request, UE terminated detach (network → UE).
struct DetachRequestUeTerminated {
  static constexpr MessageType kMessageType = MessageType::kDetachRequest;
  static constexpr std::string_view kName = "Detach request (UE terminated detach)";
  DetachType detach_type{false, DetachType::kReattachNotRequired}; // V 1/2 (+ spare half octet)
  std::optional<EmmCause> emm_cause;                            // 53 TV 2
  bool operator==(const DetachRequestUeTerminated&) const = default;
};

// TS 24.301 §8.2.10 Detach accept (either direction).
struct DetachAccept {
  static constexpr MessageType kMessageType = MessageType::kDetachAccept;
  static constexpr std::string_view kName = "Detach accept";
  bool operator==(const DetachAccept&) const = default;
};

// TS 24.301 §8.2.14 EMM status (either direction).
struct EmmStatus {
  static constexpr MessageType kMessageType = MessageType::kEmmStatus;
  static constexpr std::string_view kName = "EMM status";
  EmmCause emm_cause = EmmCause::kProtocolErrorUnspecified;    // V 1
  bool operator==(const EmmStatus&) const = default;
};

// TS 24.301 §8.2.31 Downlink generic NAS transport (network → UE).
struct DownlinkGenericNasTransport {
  static constexpr MessageType kMessageType = MessageType::kDownlinkGenericNasTransport;
  static constexpr std::string_view kName = "Downlink generic NAS transport";
  GenericMessageContainerType generic_message_container_type = GenericMessageContainerType::kKme; // V 1
  Octets generic_message_container;                             // LV-E 3-n
  std::optional<Octets> additional_information;                 // 65 TLV 3-n
  bool operator==(const DownlinkGenericNasTransport&) const = default;
};

// TS 24.301 §8.2.32 Uplink generic NAS transport (UE → network).
struct UplinkGenericNasTransport {
  static constexpr MessageType kMessageType = MessageType::kUplinkGenericNasTransport;
  static constexpr std::string_view kName = "Uplink generic NAS transport";
  GenericMessageContainerType generic_message_container_type = GenericMessageContainerType::kKme; // V 1
  Octets generic_message_container;                             // LV-E 3-n
  std::optional<Octets> additional_information;                 // 65 TLV 3-n
  bool operator==(const UplinkGenericNasTransport&) const = default;
};

}  // namespace kmebind::nas
