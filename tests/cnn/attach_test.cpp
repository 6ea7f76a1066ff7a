// The attach without binding, identification, GUTI re-attach, detach, and the attach rejects
// decided from the Attach request or an S6a result (docs/protocol.md §3).
#include "cnn_bench.h"

namespace kmebind::cnn::testing {
namespace {

using nas::EmmCause;
using nas::SecurityHeaderType;

class AttachTest : public CnnBench {};

TEST_F(AttachTest, UsimOfTheBenchReproducesTestSet1) {
  TestUe ue;
  auto out = take(crypto::milenage(ue.usim.k, ue.usim.opc, ue.usim.rand, ue.usim.sqn, ue.usim.amf));
  EXPECT_EQ(out.res, ue.usim.res);
}

TEST_F(AttachTest, FullAttachWithoutBindingRegistersTheUe) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  const auto auth = give_vector(ue, air, s6a::BindingRequirement::kNone);
  EXPECT_EQ(Bytes(auth.rand.begin(), auth.rand.end()), ue.usim.rand);
  EXPECT_NE(auth.nas_key_set_identifier_asme.ksi, nas::NasKeySetIdentifier::kNoKeyAvailable);

  const S6aSend& ulr_send = authenticate(ue, auth);
  const auto& ulr = request_of<s6a::UpdateLocationRequest>(ulr_send);
  EXPECT_EQ(ulr.imsi, ue.imsi);
  EXPECT_EQ(ulr.visited_plmn_id, kSnId);
  ASSERT_TRUE(ulr.terminal);
  EXPECT_EQ(ulr.terminal->imei, "35693803564380");
  EXPECT_EQ(ulr.terminal->software_version, "01");
  EXPECT_FALSE(ulr.kme_confirm);

  const auto accept = finish_attach(ue, ulr_send.txn);
  EXPECT_EQ(accept.eps_attach_result, nas::EpsAttachResult::kEpsOnly);
  ASSERT_TRUE(accept.guti);
  const auto& guti = std::get<nas::Guti>(accept.guti->identity);
  EXPECT_EQ(guti.plmn.describe(), "001-01");
  EXPECT_EQ(guti.mme_group_id, config_.mme_group_id);
  EXPECT_EQ(guti.mme_code, config_.mme_code);
  ASSERT_EQ(accept.tai_list.lists.size(), 1u);
  EXPECT_EQ(accept.tai_list.lists[0].tais.size(), 2u);
  auto bearer = as<nas::ActivateDefaultEpsBearerContextRequest>(
      take(nas::decode_nas(accept.esm_message_container.value, nas::Direction::kDownlink)));
  EXPECT_EQ(bearer.eps_bearer_identity, 5);
  EXPECT_EQ(bearer.procedure_transaction_identity, ue.pti);
  EXPECT_EQ(bearer.eps_qos.qci, 9);
  EXPECT_EQ(bearer.access_point_name.name, "internet");
  EXPECT_EQ(bearer.pdn_address.ipv4, (std::array<std::uint8_t, 4>{10, 45, 0, 1}));

  EXPECT_TRUE(has_event(last_, CnnEventKind::kAttached));
  EXPECT_EQ(cnn_->ue_count(), 1u);
  EXPECT_EQ(cnn_->stats().ues_registered, 1u);
  EXPECT_EQ(cnn_->stats().attach_completes, 1u);
  EXPECT_FALSE(cnn_->next_deadline());  // a registered UE runs no timer
}

TEST_F(AttachTest, DownlinkAfterSecurityModeIsCipheredAndSecurityModeCommandIsType3) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  const auto auth = give_vector(ue, air, s6a::BindingRequirement::kNone);
  send(ue, ue.plain(nas::AuthenticationResponse{nas::Octets{ue.answer_challenge(auth)}}));
  const Bytes smc_pdu = only_nas(last_).pdu;
  EXPECT_EQ(smc_pdu[0], 0x37);  // security header type 3 | EMM
  auto smc = as<nas::SecurityModeCommand>(ue.receive(smc_pdu));
  EXPECT_EQ(smc.selected_nas_security_algorithms.ciphering, nas::CipheringAlgorithm::kEea2);
  EXPECT_EQ(smc.selected_nas_security_algorithms.integrity, nas::IntegrityAlgorithm::kEia2);
  EXPECT_EQ(smc.nas_key_set_identifier_asme.ksi, auth.nas_key_set_identifier_asme.ksi);
  EXPECT_EQ(smc.replayed_ue_security_capabilities,
            nas::UeSecurityCapability::replay_of(ue.capability));
  send(ue, ue.protect(ue.security_mode_complete(), SecurityHeaderType::kIntegrityProtectedCipheredNewContext));
  answer(only_s6a(last_).txn, ula_ok());
  EXPECT_EQ(only_nas(last_).pdu[0], 0x27);  // Attach accept as type 2
}

