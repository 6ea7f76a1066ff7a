// The KME procedures inside the attach (TR 33.868 §5.4.4.2.3.3, docs/protocol.md steps 5-7):
// procedure 1, procedure 2, the device challenge, and each refusal with its EMM cause on the wire.
#include "cnn_bench.h"

namespace kmebind::cnn::testing {
namespace {

using nas::EmmCause;

class KmeTest : public CnnBench {
 protected:
  // Up to the KME-Request; returns its transaction.
  TxnId to_kme_request(TestUe& ue) {
    const S6aSend& kmr_send = attach_to_security(ue, s6a::BindingRequirement::kKmeRequired);
    const auto& kmr = request_of<s6a::KmeRequest>(kmr_send);
    check(kmr.imsi == ue.imsi && kmr.imei == ue.imei14() && kmr.supported_procedures == 0x03,
          "KME-Request fields");
    return kmr_send.txn;
  }

  // KMA → the KME message the core sends (Downlink generic NAS transport, type 2).
  nas::KmeMessage give_kma(TestUe& ue, TxnId kmr, s6a::KmeAnswer kma) {
    answer(kmr, std::move(kma));
    const Bytes& pdu = only_nas(last_).pdu;
    check(pdu[0] == 0x27, "KME message not sent as security header type 2");
    return kme_in(ue.receive(pdu));
  }

  // Sends a KME message up; returns what the core did.
  const CnnOutput& kme_up(TestUe& ue, const nas::KmeMessage& m) {
    return send(ue, ue.protect(ue.kme_uplink(m)));
  }

