// The UE's EMM core through an attach (TS 24.301 §5.5.1.2), driven by hand-built network
// messages: attach request contents, identification, EPS AKA outcomes, security mode control,
// attach accept/reject, T3410 and retries, network detach.
#include <gtest/gtest.h>

#include "ue_fixture.h"

namespace kmebind::ue::testing {
namespace {

class UeAttachTest : public ::testing::Test, public UeFixture {};

TEST_F(UeAttachTest, AttachRequestCarriesImsiNoKeyCapabilitiesAndPdnConnectivity) {
  nas::AttachRequest r = start();
  EXPECT_EQ(r.eps_attach_type, nas::EpsAttachType::kEpsAttach);
  EXPECT_EQ(r.nas_key_set_identifier.ksi, 7) << "no key available";
  EXPECT_EQ(std::get<nas::Imsi>(r.eps_mobile_identity.identity).digits, kImsi);
  EXPECT_EQ(r.ue_network_capability.eea, 0xa0) << "EEA0 and 128-EEA2";
  EXPECT_EQ(r.ue_network_capability.eia, 0x20) << "128-EIA2 only (EIA0 not configured)";
  auto esm = take(nas::decode_nas(r.esm_message_container.value, nas::Direction::kUplink));
  const auto& pdn = as<nas::PdnConnectivityRequest>(esm);
  EXPECT_NE(pdn.procedure_transaction_identity, 0);
  EXPECT_EQ(pdn.request_type, nas::RequestType::kInitialRequest);
  ASSERT_TRUE(pdn.access_point_name);
  EXPECT_EQ(pdn.access_point_name->name, "internet");
  EXPECT_EQ(ue_.state(), UeState::kRegisteredInitiated);
  EXPECT_EQ(ue_.next_deadline(), now_ + 15'000) << "T3410, TS 24.301 §10.2";
}

TEST_F(UeAttachTest, Eia0IsAdvertisedOnlyWhenConfigured) {
  UeConfig config = test_config();
  config.support_eia0 = true;
  UeFixture f(test_profile(), config);
  EXPECT_EQ(f.start().ue_network_capability.eia, 0xa0);
}

TEST_F(UeAttachTest, FullAttachWithoutKmeRegistersAndStoresTheGuti) {
  start();
  UeOutput id = feed(net_.send(nas::IdentityRequest{nas::IdentityType2::kImsi}));
  EXPECT_EQ(std::get<nas::Imsi>(as<nas::IdentityResponse>(net_.receive(only_pdu(id))).mobile_identity.identity).digits,
            kImsi);
  authenticate();
  nas::SecurityModeComplete complete = secure();
  ASSERT_TRUE(complete.imeisv);
  EXPECT_EQ(std::get<nas::Imeisv>(complete.imeisv->identity).digits, std::string(kImei14) + "07");
  EXPECT_TRUE(ue_.has_security_context());

  UeOutput out = accept();
  const UeEvent* attached = out.find(UeEventKind::kAttached);
  ASSERT_NE(attached, nullptr);
  EXPECT_FALSE(attached->kme_version) << "no KME procedure ran";
  EXPECT_EQ(ue_.state(), UeState::kRegistered);
  EXPECT_FALSE(ue_.next_deadline()) << "T3410 stopped";
  ASSERT_TRUE(ue_.guti());
  EXPECT_EQ(*ue_.guti(), TestNetwork::test_guti());
  EXPECT_EQ(ue_.counters().attaches, 1u);
  EXPECT_EQ(ue_.counters().pdus_sent, 5u);
}

TEST_F(UeAttachTest, SecurityModeCompleteOmitsImeisvUnlessRequested) {
  start();
  authenticate();
  EXPECT_FALSE(secure(/*imeisv_request=*/false).imeisv);
}

TEST_F(UeAttachTest, IdentityRequestsUnderProtectionGiveImeiAndImeisv) {
  attach_until_secure();
  UeOutput imei = feed(net_.protect(nas::IdentityRequest{nas::IdentityType2::kImei}));
  EXPECT_EQ(net_.header_type(only_pdu(imei)), nas::SecurityHeaderType::kIntegrityProtectedCiphered);
  EXPECT_EQ(std::get<nas::Imei>(as<nas::IdentityResponse>(net_.receive(only_pdu(imei))).mobile_identity.identity).digits,
            kImei15);
  UeOutput sv = feed(net_.protect(nas::IdentityRequest{nas::IdentityType2::kImeisv}));
  EXPECT_EQ(std::get<nas::Imeisv>(as<nas::IdentityResponse>(net_.receive(only_pdu(sv))).mobile_identity.identity).digits,
            std::string(kImei14) + "07");
}

TEST_F(UeAttachTest, PlainIdentityRequestForImeiBeforeSecurityIsDiscarded) {
  start();
  UeOutput out = feed(net_.send(nas::IdentityRequest{nas::IdentityType2::kImei}));
  EXPECT_TRUE(out.send.empty());
  EXPECT_TRUE(out.has(UeEventKind::kDiscarded)) << "TS 24.301 §4.4.4.2: only IMSI may be asked in clear";
}

TEST_F(UeAttachTest, AuthenticationMacFailureSendsCause20) {
  start();
  auto v = net_.next_vector();
  v.autn[10] ^= 0x40;
  UeOutput out = feed(net_.authentication_request(v));
  const auto& failure = as<nas::AuthenticationFailure>(net_.receive(only_pdu(out)));
  EXPECT_EQ(failure.emm_cause, nas::EmmCause::kMacFailure);
  EXPECT_FALSE(failure.authentication_failure_parameter);
  ASSERT_TRUE(out.has(UeEventKind::kAuthenticationFailed));
  EXPECT_EQ(out.find(UeEventKind::kAuthenticationFailed)->emm_cause, nas::EmmCause::kMacFailure);
}

TEST_F(UeAttachTest, NonEpsVectorSendsCause26) {
  start();
  UeOutput out = feed(net_.authentication_request(net_.vector_for(32, {0x00, 0x00})));
  EXPECT_EQ(as<nas::AuthenticationFailure>(net_.receive(only_pdu(out))).emm_cause,
            nas::EmmCause::kNonEpsAuthenticationUnacceptable);
}

TEST_F(UeAttachTest, SynchFailureSendsCause21WithAutsAndResynchronisedVectorSucceeds) {
  start();
  authenticate();  // SQN 32 accepted
  auto stale = net_.vector_for(32);
  UeOutput out = feed(net_.authentication_request(stale));
  const auto& failure = as<nas::AuthenticationFailure>(net_.receive(only_pdu(out)));
  ASSERT_EQ(failure.emm_cause, nas::EmmCause::kSynchFailure);
  ASSERT_TRUE(failure.authentication_failure_parameter);
  const ByteView auts(*failure.authentication_failure_parameter);
  const Bytes sqn_ms = xor_bytes(auts.first(6), take(net_.milenage().f5star(stale.rand)));
  EXPECT_EQ(sqn_ms, sqn6(32));
  EXPECT_EQ(take(net_.milenage().f1star(stale.rand, sqn_ms, Bytes{0, 0})), Bytes(auts.begin() + 6, auts.end()));
  authenticate();  // SQN 64
  secure();
}

TEST_F(UeAttachTest, AuthenticationRejectDeregistersAndForgetsTheGuti) {
  attach_until_secure();
  accept();
  ASSERT_TRUE(ue_.guti());
  UeOutput out = feed(net_.protect(nas::AuthenticationReject{}));
  EXPECT_TRUE(out.has(UeEventKind::kAuthenticationRejected));
  EXPECT_EQ(ue_.state(), UeState::kDeregistered);
  EXPECT_FALSE(ue_.guti());
  EXPECT_FALSE(ue_.has_security_context());
}

TEST_F(UeAttachTest, PlainAuthenticationRejectIsTakenBeforeSecurity) {
  start();
  UeOutput out = feed(net_.send(nas::AuthenticationReject{}));
  EXPECT_TRUE(out.has(UeEventKind::kAuthenticationRejected));
  EXPECT_EQ(ue_.state(), UeState::kDeregistered);
  EXPECT_FALSE(ue_.next_deadline());
}

TEST_F(UeAttachTest, WrongReplayedCapabilitiesGiveSecurityModeReject23) {
  start();
  authenticate();
  nas::UeSecurityCapability wrong = replayed_capabilities();
  wrong.eia = static_cast<std::uint8_t>(wrong.eia | 0x80);  // a bidding-down attempt would add/remove bits
  UeOutput out = feed(net_.security_mode_command(wrong));
  EXPECT_EQ(net_.header_type(only_pdu(out)), nas::SecurityHeaderType::kPlain);
  EXPECT_EQ(as<nas::SecurityModeReject>(net_.receive(only_pdu(out))).emm_cause,
            nas::EmmCause::kUeSecurityCapabilitiesMismatch);
  EXPECT_TRUE(out.has(UeEventKind::kSecurityModeRejected));
  EXPECT_FALSE(ue_.has_security_context());
}

TEST_F(UeAttachTest, SecurityModeCommandWithABadMacIsDiscardedSilently) {
  start();
  authenticate();
  Bytes smc = net_.security_mode_command(replayed_capabilities());
  smc[3] ^= 0x01;  // inside the MAC
  UeOutput out = feed(smc);
  EXPECT_TRUE(out.send.empty());
  EXPECT_TRUE(out.has(UeEventKind::kDiscarded));
  EXPECT_FALSE(ue_.has_security_context());
  // The genuine command still works afterwards.
  Bytes again = net_.security_mode_command(replayed_capabilities());
  EXPECT_TRUE(feed(again).has(UeEventKind::kSecurityModeCompleted));
}

TEST_F(UeAttachTest, SecurityModeCommandFromAnotherKasmeIsDiscarded) {
  start();
  authenticate();
  net_.take_context(net_.vector_for(4096).kasme);  // a network without the UE's KASME
  UeOutput out = feed(net_.security_mode_command(replayed_capabilities()));
  EXPECT_TRUE(out.send.empty());
  EXPECT_FALSE(ue_.has_security_context());
}

TEST_F(UeAttachTest, UnknownKsiOrUnsupportedAlgorithmsGiveSecurityModeReject24) {
  start();
  authenticate();
  UeOutput unknown = feed(net_.security_mode_command(replayed_capabilities(), true, /*ksi=*/4));
  EXPECT_EQ(as<nas::SecurityModeReject>(net_.receive(only_pdu(unknown))).emm_cause,
            nas::EmmCause::kSecurityModeRejectedUnspecified);

  UeFixture f;
  f.start();
  auto v = f.net_.next_vector();
  f.feed(f.net_.authentication_request(v));
  f.net_.take_context(v.kasme, {nas::CipheringAlgorithm::kEea2, nas::IntegrityAlgorithm::kEia0});
  UeOutput eia0 = f.feed(f.net_.security_mode_command(f.replayed_capabilities()));
  EXPECT_EQ(as<nas::SecurityModeReject>(f.net_.receive(only_pdu(eia0))).emm_cause,
            nas::EmmCause::kSecurityModeRejectedUnspecified)
      << "EIA0 not configured";
}

TEST_F(UeAttachTest, Eia0AndEea0AreAcceptedWhenConfigured) {
  UeConfig config = test_config();
  config.support_eia0 = true;
  UeFixture f(test_profile(), config);
  f.start();
  auto v = f.net_.next_vector();
  f.feed(f.net_.authentication_request(v));
  f.net_.take_context(v.kasme, {nas::CipheringAlgorithm::kEea0, nas::IntegrityAlgorithm::kEia0});
  f.secure();
  f.accept();
  EXPECT_EQ(f.ue_.state(), UeState::kRegistered);
}

TEST_F(UeAttachTest, AttachRejectDeregistersWithCauseAndT3346) {
  attach_until_secure();
  nas::AttachReject reject;
  reject.emm_cause = nas::EmmCause::kCongestion;
  reject.t3346_value = nas::GprsTimer{nas::GprsTimer::Unit::k1Minute, 2};
  UeOutput out = feed(net_.protect(reject));
  const UeEvent* e = out.find(UeEventKind::kAttachRejected);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->emm_cause, nas::EmmCause::kCongestion);
  EXPECT_EQ(e->t3346_ms, 120'000);
  EXPECT_TRUE(out.send.empty());
  EXPECT_EQ(ue_.state(), UeState::kDeregistered);
  EXPECT_FALSE(ue_.next_deadline());
  EXPECT_FALSE(ue_.has_security_context());
}

TEST_F(UeAttachTest, PlainAttachRejectIsTakenBeforeSecurityButNotCause25) {
  start();
  nas::AttachReject csg;
  csg.emm_cause = nas::EmmCause::kNotAuthorizedForThisCsg;
  EXPECT_TRUE(feed(net_.send(csg)).has(UeEventKind::kDiscarded));
  EXPECT_EQ(ue_.state(), UeState::kRegisteredInitiated);
  nas::AttachReject reject;
  reject.emm_cause = nas::EmmCause::kIllegalMe;
  EXPECT_TRUE(feed(net_.send(reject)).has(UeEventKind::kAttachRejected));
  EXPECT_EQ(ue_.state(), UeState::kDeregistered);
}

TEST_F(UeAttachTest, RetransmittedAttachAcceptGetsAnotherAttachCompleteOnly) {
  attach_until_secure();
  accept();
  UeOutput again = accept();
  EXPECT_FALSE(again.has(UeEventKind::kAttached));
  EXPECT_EQ(ue_.counters().attaches, 1u);
}

TEST_F(UeAttachTest, AttachAcceptWithAForeignPtiIsDiscarded) {
  attach_until_secure();
  UeOutput out = feed(net_.protect(net_.attach_accept(static_cast<std::uint8_t>(pti_ + 1))));
  EXPECT_TRUE(out.send.empty());
  EXPECT_TRUE(out.has(UeEventKind::kDiscarded));
  EXPECT_EQ(ue_.state(), UeState::kRegisteredInitiated);
}

TEST_F(UeAttachTest, ReattachUsesTheGutiWhenConfigured) {
  UeConfig config = test_config();
  config.use_guti = true;
  UeFixture f(test_profile(), config);
  EXPECT_TRUE(std::holds_alternative<nas::Imsi>(f.start().eps_mobile_identity.identity)) << "no GUTI yet";
  f.authenticate();
  f.secure();
  f.accept();
  UeOutput out = f.ue_.start_attach(f.now_);
  auto request = take(nas::decode_nas(only_pdu(out), nas::Direction::kUplink));
  const auto& r = as<nas::AttachRequest>(request);
  EXPECT_EQ(std::get<nas::Guti>(r.eps_mobile_identity.identity), TestNetwork::test_guti());
  EXPECT_EQ(r.nas_key_set_identifier.ksi, 7) << "each attach starts without a security context";
}

TEST_F(UeAttachTest, NetworkDetachIsAcceptedAndDeregisters) {
  attach_until_secure();
  accept();
  nas::DetachRequestUeTerminated detach;
  detach.detach_type = nas::DetachType{false, nas::DetachType::kReattachRequired};
  UeOutput out = feed(net_.protect(detach));
  EXPECT_TRUE(std::holds_alternative<nas::DetachAccept>(net_.receive(only_pdu(out))));
  const UeEvent* e = out.find(UeEventKind::kDetached);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->reason, "re-attach required");
  EXPECT_EQ(ue_.state(), UeState::kDeregistered);
  EXPECT_TRUE(feed(net_.protect(nas::IdentityRequest{})).has(UeEventKind::kDiscarded)) << "no connection any more";
}

TEST_F(UeAttachTest, NetworkImsiDetachIsAcceptedButKeepsEpsRegistration) {
  attach_until_secure();
  accept();
  nas::DetachRequestUeTerminated detach;
  detach.detach_type = nas::DetachType{false, 3};  // IMSI detach, TS 24.301 §9.9.3.7
  UeOutput out = feed(net_.protect(detach));
  EXPECT_TRUE(std::holds_alternative<nas::DetachAccept>(net_.receive(only_pdu(out))));
  EXPECT_EQ(ue_.state(), UeState::kRegistered);
  EXPECT_TRUE(ue_.has_security_context());
}

TEST_F(UeAttachTest, EmmStatusIsReportedWithoutStateChange) {
  attach_until_secure();
  UeOutput out = feed(net_.protect(nas::EmmStatus{nas::EmmCause::kSemanticallyIncorrectMessage}));
  ASSERT_TRUE(out.has(UeEventKind::kEmmStatusReceived));
  EXPECT_EQ(out.find(UeEventKind::kEmmStatusReceived)->emm_cause, nas::EmmCause::kSemanticallyIncorrectMessage);
  EXPECT_TRUE(out.send.empty());
  EXPECT_EQ(ue_.state(), UeState::kRegisteredInitiated);
}

// --- T3410 (TS 24.301 §5.5.1.2.6 c) -------------------------------------------------------------

TEST_F(UeAttachTest, T3410ExpiryRetriesAfterT3411AndFallsBackToT3402AfterFiveAttempts) {
  start();
  EXPECT_TRUE(ue_.on_timer(now_ + 14'999).events.empty()) << "not yet";
  std::int64_t t = now_;
  for (std::uint32_t attempt = 1; attempt <= 5; ++attempt) {
    t = *ue_.next_deadline();
    UeOutput expired = ue_.on_timer(t);
    const UeEvent* e = expired.find(UeEventKind::kAttachAttemptFailed);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->attempt, attempt);
    EXPECT_TRUE(expired.send.empty());
    EXPECT_EQ(ue_.state(), UeState::kDeregisteredAttemptingToAttach);
    const std::int64_t wait = attempt < 5 ? 10'000 : 720'000;
    EXPECT_EQ(e->retry_in_ms, wait);
    EXPECT_EQ(ue_.next_deadline(), t + wait);
    t = *ue_.next_deadline();
    UeOutput retry = ue_.on_timer(t);
    EXPECT_TRUE(std::holds_alternative<nas::AttachRequest>(net_.receive(only_pdu(retry))));
    EXPECT_EQ(ue_.state(), UeState::kRegisteredInitiated);
    EXPECT_EQ(ue_.next_deadline(), t + 15'000);
  }
  EXPECT_EQ(ue_.counters().attach_timeouts, 5u);
  EXPECT_EQ(ue_.counters().attach_attempts, 6u);
}

TEST_F(UeAttachTest, AbortedAttemptDropsTheSecurityContextAndStartsAfresh) {
  attach_until_secure();
  ue_.on_timer(*ue_.next_deadline());
  EXPECT_FALSE(ue_.has_security_context());
  UeOutput retry = ue_.on_timer(*ue_.next_deadline());
  EXPECT_EQ(net_.header_type(only_pdu(retry)), nas::SecurityHeaderType::kPlain);
  const auto& r = as<nas::AttachRequest>(net_.receive(only_pdu(retry)));
  EXPECT_NE(pti_of(r), pti_) << "a new PTI for the new PDN connectivity request";
}

TEST_F(UeAttachTest, InvalidConfigIsRefused) {
  UeConfig bad = test_config();
  bad.plmn = "1-1";
  EXPECT_FALSE(make_ue(profile_, bad));
  bad = test_config();
  bad.t3410_ms = 0;
  EXPECT_FALSE(make_ue(profile_, bad));
  bad = test_config();
  bad.apn = "bad..apn";
  EXPECT_FALSE(make_ue(profile_, bad));
}

}  // namespace
}  // namespace kmebind::ue::testing