TEST_F(AttachTest, UnknownGutiRunsTheIdentificationProcedure) {
  TestUe ue;
  nas::AttachRequest r = ue.attach_request();
  r.eps_mobile_identity.identity = nas::Guti{take(nas::Plmn::parse("001", "01")), 0x8001, 1, 0x1234};
  send(ue, ue.plain(r));
  EXPECT_TRUE(last_.s6a.empty());
  auto req = as<nas::IdentityRequest>(ue.receive(only_nas(last_).pdu));
  EXPECT_EQ(req.identity_type, nas::IdentityType2::kImsi);
  send(ue, ue.plain(nas::IdentityResponse{nas::MobileIdentity{nas::Imsi{ue.imsi}}}));
  EXPECT_EQ(request_of<s6a::AuthenticationInformationRequest>(only_s6a(last_)).imsi, ue.imsi);
}

TEST_F(AttachTest, IdentityResponseWithoutImsiRejectsWith96) {
  TestUe ue;
  nas::AttachRequest r = ue.attach_request();
  r.eps_mobile_identity.identity = nas::Imei{imei15(ue.imei14())};
  send(ue, ue.plain(r));
  (void)as<nas::IdentityRequest>(ue.receive(only_nas(last_).pdu));
  send(ue, ue.plain(nas::IdentityResponse{nas::MobileIdentity{nas::Imeisv{ue.imeisv}}}));
  auto reject = as<nas::AttachReject>(ue.receive(only_nas(last_).pdu));
  EXPECT_EQ(reject.emm_cause, EmmCause::kInvalidMandatoryInformation);
  EXPECT_TRUE(released(last_, ue.id));
}

TEST_F(AttachTest, KnownGutiOnANewLinkSkipsIdentificationAndReleasesTheOldLink) {
  TestUe ue;
  full_attach(ue);
  ASSERT_TRUE(ue.guti);
  TestUe again = ue.clone_on_link(2);
  send(again, again.plain(again.attach_request(true)));
  EXPECT_EQ(request_of<s6a::AuthenticationInformationRequest>(only_s6a(last_)).imsi, ue.imsi);
  EXPECT_EQ(cnn_->ue_count(), 2u);  // the old context stays until the new attach completes
  const TxnId air = only_s6a(last_).txn;
  finish_attach(again, authenticate(again, give_vector(again, air, s6a::BindingRequirement::kNone)).txn);
  EXPECT_TRUE(released(last_, ue.id));
  EXPECT_EQ(cnn_->ue_count(), 1u);
}

TEST_F(AttachTest, DetachRequestIsAcceptedAndReleasesTheContext) {
  TestUe ue;
  full_attach(ue);
  nas::DetachRequestUeOriginating d;
  d.detach_type = nas::DetachType{false, nas::DetachType::kEpsDetach};
  d.nas_key_set_identifier = nas::NasKeySetIdentifier{false, ue.ksi};
  d.eps_mobile_identity.identity = *ue.guti;
  send(ue, ue.protect(d));
  (void)as<nas::DetachAccept>(ue.receive(only_nas(last_).pdu));
  EXPECT_TRUE(has_event(last_, CnnEventKind::kDetached));
  EXPECT_TRUE(released(last_, ue.id));
  EXPECT_EQ(cnn_->ue_count(), 0u);
}