  nas::AttachReject reject_in(TestUe& ue) {
    const Bytes& pdu = only_nas(last_).pdu;
    check(pdu[0] == 0x27, "Attach reject after security must be type 2");
    return as<nas::AttachReject>(ue.receive(pdu));
  }
};

TEST_F(KmeTest, Procedure1CnnMakesTheNonceChecksRspAndSendsKmeInTheUlr) {
  TestUe ue;
  const TxnId kmr = to_kme_request(ue);
  Provisioned p = provisioning_for(ue, s6a::KmeProcedure::kSharedWithCnn, 1);
  const Bytes payload = std::get<s6a::KmeProvisioning>(p.kma.action).encrypted_payload;
  auto command = std::get<nas::KmeProvisioningCommand>(give_kma(ue, kmr, std::move(p.kma)));
  EXPECT_EQ(command.procedure, nas::KmeProcedure::kSharedWithCnn);
  EXPECT_EQ(command.kme_version, 1u);
  EXPECT_EQ(command.ecies_scheme_output, payload);  // forwarded untouched
  ASSERT_TRUE(command.nonce);                         // seed step 5: made by the CNN
  EXPECT_NE(*command.nonce, nas::KmeNonce{});

  kme_up(ue, device_response(ue, command));
  const auto& ulr = request_of<s6a::UpdateLocationRequest>(only_s6a(last_));
  ASSERT_TRUE(ulr.kme_confirm);
  EXPECT_EQ(ulr.kme_confirm->procedure, s6a::KmeProcedure::kSharedWithCnn);
  EXPECT_EQ(ulr.kme_confirm->kme_version, 1u);
  EXPECT_TRUE(ulr.kme_confirm->kme == p.kme);
  // The KMA's procedure-1 Cookie goes back to the HSS with the KME (docs/protocol.md §2).
  EXPECT_EQ(ulr.kme_confirm->cookie, Bytes(40, 0xc1));
  ASSERT_TRUE(ulr.terminal);
  EXPECT_EQ(ulr.terminal->imei, ue.imei14());

  finish_attach(ue, only_s6a(last_).txn, ula_ok(1));
  const auto& e = event_of(last_, CnnEventKind::kKmeProvisioned);
  EXPECT_EQ(e.kme_procedure, 1);
  EXPECT_EQ(e.kme_version, 1u);
  EXPECT_EQ(cnn_->stats().kme_provisioned, 1u);
}

TEST_F(KmeTest, Procedure1NoncesDifferBetweenAttaches) {
  TestUe a;
  TestUe b;
  b.id = 2;
  b.imsi = "001010123456790";
  const TxnId ka = to_kme_request(a);
  auto ca = std::get<nas::KmeProvisioningCommand>(
      give_kma(a, ka, provisioning_for(a, s6a::KmeProcedure::kSharedWithCnn, 1).kma));
  const TxnId kb = to_kme_request(b);
  auto cb = std::get<nas::KmeProvisioningCommand>(
      give_kma(b, kb, provisioning_for(b, s6a::KmeProcedure::kSharedWithCnn, 1).kma));
  EXPECT_NE(*ca.nonce, *cb.nonce);
}

TEST_F(KmeTest, Procedure2ForwardsPayloadAndSendsCookieAndSignatureWithoutTheKme) {
  TestUe ue;
  const TxnId kmr = to_kme_request(ue);
  Provisioned p = provisioning_for(ue, s6a::KmeProcedure::kHiddenFromCnn, 4);
  // An HSS that wrongly includes the KME: the CNN must drop it, not use or forward it.
  std::get<s6a::KmeProvisioning>(p.kma.action).kme = p.kme.clone();
  const Bytes cookie = std::get<s6a::KmeProvisioning>(p.kma.action).cookie;
  auto command = std::get<nas::KmeProvisioningCommand>(give_kma(ue, kmr, std::move(p.kma)));
  EXPECT_EQ(command.procedure, nas::KmeProcedure::kNotSharedWithCnn);
  EXPECT_FALSE(command.nonce);  // the Nonce is inside the ECIES payload
  EXPECT_EQ(command.kme_version, 4u);

  const auto response = device_response(ue, command);
  kme_up(ue, response);
  const auto& ulr = request_of<s6a::UpdateLocationRequest>(only_s6a(last_));
  ASSERT_TRUE(ulr.kme_confirm);
  EXPECT_EQ(ulr.kme_confirm->procedure, s6a::KmeProcedure::kHiddenFromCnn);
  EXPECT_EQ(ulr.kme_confirm->kme_version, 4u);
  EXPECT_TRUE(ulr.kme_confirm->kme.empty());
  EXPECT_EQ(ulr.kme_confirm->cookie, cookie);
  EXPECT_EQ(ulr.kme_confirm->signature_algorithm, 1);
  EXPECT_EQ(ulr.kme_confirm->signature, Bytes(response.signature->begin(), response.signature->end()));
  // The signature verifies as the HSS will check it (seed step 11).
  EXPECT_TRUE(crypto::verify(crypto::SignatureAlgorithm::kEd25519, ue.sig.public_key,
                             crypto::kme_transcript(ue.imsi, ue.imei14(), *p.nonce, p.kme),
                             ulr.kme_confirm->signature));

  finish_attach(ue, only_s6a(last_).txn, ula_ok(4));
  const auto& e = event_of(last_, CnnEventKind::kKmeProvisioned);
  EXPECT_EQ(e.kme_procedure, 2);
  EXPECT_EQ(e.kme_version, 4u);
}

TEST_F(KmeTest, DeviceChallengeWithStoredKme) {
  TestUe ue;
  const TxnId kmr = to_kme_request(ue);
  const SecretBytes kme = filled(0x51, 32);
  const Bytes nonce(16, 0x77);
  s6a::KmeAnswer kma;
  kma.action = s6a::DeviceChallenge{3, nonce, hxrsp_of(kme, nonce), Bytes(61, 0x61)};
  auto request = std::get<nas::DeviceAuthenticationRequest>(give_kma(ue, kmr, std::move(kma)));
  EXPECT_EQ(Bytes(request.nonce.begin(), request.nonce.end()), nonce);
  EXPECT_EQ(request.kme_version, 3u);

  nas::DeviceAuthenticationResponse r;
  const Bytes rsp = take(crypto::compute_rsp(kme, nonce));
  std::copy(rsp.begin(), rsp.end(), r.rsp.begin());
  kme_up(ue, r);
  const auto& ulr = request_of<s6a::UpdateLocationRequest>(only_s6a(last_));
  EXPECT_FALSE(ulr.kme_confirm);
  ASSERT_TRUE(ulr.terminal);
  // The HSS checks the Rsp itself (docs/security.md §3.21): token and Rsp travel in the ULR.
  ASSERT_TRUE(ulr.device_proof);
  EXPECT_EQ(ulr.device_proof->kme_version, 3u);
  EXPECT_EQ(ulr.device_proof->challenge_token, Bytes(61, 0x61));
  EXPECT_EQ(ulr.device_proof->rsp, rsp);
  finish_attach(ue, only_s6a(last_).txn, ula_ok());
  EXPECT_EQ(event_of(last_, CnnEventKind::kDeviceAuthenticated).kme_version, 3u);
  EXPECT_FALSE(has_event(last_, CnnEventKind::kKmeProvisioned));
}

TEST_F(KmeTest, BindingViolationAtKmaRejectsWithIllegalMe) {
  TestUe ue;
  const TxnId kmr = to_kme_request(ue);
  answer(kmr, kma_error(s6a::kErrorBindingViolation));
  EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kIllegalMe);
  EXPECT_EQ(event_of(last_, CnnEventKind::kBindingViolation).emm_cause, 6);
  EXPECT_TRUE(released(last_, ue.id));
}

TEST_F(KmeTest, EveryKmeErrorAtKmaRejectsWithIllegalMe) {
  for (auto rc : {s6a::kErrorNoDeviceKey, s6a::kErrorProcedureNotAllowed}) {
    TestUe ue;
    const TxnId kmr = to_kme_request(ue);
    answer(kmr, kma_error(rc));
    EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kIllegalMe) << s6a::describe(rc);
  }
}

