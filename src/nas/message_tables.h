// INTERNAL (included by the codec .cpp files only): the IE table of every message, written in
// the order and with the IEIs, formats and lengths of its TS 24.301 clause. One table per
// message; the encoder, decoder and log printer all walk it (ie_table.h). Each table is
// checked at compile time (table_is_valid).
#pragma once

#include <tuple>

#include "nas/emm_messages.h"
#include "nas/esm_messages.h"
#include "nas/ie_table.h"

namespace kmebind::nas {

template <class Msg>
struct IeTable;

// Shorthands for the format column.
inline constexpr Format V = Format::kV, TV = Format::kTV, LV = Format::kLV, TLV = Format::kTLV,
                        LVE = Format::kLVE, TLVE = Format::kTLVE, H = Format::kHalfV, HTV = Format::kHalfTV;

// TS 24.301 §8.2.4 Attach request
template <>
struct IeTable<AttachRequest> {
  using M = AttachRequest;
  static constexpr auto kIes = std::tuple{
      ie<H>("EPS attach type", kNoIei, 0, 0, kM, &M::eps_attach_type),
      ie<H>("NAS key set identifier", kNoIei, 0, 0, kM, &M::nas_key_set_identifier),
      ie<LV>("EPS mobile identity", kNoIei, 5, 12, kM, &M::eps_mobile_identity),
      ie<LV>("UE network capability", kNoIei, 3, 14, kM, &M::ue_network_capability),
      ie<LVE>("ESM message container", kNoIei, 5, kN, kM, &M::esm_message_container),
      ie<TV>("Old P-TMSI signature", 0x19, 4, 4, kO, &M::old_ptmsi_signature),
      ie<TLV>("Additional GUTI", 0x50, 13, 13, kO, &M::additional_guti),
      ie<TV>("Last visited registered TAI", 0x52, 6, 6, kO, &M::last_visited_registered_tai),
      ie<TV>("DRX parameter", 0x5c, 3, 3, kO, &M::drx_parameter),
      ie<TLV>("MS network capability", 0x31, 4, 10, kO, &M::ms_network_capability),
      ie<HTV>("TMSI status", 0x90, 0, 0, kO, &M::tmsi_status),
      ie<TLV>("Mobile station classmark 2", 0x11, 5, 5, kO, &M::mobile_station_classmark_2),
      ie<TLV>("Mobile station classmark 3", 0x20, 2, 34, kO, &M::mobile_station_classmark_3),
      ie<TLV>("Supported Codecs", 0x40, 5, kN, kO, &M::supported_codecs),
      ie<HTV>("Additional update type", 0xf0, 0, 0, kO, &M::additional_update_type),
      ie<TLV>("Voice domain preference and UE's usage setting", 0x5d, 3, 3, kO, &M::voice_domain_preference),
      ie<HTV>("Device properties", 0xd0, 0, 0, kO, &M::device_properties),
      ie<HTV>("Old GUTI type", 0xe0, 0, 0, kO, &M::old_guti_type),
      ie<HTV>("MS network feature support", 0xc0, 0, 0, kO, &M::ms_network_feature_support),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.1 Attach accept
template <>
struct IeTable<AttachAccept> {
  using M = AttachAccept;
  static constexpr auto kIes = std::tuple{
      ie<H>("EPS attach result", kNoIei, 0, 0, kM, &M::eps_attach_result),
      spare_half(),
      ie<V>("T3412 value", kNoIei, 1, 1, kM, &M::t3412_value),
      ie<LV>("TAI list", kNoIei, 7, 97, kM, &M::tai_list),
      ie<LVE>("ESM message container", kNoIei, 5, kN, kM, &M::esm_message_container),
      ie<TLV>("GUTI", 0x50, 13, 13, kO, &M::guti),
      ie<TV>("Location area identification", 0x13, 6, 6, kO, &M::location_area_identification),
      ie<TLV>("MS identity", 0x23, 7, 10, kO, &M::ms_identity),
      ie<TV>("EMM cause", 0x53, 2, 2, kO, &M::emm_cause),
      ie<TV>("T3402 value", 0x17, 2, 2, kO, &M::t3402_value),
      ie<TV>("T3423 value", 0x59, 2, 2, kO, &M::t3423_value),
      ie<TLV>("Equivalent PLMNs", 0x4a, 5, 47, kO, &M::equivalent_plmns),
      ie<TLV>("Emergency number list", 0x34, 5, 50, kO, &M::emergency_number_list),
      ie<TLV>("EPS network feature support", 0x64, 3, 4, kO, &M::eps_network_feature_support),
      ie<HTV>("Additional update result", 0xf0, 0, 0, kO, &M::additional_update_result),
      ie<TLV>("T3412 extended value", 0x5e, 3, 3, kO, &M::t3412_extended_value),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.2 Attach complete
template <>
struct IeTable<AttachComplete> {
  using M = AttachComplete;
  static constexpr auto kIes = std::tuple{
      ie<LVE>("ESM message container", kNoIei, 5, kN, kM, &M::esm_message_container),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.3 Attach reject
template <>
struct IeTable<AttachReject> {
  using M = AttachReject;
  static constexpr auto kIes = std::tuple{
      ie<V>("EMM cause", kNoIei, 1, 1, kM, &M::emm_cause),
      ie<TLVE>("ESM message container", 0x78, 6, kN, kO, &M::esm_message_container),
      ie<TLV>("T3346 value", 0x5f, 3, 3, kO, &M::t3346_value),
      ie<TLV>("T3402 value", 0x16, 3, 3, kO, &M::t3402_value),
      ie<HTV>("Extended EMM cause", 0xa0, 0, 0, kO, &M::extended_emm_cause),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.7 Authentication request
template <>
struct IeTable<AuthenticationRequest> {
  using M = AuthenticationRequest;
  static constexpr auto kIes = std::tuple{
      ie<H>("NAS key set identifierASME", kNoIei, 0, 0, kM, &M::nas_key_set_identifier_asme),
      spare_half(),
      ie<V>("Authentication parameter RAND (EPS challenge)", kNoIei, 16, 16, kM, &M::rand),
      ie<LV>("Authentication parameter AUTN (EPS challenge)", kNoIei, 17, 17, kM, &M::autn),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.8 Authentication response
template <>
struct IeTable<AuthenticationResponse> {
  using M = AuthenticationResponse;
  static constexpr auto kIes = std::tuple{
      ie<LV>("Authentication response parameter", kNoIei, 5, 17, kM, &M::res),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.5 Authentication failure
template <>
struct IeTable<AuthenticationFailure> {
  using M = AuthenticationFailure;
  static constexpr auto kIes = std::tuple{
      ie<V>("EMM cause", kNoIei, 1, 1, kM, &M::emm_cause),
      ie<TLV>("Authentication failure parameter", 0x30, 16, 16, kO, &M::authentication_failure_parameter),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.6 Authentication reject
template <>
struct IeTable<AuthenticationReject> {
  static constexpr auto kIes = std::tuple{};
};

// TS 24.301 §8.2.20 Security mode command
template <>
struct IeTable<SecurityModeCommand> {
  using M = SecurityModeCommand;
  static constexpr auto kIes = std::tuple{
      ie<V>("Selected NAS security algorithms", kNoIei, 1, 1, kM, &M::selected_nas_security_algorithms),
      ie<H>("NAS key set identifierASME", kNoIei, 0, 0, kM, &M::nas_key_set_identifier_asme),
      spare_half(),
      ie<LV>("Replayed UE security capabilities", kNoIei, 3, 6, kM, &M::replayed_ue_security_capabilities),
      ie<HTV>("IMEISV request", 0xc0, 0, 0, kO, &M::imeisv_request),
      ie<TV>("Replayed nonceUE", 0x55, 5, 5, kO, &M::replayed_nonce_ue),
      ie<TV>("NonceMME", 0x56, 5, 5, kO, &M::nonce_mme),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.21 Security mode complete
template <>
struct IeTable<SecurityModeComplete> {
  using M = SecurityModeComplete;
  static constexpr auto kIes = std::tuple{
      ie<TLV>("IMEISV", 0x23, 11, 11, kO, &M::imeisv),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.22 Security mode reject
template <>
struct IeTable<SecurityModeReject> {
  using M = SecurityModeReject;
  static constexpr auto kIes = std::tuple{
      ie<V>("EMM cause", kNoIei, 1, 1, kM, &M::emm_cause),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.18 Identity request
template <>
struct IeTable<IdentityRequest> {
  using M = IdentityRequest;
  static constexpr auto kIes = std::tuple{
      ie<H>("Identity type", kNoIei, 0, 0, kM, &M::identity_type),
      spare_half(),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.19 Identity response
template <>
struct IeTable<IdentityResponse> {
  using M = IdentityResponse;
  static constexpr auto kIes = std::tuple{
      ie<LV>("Mobile identity", kNoIei, 4, 10, kM, &M::mobile_identity),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.11.1 Detach request (UE originating detach)
template <>
struct IeTable<DetachRequestUeOriginating> {
  using M = DetachRequestUeOriginating;
  static constexpr auto kIes = std::tuple{
      ie<H>("Detach type", kNoIei, 0, 0, kM, &M::detach_type),
      ie<H>("NAS key set identifier", kNoIei, 0, 0, kM, &M::nas_key_set_identifier),
      ie<LV>("EPS mobile identity", kNoIei, 5, 12, kM, &M::eps_mobile_identity),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.11.2 Detach request (UE terminated detach)
template <>
struct IeTable<DetachRequestUeTerminated> {
  using M = DetachRequestUeTerminated;
  static constexpr auto kIes = std::tuple{
      ie<H>("Detach type", kNoIei, 0, 0, kM, &M::detach_type),
      spare_half(),
      ie<TV>("EMM cause", 0x53, 2, 2, kO, &M::emm_cause),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.10 Detach accept
template <>
struct IeTable<DetachAccept> {
  static constexpr auto kIes = std::tuple{};
};

// TS 24.301 §8.2.14 EMM status
template <>
struct IeTable<EmmStatus> {
  using M = EmmStatus;
  static constexpr auto kIes = std::tuple{
      ie<V>("EMM cause", kNoIei, 1, 1, kM, &M::emm_cause),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.31 Downlink generic NAS transport
template <>
struct IeTable<DownlinkGenericNasTransport> {
  using M = DownlinkGenericNasTransport;
  static constexpr auto kIes = std::tuple{
      ie<V>("Generic message container type", kNoIei, 1, 1, kM, &M::generic_message_container_type),
      ie<LVE>("Generic message container", kNoIei, 3, kN, kM, &M::generic_message_container),
      ie<TLV>("Additional information", 0x65, 3, kN, kO, &M::additional_information),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.2.32 Uplink generic NAS transport
template <>
struct IeTable<UplinkGenericNasTransport> {
  using M = UplinkGenericNasTransport;
  static constexpr auto kIes = std::tuple{
      ie<V>("Generic message container type", kNoIei, 1, 1, kM, &M::generic_message_container_type),
      ie<LVE>("Generic message container", kNoIei, 3, kN, kM, &M::generic_message_container),
      ie<TLV>("Additional information", 0x65, 3, kN, kO, &M::additional_information),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.3.20 PDN connectivity request (after the ESM header: EBI, PD, PTI, type)
template <>
struct IeTable<PdnConnectivityRequest> {
  using M = PdnConnectivityRequest;
  static constexpr auto kIes = std::tuple{
      ie<H>("Request type", kNoIei, 0, 0, kM, &M::request_type),
      ie<H>("PDN type", kNoIei, 0, 0, kM, &M::pdn_type),
      ie<HTV>("ESM information transfer flag", 0xd0, 0, 0, kO, &M::esm_information_transfer_flag),
      ie<TLV>("Access point name", 0x28, 3, 102, kO, &M::access_point_name),
      ie<TLV>("Protocol configuration options", 0x27, 3, 253, kO, &M::protocol_configuration_options),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.3.6 Activate default EPS bearer context request
template <>
struct IeTable<ActivateDefaultEpsBearerContextRequest> {
  using M = ActivateDefaultEpsBearerContextRequest;
  static constexpr auto kIes = std::tuple{
      ie<LV>("EPS QoS", kNoIei, 2, 14, kM, &M::eps_qos),
      ie<LV>("Access point name", kNoIei, 2, 101, kM, &M::access_point_name),
      ie<LV>("PDN address", kNoIei, 6, 14, kM, &M::pdn_address),
      ie<TLV>("APN-AMBR", 0x5e, 4, 8, kO, &M::apn_ambr),
      ie<TV>("ESM cause", 0x58, 2, 2, kO, &M::esm_cause),
      ie<TLV>("Protocol configuration options", 0x27, 3, 253, kO, &M::protocol_configuration_options),
  };
  static_assert(table_is_valid(kIes));
};

// TS 24.301 §8.3.5 Activate default EPS bearer context accept
template <>
struct IeTable<ActivateDefaultEpsBearerContextAccept> {
  using M = ActivateDefaultEpsBearerContextAccept;
  static constexpr auto kIes = std::tuple{
      ie<TLV>("Protocol configuration options", 0x27, 3, 253, kO, &M::protocol_configuration_options),
  };
  static_assert(table_is_valid(kIes));
};

}  // namespace kmebind::nas