TEST_F(AttachTest, SwitchOffDetachReleasesWithoutAnswer) {
  TestUe ue;
  full_attach(ue);
  nas::DetachRequestUeOriginating d;
  d.detach_type = nas::DetachType{true, nas::DetachType::kEpsDetach};
  d.eps_mobile_identity.identity = *ue.guti;
  send(ue, ue.protect(d));
  EXPECT_TRUE(last_.nas.empty());
  EXPECT_TRUE(released(last_, ue.id));
}

TEST_F(AttachTest, PlainDetachAfterSecurityIsDiscarded) {
  TestUe ue;
  full_attach(ue);
  nas::DetachRequestUeOriginating d;
  d.eps_mobile_identity.identity = *ue.guti;
  send(ue, ue.plain(d));
  EXPECT_TRUE(has_event(last_, CnnEventKind::kDiscarded));
  EXPECT_EQ(cnn_->ue_count(), 1u);
}

TEST_F(AttachTest, EmmStatusFromTheUeReleasesTheContext) {
  TestUe ue;
  full_attach(ue);
  send(ue, ue.protect(nas::EmmStatus{EmmCause::kProtocolErrorUnspecified}));
  EXPECT_EQ(event_of(last_, CnnEventKind::kEmmStatusReceived).emm_cause, 111);
  EXPECT_TRUE(released(last_, ue.id));
}

struct S6aCase {
  s6a::ResultCode result;
  EmmCause cause;
  bool t3346;
};

class AiaErrorTest : public CnnBench, public ::testing::WithParamInterface<S6aCase> {};

TEST_P(AiaErrorTest, AiaErrorRejectsWithTheDocumentedCause) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  answer(air, aia_error(GetParam().result));
  const Bytes pdu = only_nas(last_).pdu;
  EXPECT_EQ(pdu[0], 0x07);  // plain: no security yet
  auto reject = as<nas::AttachReject>(ue.receive(pdu));
  EXPECT_EQ(reject.emm_cause, GetParam().cause);
  EXPECT_EQ(reject.t3346_value.has_value(), GetParam().t3346);
  EXPECT_EQ(last_.events.back().emm_cause, static_cast<std::uint8_t>(GetParam().cause));
  EXPECT_TRUE(released(last_, ue.id));
  EXPECT_EQ(cnn_->ue_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    ProtocolTable, AiaErrorTest,
    ::testing::Values(S6aCase{s6a::kErrorUserUnknown, EmmCause::kEpsAndNonEpsServicesNotAllowed, false},
                      S6aCase{s6a::kErrorUnknownEpsSubscription, EmmCause::kNoSuitableCellsInTrackingArea, false},
                      S6aCase{s6a::kTooBusy, EmmCause::kCongestion, true},
                      S6aCase{s6a::kErrorRoamingNotAllowed, EmmCause::kPlmnNotAllowed, false},
                      S6aCase{s6a::kAuthenticationDataUnavailable, EmmCause::kNetworkFailure, false},
                      S6aCase{s6a::kUnableToComply, EmmCause::kNetworkFailure, false}));

TEST_F(AttachTest, AiaWithoutUsableVectorRejectsWithNetworkFailure) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  auto aia = aia_for(ue);
  aia.vectors[0].autn.pop_back();
  answer(air, std::move(aia));
  EXPECT_EQ(as<nas::AttachReject>(ue.receive(only_nas(last_).pdu)).emm_cause, EmmCause::kNetworkFailure);
}

TEST_F(AttachTest, OverloadRejectsNewUesWithCongestionAndT3346) {
  CnnConfig c = bench_config();
  c.max_ues = 1;
  c.t3346_s = 120;
  rebuild(std::move(c));
  TestUe first;
  start_attach(first);
  TestUe second;
  second.id = 2;
  send(second, second.plain(second.attach_request()));
  auto reject = as<nas::AttachReject>(second.receive(only_nas(last_).pdu));
  EXPECT_EQ(reject.emm_cause, EmmCause::kCongestion);
  ASSERT_TRUE(reject.t3346_value);
  EXPECT_EQ(reject.t3346_value->seconds(), 120u);
  EXPECT_TRUE(last_.s6a.empty());
  EXPECT_TRUE(released(last_, second.id));
  EXPECT_EQ(cnn_->ue_count(), 1u);
  EXPECT_EQ(cnn_->stats().overload_rejects, 1u);
}