// docs/protocol.md §3: an expired Cookie or a version conflict says nothing against the device;
// #17 lets the UE attach again after T3411 (TS 24.301 §5.5.1.2.6 d), #6 would not until it is
// switched off.
TEST_F(KmeTest, ExpiredCookieOrVersionConflictAtKmaRejectsWithNetworkFailure) {
  for (auto rc : {s6a::kErrorCookieExpired, s6a::kErrorKmeVersionConflict}) {
    TestUe ue;
    const TxnId kmr = to_kme_request(ue);
    answer(kmr, kma_error(rc));
    EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kNetworkFailure) << s6a::describe(rc);
    EXPECT_FALSE(has_event(last_, CnnEventKind::kBindingViolation)) << s6a::describe(rc);
    EXPECT_TRUE(released(last_, ue.id)) << s6a::describe(rc);
  }
}

TEST_F(KmeTest, UserUnknownAtKmaUsesTheAiaMapping) {
  TestUe ue;
  const TxnId kmr = to_kme_request(ue);
  answer(kmr, kma_error(s6a::kErrorUserUnknown));
  EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kEpsAndNonEpsServicesNotAllowed);
}

TEST_F(KmeTest, BindingViolationAtUlaRejectsWithIllegalMe) {
  TestUe ue;
  const S6aSend& ulr = attach_to_security(ue, s6a::BindingRequirement::kImeiCheck);
  ASSERT_TRUE(std::holds_alternative<s6a::UpdateLocationRequest>(ulr.request));
  answer(ulr.txn, ula_error(s6a::kErrorBindingViolation));
  EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kIllegalMe);
  EXPECT_TRUE(has_event(last_, CnnEventKind::kBindingViolation));
  EXPECT_EQ(cnn_->ue_count(), 0u);
}

TEST_F(KmeTest, ConfirmRefusedAtUlaRejectsWithIllegalMe) {
  for (auto rc :
       {s6a::kErrorKmeConfirmFailed, s6a::kErrorKmeProofMissing, s6a::kErrorDeviceProofFailed}) {
    TestUe ue;
    const TxnId kmr = to_kme_request(ue);
    auto command = std::get<nas::KmeProvisioningCommand>(
        give_kma(ue, kmr, provisioning_for(ue, s6a::KmeProcedure::kHiddenFromCnn, 1).kma));
    kme_up(ue, device_response(ue, command));
    answer(only_s6a(last_).txn, ula_error(rc));
    EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kIllegalMe) << s6a::describe(rc);
  }
}

