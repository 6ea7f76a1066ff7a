// Reference PDUs, derived by hand from the octet diagrams of TS 24.301 §8 / §9.9 and
// TS 24.008 §10.5 (see the comment on each), with the message each one must decode to.
// A header because tests/CMakeLists.txt builds only *_test.cpp files; reached through
// nas_test_util.h.
#pragma once

#include "nas_test_util.h"

namespace kmebind::nas::test {
namespace reference_detail {

inline Tai test_tai() { return Tai{Plmn{"001", "01"}, 1}; }
inline Guti test_guti() { return Guti{Plmn{"001", "01"}, 2, 1, 0xc0000001}; }

inline PdnConnectivityRequest pdn_connectivity_request() {
  PdnConnectivityRequest m;
  m.eps_bearer_identity = 0;
  m.procedure_transaction_identity = 1;
  m.request_type = RequestType::kInitialRequest;
  m.pdn_type = PdnType::kIpv4;
  m.access_point_name = AccessPointName{"internet"};
  return m;
}

inline ActivateDefaultEpsBearerContextRequest activate_default_request() {
  ActivateDefaultEpsBearerContextRequest m;
  m.eps_bearer_identity = 5;
  m.procedure_transaction_identity = 1;
  m.eps_qos = EpsQos{9, {}};
  m.access_point_name = AccessPointName{"internet"};
  m.pdn_address.type = PdnType::kIpv4;
  m.pdn_address.ipv4 = {10, 45, 0, 2};
  return m;
}

inline ActivateDefaultEpsBearerContextAccept activate_default_accept() {
  ActivateDefaultEpsBearerContextAccept m;
  m.eps_bearer_identity = 5;
  m.procedure_transaction_identity = 0;
  return m;
}

// PDN connectivity request: EBI 0 | PD 2, PTI 1, type D0, PDN type IPv4 (high) | request type
// initial (low), APN "internet" (IEI 28).
constexpr std::string_view kPdnConnectivityRequest = "02 01 d0 11 28 09 08 69 6e 74 65 72 6e 65 74";
// Activate default EPS bearer context request: EBI 5 | PD 2, PTI 1, type C1, EPS QoS (QCI 9),
// APN "internet", PDN address IPv4 10.45.0.2.
constexpr std::string_view kActivateDefaultRequest = "52 01 c1 01 09 09 08 69 6e 74 65 72 6e 65 74 05 01 0a 2d 00 02";
constexpr std::string_view kActivateDefaultAccept = "52 00 c2";

inline std::vector<ReferencePdu> build() {
  std::vector<ReferencePdu> out;
  const Bytes pdn_req = hex(kPdnConnectivityRequest);
  const Bytes act_req = hex(kActivateDefaultRequest);
  const Bytes act_acc = hex(kActivateDefaultAccept);

  {  // TS 24.301 §8.2.4: KSI 7 (no key) | EPS attach; IMSI 001010123456789 (odd, type 001);
     // UE network capability EEA0-2/EIA0-2; ESM container; last visited TAI; DRX; MS network
     // capability; TMSI status (9-); voice domain preference (5D).
    AttachRequest m;
    m.eps_attach_type = EpsAttachType::kEpsAttach;
    m.nas_key_set_identifier = {false, 7};
    m.eps_mobile_identity = {Imsi{"001010123456789"}};
    m.ue_network_capability = {0xe0, 0xe0, {}};
    m.esm_message_container = {pdn_req};
    m.last_visited_registered_tai = test_tai();
    m.drx_parameter = Octets{{0x0a, 0x00}};
    m.ms_network_capability = Octets{{0xe5, 0xe0, 0x34}};
    m.tmsi_status = HalfOctet{0};
    m.voice_domain_preference = Octets{{0x00}};
    out.push_back({"AttachRequest", Direction::kUplink, m,
                   hex("07 41 71 08 09 10 10 10 32 54 76 98 02 e0 e0 00 0f 02 01 d0 11 28 09 08 69 6e 74 65 72 6e 65"
                       " 74 52 00 f1 10 00 01 5c 0a 00 31 03 e5 e0 34 90 5d 01 00")});
  }
  {  // TS 24.301 §8.2.1: spare | EPS only; T3412 = 9 decihours (010 01001); TAI list type 0 with
     // one TAC; ESM container; GUTI (F6, PLMN, MMEGI 2, MMEC 1, M-TMSI); T3402 12 min;
     // EPS network feature support.
    AttachAccept m;
    m.eps_attach_result = EpsAttachResult::kEpsOnly;
    m.t3412_value = {GprsTimer::Unit::kDecihours, 9};
    m.tai_list = TaiList::single(test_tai());
    m.esm_message_container = {act_req};
    m.guti = EpsMobileIdentity{test_guti()};
    m.t3402_value = GprsTimer{GprsTimer::Unit::k1Minute, 12};
    m.eps_network_feature_support = Octets{{0x01}};
    out.push_back({"AttachAccept", Direction::kDownlink, m,
                   hex("07 42 01 49 06 00 00 f1 10 00 01 00 15 52 01 c1 01 09 09 08 69 6e 74 65 72 6e 65 74 05 01 0a"
                       " 2d 00 02 50 0b f6 00 f1 10 00 02 01 c0 00 00 01 17 2c 64 01 01")});
  }
  {  // TS 24.301 §8.2.2
    AttachComplete m;
    m.esm_message_container = {act_acc};
    out.push_back({"AttachComplete", Direction::kUplink, m, hex("07 43 00 03 52 00 c2")});
  }
  {  // TS 24.301 §8.2.3: #22 congestion, T3346 (5F, GPRS timer 2) = 2 minutes.
    AttachReject m;
    m.emm_cause = EmmCause::kCongestion;
    m.t3346_value = GprsTimer{GprsTimer::Unit::k1Minute, 2};
    out.push_back({"AttachReject", Direction::kDownlink, m, hex("07 44 16 5f 01 22")});
  }
  {  // TS 24.301 §8.2.7: spare | KSI 0; RAND (TS 35.208 test set 1); AUTN (LV 16).
    AuthenticationRequest m;
    m.nas_key_set_identifier_asme = {false, 0};
    auto rand = hex("23553cbe9637a89d218ae64dae47bf35");
    std::copy(rand.begin(), rand.end(), m.rand.begin());
    auto autn = hex("55f328b43577b9b94a9ffac354dfafb3");
    std::copy(autn.begin(), autn.end(), m.autn.begin());
    out.push_back({"AuthenticationRequest", Direction::kDownlink, m,
                   hex("07 52 00 23553cbe9637a89d218ae64dae47bf35 10 55f328b43577b9b94a9ffac354dfafb3")});
  }
  {  // TS 24.301 §8.2.8: RES of 8 octets (TS 35.208 test set 1).
    AuthenticationResponse m;
    m.res = Octets{hex("a54211d5e3ba50bf")};
    out.push_back({"AuthenticationResponse", Direction::kUplink, m, hex("07 53 08 a54211d5e3ba50bf")});
  }
  {  // TS 24.301 §8.2.5: #21 synch failure with AUTS (30, 14 octets).
    AuthenticationFailure m;
    m.emm_cause = EmmCause::kSynchFailure;
    m.authentication_failure_parameter = Auts{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
    out.push_back({"AuthenticationFailure", Direction::kUplink, m, hex("07 5c 15 30 0e 000102030405060708090a0b0c0d")});
  }
  out.push_back({"AuthenticationReject", Direction::kDownlink, AuthenticationReject{}, hex("07 54")});
  {  // TS 24.301 §8.2.20: EEA2 (bits 7-5 = 010) / EIA2 (bits 3-1 = 010); spare | KSI 0;
     // replayed UE security capabilities; IMEISV requested (C1).
    SecurityModeCommand m;
    m.selected_nas_security_algorithms = {CipheringAlgorithm::kEea2, IntegrityAlgorithm::kEia2};
    m.nas_key_set_identifier_asme = {false, 0};
    m.replayed_ue_security_capabilities = {0xe0, 0xe0, {}};
    m.imeisv_request = ImeisvRequest::kRequested;
    out.push_back({"SecurityModeCommand", Direction::kDownlink, m, hex("07 5d 22 00 02 e0 e0 c1")});
  }
  {  // TS 24.301 §8.2.21: IMEISV 4901542032375101 (even, type 011: 0x43, last filler F).
    SecurityModeComplete m;
    m.imeisv = MobileIdentity{Imeisv{"4901542032375101"}};
    out.push_back({"SecurityModeComplete", Direction::kUplink, m, hex("07 5e 23 09 43 09 51 24 30 32 57 01 f1")});
  }
  {  // TS 24.301 §8.2.22: #23 UE security capabilities mismatch.
    SecurityModeReject m;
    m.emm_cause = EmmCause::kUeSecurityCapabilitiesMismatch;
    out.push_back({"SecurityModeReject", Direction::kUplink, m, hex("07 5f 17")});
  }
  {  // TS 24.301 §8.2.18: spare | identity type 2 = IMEI.
    IdentityRequest m;
    m.identity_type = IdentityType2::kImei;
    out.push_back({"IdentityRequest", Direction::kDownlink, m, hex("07 55 02")});
  }
  {  // TS 24.301 §8.2.19: IMEI 490154203237518 (TS 23.003 example; odd, type 010: 0x4a).
    IdentityResponse m;
    m.mobile_identity = MobileIdentity{Imei{"490154203237518"}};
    out.push_back({"IdentityResponse", Direction::kUplink, m, hex("07 56 08 4a 09 51 24 30 32 57 81")});
  }
  {  // TS 24.301 §8.2.11.1: KSI 0 | switch off + EPS detach; GUTI.
    DetachRequestUeOriginating m;
    m.detach_type = {true, DetachType::kEpsDetach};
    m.nas_key_set_identifier = {false, 0};
    m.eps_mobile_identity = {test_guti()};
    out.push_back({"DetachRequestUeOriginating", Direction::kUplink, m,
                   hex("07 45 09 0b f6 00 f1 10 00 02 01 c0 00 00 01")});
  }
  {  // TS 24.301 §8.2.11.2: spare | re-attach not required; EMM cause #6 (53).
    DetachRequestUeTerminated m;
    m.detach_type = {false, DetachType::kReattachNotRequired};
    m.emm_cause = EmmCause::kIllegalMe;
    out.push_back({"DetachRequestUeTerminated", Direction::kDownlink, m, hex("07 45 02 53 06")});
  }
  out.push_back({"DetachAccept", Direction::kUplink, DetachAccept{}, hex("07 46")});
  {
    EmmStatus m;
    m.emm_cause = EmmCause::kProtocolErrorUnspecified;
    out.push_back({"EmmStatus", Direction::kUplink, m, hex("07 60 6f")});
  }
  {  // TS 24.301 §8.2.31: container type 0x81 (KME); container = KME Device Authentication
     // Request (type 4, version 1, Nonce tag 04 len 16, KME version tag 05 len 4);
     // Additional information (65).
    DownlinkGenericNasTransport m;
    m.generic_message_container_type = GenericMessageContainerType::kKme;
    m.generic_message_container = Octets{hex("04 01 04 0010 000102030405060708090a0b0c0d0e0f 05 0004 00000001")};
    m.additional_information = Octets{{0x2a}};
    out.push_back({"DownlinkGenericNasTransport", Direction::kDownlink, m,
                   hex("07 68 81 001c 04 01 04 0010 000102030405060708090a0b0c0d0e0f 05 0004 00000001 65 01 2a")});
  }
  {  // TS 24.301 §8.2.32: KME Device Authentication Response (type 5, Rsp tag 06 len 16).
    UplinkGenericNasTransport m;
    m.generic_message_container_type = GenericMessageContainerType::kKme;
    m.generic_message_container = Octets{hex("05 01 06 0010 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")};
    out.push_back({"UplinkGenericNasTransport", Direction::kUplink, m,
                   hex("07 69 81 0015 05 01 06 0010 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")});
  }
  out.push_back({"PdnConnectivityRequest", Direction::kUplink, pdn_connectivity_request(), pdn_req});
  out.push_back({"ActivateDefaultEpsBearerContextRequest", Direction::kDownlink, activate_default_request(), act_req});
  out.push_back({"ActivateDefaultEpsBearerContextAccept", Direction::kUplink, activate_default_accept(), act_acc});
  return out;
}

}  // namespace reference_detail

inline const std::vector<ReferencePdu>& reference_pdus() {
  static const std::vector<ReferencePdu> kPdus = reference_detail::build();
  return kPdus;
}

}  // namespace kmebind::nas::test