TEST_F(AttachTest, AttachesRunningBeyondMaxAttachingAreShedWithCongestionBeforeAnyS6a) {
  // TS 23.401 §4.3.7.4.2.4: registered UEs do not count, attaches running do.
  CnnConfig c = bench_config();
  c.max_attaching = 2;
  c.t3346_s = 30;
  rebuild(std::move(c));
  TestUe registered;
  full_attach(registered);
  TestUe a, b, shed;
  a.id = 2;
  b.id = 3;
  shed.id = 4;
  start_attach(a);
  start_attach(b);
  send(shed, shed.plain(shed.attach_request()));
  auto reject = as<nas::AttachReject>(shed.receive(only_nas(last_).pdu));
  EXPECT_EQ(reject.emm_cause, EmmCause::kCongestion);
  ASSERT_TRUE(reject.t3346_value);
  EXPECT_EQ(reject.t3346_value->seconds(), 30u);
  EXPECT_TRUE(last_.s6a.empty());
  EXPECT_TRUE(released(last_, shed.id));
  EXPECT_EQ(cnn_->ue_count(), 3u);
  EXPECT_EQ(cnn_->stats().overload_rejects, 1u);
  // A UE already attaching may send its Attach request again (T3410 expiry): not shed.
  send(a, a.plain(a.attach_request()));
  EXPECT_EQ(cnn_->stats().overload_rejects, 1u);
  EXPECT_EQ(cnn_->ue_count(), 3u);
}

TEST_F(AttachTest, PdnConnectivityForIpv6OnlyIsRejectedWithEsmFailure) {
  TestUe ue;
  nas::AttachRequest r = ue.attach_request();
  nas::PdnConnectivityRequest pdn;
  pdn.pdn_type = nas::PdnType::kIpv6;
  r.esm_message_container.value = ue.plain(pdn);
  send(ue, ue.plain(r));
  EXPECT_EQ(as<nas::AttachReject>(ue.receive(only_nas(last_).pdu)).emm_cause, EmmCause::kEsmFailure);
}

TEST_F(AttachTest, GarbageEsmContainerIsRejectedWithEsmFailure) {
  TestUe ue;
  nas::AttachRequest r = ue.attach_request();
  r.esm_message_container.value = {0x02, 0x01, 0xd0, 0x11, 0x00};  // truncated ESM
  send(ue, ue.plain(r));
  EXPECT_EQ(as<nas::AttachReject>(ue.receive(only_nas(last_).pdu)).emm_cause, EmmCause::kEsmFailure);
}

TEST_F(AttachTest, UeWithoutEia2IsRejectedWith23) {
  TestUe ue;
  ue.capability = nas::UeNetworkCapability{0xe0, 0xc0, {}};  // EEA0-2, EIA0-1
  send(ue, ue.plain(ue.attach_request()));
  EXPECT_EQ(as<nas::AttachReject>(ue.receive(only_nas(last_).pdu)).emm_cause,
            EmmCause::kUeSecurityCapabilitiesMismatch);
}

TEST_F(AttachTest, NullAlgorithmsAreChosenOnlyWhenConfigured) {
  CnnConfig c = bench_config();
  c.allow_null_algorithms = true;
  c.ciphering_preference = {nas::CipheringAlgorithm::kEea0};
  c.integrity_preference = {nas::IntegrityAlgorithm::kEia2};
  rebuild(std::move(c));
  TestUe ue;
  const TxnId air = start_attach(ue);
  const auto auth = give_vector(ue, air, s6a::BindingRequirement::kNone);
  send(ue, ue.plain(nas::AuthenticationResponse{nas::Octets{ue.answer_challenge(auth)}}));
  auto smc = as<nas::SecurityModeCommand>(ue.receive(only_nas(last_).pdu));
  EXPECT_EQ(smc.selected_nas_security_algorithms.ciphering, nas::CipheringAlgorithm::kEea0);
}