TEST_F(KmeTest, ConfirmThatLostARaceOrOutlivedItsCookieRejectsWithNetworkFailure) {
  for (auto rc : {s6a::kErrorKmeVersionConflict, s6a::kErrorCookieExpired}) {
    TestUe ue;
    const TxnId kmr = to_kme_request(ue);
    auto command = std::get<nas::KmeProvisioningCommand>(
        give_kma(ue, kmr, provisioning_for(ue, s6a::KmeProcedure::kHiddenFromCnn, 1).kma));
    kme_up(ue, device_response(ue, command));
    answer(only_s6a(last_).txn, ula_error(rc));
    EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kNetworkFailure) << s6a::describe(rc);
    EXPECT_EQ(cnn_->ue_count(), 0u) << s6a::describe(rc);
  }
}

TEST_F(KmeTest, WrongRspRejectsWithIllegalMeAndSendsNoUlr) {
  TestUe ue;
  const TxnId kmr = to_kme_request(ue);
  auto command = std::get<nas::KmeProvisioningCommand>(
      give_kma(ue, kmr, provisioning_for(ue, s6a::KmeProcedure::kSharedWithCnn, 1).kma));
  auto response = device_response(ue, command);
  response.rsp[0] ^= 0x01;
  kme_up(ue, response);
  EXPECT_TRUE(last_.s6a.empty());
  EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kIllegalMe);
  EXPECT_TRUE(has_event(last_, CnnEventKind::kDeviceAuthenticationFailed));
}

TEST_F(KmeTest, DeviceThatDoesNotKnowTheKmeFailsTheChallenge) {
  TestUe ue;
  const TxnId kmr = to_kme_request(ue);
  const Bytes nonce(16, 0x01);
  s6a::KmeAnswer kma;
  kma.action = s6a::DeviceChallenge{2, nonce, hxrsp_of(filled(1, 32), nonce), Bytes(61, 0x61)};
  give_kma(ue, kmr, std::move(kma));
  nas::DeviceAuthenticationResponse r;
  const Bytes rsp = take(crypto::compute_rsp(filled(2, 32), nonce));  // another device's KME
  std::copy(rsp.begin(), rsp.end(), r.rsp.begin());
  kme_up(ue, r);
  EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kIllegalMe);
  EXPECT_TRUE(last_.s6a.empty());
}

TEST_F(KmeTest, Procedure2ResponseWithoutSignatureRejectsWithIllegalMe) {
  TestUe ue;
  const TxnId kmr = to_kme_request(ue);
  auto command = std::get<nas::KmeProvisioningCommand>(
      give_kma(ue, kmr, provisioning_for(ue, s6a::KmeProcedure::kHiddenFromCnn, 1).kma));
  auto response = device_response(ue, command);
  response.signature.reset();
  response.signature_algorithm.reset();
  kme_up(ue, response);
  EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kIllegalMe);
  EXPECT_TRUE(last_.s6a.empty());
}

TEST_F(KmeTest, RejectsFromTheDeviceRejectTheAttachWithIllegalMe) {
  {
    TestUe ue;
    const TxnId kmr = to_kme_request(ue);
    give_kma(ue, kmr, provisioning_for(ue, s6a::KmeProcedure::kSharedWithCnn, 1).kma);
    kme_up(ue, nas::KmeProvisioningReject{nas::KmeProvisioningRejectCause::kImeiMismatch,
                                          std::nullopt});
    EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kIllegalMe);
  }
  {
    TestUe ue;
    const TxnId kmr = to_kme_request(ue);
    s6a::KmeAnswer kma;
    kma.action = s6a::DeviceChallenge{1, Bytes(16, 2), Bytes(16, 3), Bytes(61, 4)};
    give_kma(ue, kmr, std::move(kma));
    kme_up(ue, nas::DeviceAuthenticationReject{nas::DeviceAuthenticationRejectCause::kNoKme});
    EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kIllegalMe);
  }
}

// docs/security.md §4.3: the device's own version and the pair reach the log, so an operator can
// raise the HSS's counter above it.
TEST_F(KmeTest, AVersionNotNewerRejectNamesBothVersionsAndThePair) {
  TestUe ue;
  const TxnId kmr = to_kme_request(ue);
  give_kma(ue, kmr, provisioning_for(ue, s6a::KmeProcedure::kHiddenFromCnn, 3).kma);
  kme_up(ue, nas::KmeProvisioningReject{nas::KmeProvisioningRejectCause::kVersionNotNewer, 1000});
  EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kIllegalMe);
  const std::string& detail = event_of(last_, CnnEventKind::kDeviceAuthenticationFailed).detail;
  EXPECT_NE(detail.find("the device holds KME version 1000, the HSS offered 3"), std::string::npos)
      << detail;
  EXPECT_NE(detail.find("--imsi 001010123456789 --imei 35693803564380 --after-version 1000"),
            std::string::npos)
      << detail;
}

TEST_F(KmeTest, KmeMessageOfTheOtherProcedureIsDiscarded) {
  TestUe ue;
  const TxnId kmr = to_kme_request(ue);
  auto command = std::get<nas::KmeProvisioningCommand>(
      give_kma(ue, kmr, provisioning_for(ue, s6a::KmeProcedure::kSharedWithCnn, 1).kma));
  kme_up(ue, nas::DeviceAuthenticationResponse{});
  EXPECT_TRUE(has_event(last_, CnnEventKind::kDiscarded));
  EXPECT_EQ(cnn_->ue_count(), 1u);
  kme_up(ue, device_response(ue, command));  // the right answer still works
  EXPECT_TRUE(std::holds_alternative<s6a::UpdateLocationRequest>(only_s6a(last_).request));
}

TEST_F(KmeTest, UlaWithoutStoredVersionAfterProvisioningRejectsWithNetworkFailure) {
  TestUe ue;
  const TxnId kmr = to_kme_request(ue);
  auto command = std::get<nas::KmeProvisioningCommand>(
      give_kma(ue, kmr, provisioning_for(ue, s6a::KmeProcedure::kSharedWithCnn, 2).kma));
  kme_up(ue, device_response(ue, command));
  answer(only_s6a(last_).txn, ula_ok(1));  // not the version issued
  EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kNetworkFailure);
}

TEST_F(KmeTest, KmaWithAProcedureThisCnnDoesNotRunIsNotUsed) {
  CnnConfig c = bench_config();
  c.supported_kme_procedures = 0x02;
  rebuild(std::move(c));
  TestUe ue;
  const S6aSend& kmr = attach_to_security(ue, s6a::BindingRequirement::kKmeRequired);
  EXPECT_EQ(request_of<s6a::KmeRequest>(kmr).supported_procedures, 0x02);
  answer(kmr.txn, provisioning_for(ue, s6a::KmeProcedure::kSharedWithCnn, 1).kma);
  EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kNetworkFailure);
  EXPECT_TRUE(has_event(last_, CnnEventKind::kS6aError));
}

TEST_F(KmeTest, KmaWithoutActionOrWithShortXrspIsNotUsed) {
  {
    TestUe ue;
    answer(to_kme_request(ue), s6a::KmeAnswer{});
    EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kNetworkFailure);
  }
  {
    TestUe ue;
    const TxnId kmr = to_kme_request(ue);
    s6a::KmeAnswer kma;
    kma.action = s6a::DeviceChallenge{1, Bytes(16, 2), Bytes(15, 3), Bytes(61, 4)};
    answer(kmr, std::move(kma));
    EXPECT_EQ(reject_in(ue).emm_cause, EmmCause::kNetworkFailure);
  }
}

}  // namespace
}  // namespace kmebind::cnn::testing