TEST_F(AttachTest, SecurityModeCompleteWithoutImeisvRejectsWith96UnderProtection) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  const auto auth = give_vector(ue, air, s6a::BindingRequirement::kNone);
  send(ue, ue.plain(nas::AuthenticationResponse{nas::Octets{ue.answer_challenge(auth)}}));
  (void)ue.receive(only_nas(last_).pdu);
  send(ue, ue.protect(nas::SecurityModeComplete{}, SecurityHeaderType::kIntegrityProtectedCipheredNewContext));
  const Bytes pdu = only_nas(last_).pdu;
  EXPECT_EQ(pdu[0], 0x27);
  EXPECT_EQ(as<nas::AttachReject>(ue.receive(pdu)).emm_cause, EmmCause::kInvalidMandatoryInformation);
  EXPECT_TRUE(last_.s6a.empty());
}

TEST_F(AttachTest, SecurityModeRejectAbortsTheAttach) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  const auto auth = give_vector(ue, air, s6a::BindingRequirement::kNone);
  send(ue, ue.plain(nas::AuthenticationResponse{nas::Octets{ue.answer_challenge(auth)}}));
  send(ue, ue.plain(nas::SecurityModeReject{EmmCause::kUeSecurityCapabilitiesMismatch}));
  EXPECT_EQ(event_of(last_, CnnEventKind::kSecurityModeRejected).emm_cause, 23);
  EXPECT_TRUE(last_.nas.empty());
  EXPECT_TRUE(released(last_, ue.id));
}

TEST_F(AttachTest, RepeatedAttachRequestAfterAcceptResendsTheAccept) {
  TestUe ue;
  answer(attach_to_security(ue).txn, ula_ok());
  auto first = as<nas::AttachAccept>(ue.receive(only_nas(last_).pdu));
  send(ue, ue.plain(ue.attach_request()));
  auto again = as<nas::AttachAccept>(ue.receive(only_nas(last_).pdu));
  EXPECT_EQ(first, again);
}

TEST_F(AttachTest, RepeatedAttachRequestBeforeAcceptIsIgnored) {
  TestUe ue;
  start_attach(ue);
  send(ue, ue.plain(ue.attach_request()));
  EXPECT_TRUE(last_.nas.empty());
  EXPECT_TRUE(last_.s6a.empty());
  EXPECT_TRUE(has_event(last_, CnnEventKind::kDiscarded));
}

TEST_F(AttachTest, CombinedAttachIsAcceptedForEpsOnlyWithCause18) {
  TestUe ue;
  nas::AttachRequest r = ue.attach_request();
  r.eps_attach_type = nas::EpsAttachType::kCombinedEpsImsiAttach;
  send(ue, ue.plain(r));
  const TxnId air = only_s6a(last_).txn;
  const TxnId ulr = authenticate(ue, give_vector(ue, air, s6a::BindingRequirement::kNone)).txn;
  const auto accept = finish_attach(ue, ulr);
  ASSERT_TRUE(accept.emm_cause);
  EXPECT_EQ(*accept.emm_cause, EmmCause::kCsDomainNotAvailable);
}

TEST_F(AttachTest, AddressesReturnToThePoolOnRelease) {
  CnnConfig c = bench_config();
  c.ipv4_pool = "10.0.0.0/30";  // two usable addresses
  rebuild(std::move(c));
  TestUe a;
  full_attach(a);
  TestUe b;
  b.id = 2;
  full_attach(b);
  TestUe d;
  d.id = 3;
  // No address left: rejected before the ULR, so the HSS never stores anything for it.
  const TxnId air = start_attach(d);
  complete_security(d, give_vector(d, air, s6a::BindingRequirement::kNone));
  EXPECT_TRUE(last_.s6a.empty());
  EXPECT_EQ(as<nas::AttachReject>(d.receive(only_nas(last_).pdu)).emm_cause, EmmCause::kEsmFailure);
  cnn_->release(a.id);
  TestUe e;
  e.id = 4;
  full_attach(e);
  EXPECT_EQ(cnn_->ue_count(), 2u);
}

}  // namespace
}  // namespace kmebind::cnn::testing
