// KME material on the AIA (docs/protocol.md "KME material on the AIA", CnnConfig::kme_prefetch):
// the AIR asks for it, the CNN keeps it until Security mode complete names the IMEI, and uses it
// instead of the KME-Request when the IMEISV carries its IMEI — with the KMA's checks and the
// same ULR — or drops it and sends the KME-Request. The material never outlives the attach.
#include <memory>

#include "cnn_bench.h"

namespace kmebind::cnn::testing {
namespace {

using nas::EmmCause;
using s6a::BindingRequirement;

std::shared_ptr<s6a::KmePrefetch> material(std::string imei, s6a::KmeAnswer&& kma) {
  auto m = std::make_shared<s6a::KmePrefetch>();
  m->imei = std::move(imei);
  if (auto* p = std::get_if<s6a::KmeProvisioning>(&kma.action)) {
    m->action = std::move(*p);
  } else {
    m->action = std::get<s6a::DeviceChallenge>(std::move(kma.action));
  }
  return m;
}

s6a::KmeAnswer challenge(const SecretBytes& kme, const Bytes& nonce, std::uint32_t version) {
  s6a::KmeAnswer kma;
  kma.action = s6a::DeviceChallenge{version, nonce, hxrsp_of(kme, nonce), Bytes(61, 0x61)};
  return kma;
}

class KmePrefetchTest : public CnnBench {
 protected:
  // Attach request → AIR (kept in air_) → AIA carrying `m` → authentication → Security mode
  // complete; returns what the core did with the complete.
  const CnnOutput& to_security_complete(TestUe& ue, std::shared_ptr<s6a::KmePrefetch> m,
                                        BindingRequirement b = BindingRequirement::kKmeRequired) {
    const TxnId txn = start_attach(ue);
    air_ = request_of<s6a::AuthenticationInformationRequest>(only_s6a(last_));
    s6a::AuthenticationInformationAnswer aia = aia_for(ue, b);
    aia.kme_prefetch = std::move(m);
    answer(txn, std::move(aia));
    return complete_security(ue, as<nas::AuthenticationRequest>(ue.receive(only_nas(last_).pdu)));
  }

  // The KME message the core sent to the UE in the last output (type 2, nothing to the HSS).
  nas::KmeMessage kme_sent(TestUe& ue) {
    check(last_.s6a.empty(), "an S6a request was sent");
    const Bytes& pdu = only_nas(last_).pdu;
    check(pdu[0] == 0x27, "KME message not sent as security header type 2");
    return kme_in(ue.receive(pdu));
  }

  const CnnOutput& kme_up(TestUe& ue, const nas::KmeMessage& m) {
    return send(ue, ue.protect(ue.kme_uplink(m)));
  }

  // The KME-Request path as today, from the KME-Request in the last output to the ULR.
  s6a::UpdateLocationRequest provisioned_through_kme_request(TestUe& ue, Provisioned&& p) {
    const S6aSend& kmr = only_s6a(last_);
    check(request_of<s6a::KmeRequest>(kmr).imei == ue.imei14(), "KME-Request IMEI");
    answer(kmr.txn, std::move(p.kma));
    auto command = std::get<nas::KmeProvisioningCommand>(kme_in(ue.receive(only_nas(last_).pdu)));
    kme_up(ue, device_response(ue, command));
    return take_ulr();
  }

  // The ULR of the last output, moved out of it (it holds secrets: not copyable).
  s6a::UpdateLocationRequest take_ulr() {
    request_of<s6a::UpdateLocationRequest>(only_s6a(last_));
    return std::get<s6a::UpdateLocationRequest>(std::move(last_.s6a.front().request));
  }

  s6a::AuthenticationInformationRequest air_;
};

TEST_F(KmePrefetchTest, TheAirAsksForMaterialForTheProceduresTheCnnRuns) {
  TestUe ue;
  start_attach(ue);
  EXPECT_EQ(request_of<s6a::AuthenticationInformationRequest>(only_s6a(last_))
                .kme_prefetch_procedures,
            0x03);

  CnnConfig c = bench_config();
  c.supported_kme_procedures = 0x02;
  rebuild(std::move(c));
  start_attach(ue);
  EXPECT_EQ(request_of<s6a::AuthenticationInformationRequest>(only_s6a(last_))
                .kme_prefetch_procedures,
            0x02);
}

TEST_F(KmePrefetchTest, Procedure2MaterialForTheImeisvsImeiReplacesTheKmeRequest) {
  TestUe ue;
  Provisioned p = provisioning_for(ue, s6a::KmeProcedure::kHiddenFromCnn, 4);
  const Bytes payload = std::get<s6a::KmeProvisioning>(p.kma.action).encrypted_payload;
  const Bytes cookie = std::get<s6a::KmeProvisioning>(p.kma.action).cookie;
  to_security_complete(ue, material(ue.imei14(), std::move(p.kma)));

  // Right after Security mode complete: the command to the UE, under the KME guard timer.
  auto command = std::get<nas::KmeProvisioningCommand>(kme_sent(ue));
  EXPECT_EQ(command.procedure, nas::KmeProcedure::kNotSharedWithCnn);
  EXPECT_EQ(command.ecies_scheme_output, payload);
  EXPECT_EQ(command.kme_version, 4u);
  EXPECT_EQ(cnn_->next_deadline(), now_ + config_.kme_guard_ms);

  const auto response = device_response(ue, command);
  kme_up(ue, response);
  const auto& ulr = request_of<s6a::UpdateLocationRequest>(only_s6a(last_));
  ASSERT_TRUE(ulr.kme_confirm);
  EXPECT_EQ(ulr.kme_confirm->procedure, s6a::KmeProcedure::kHiddenFromCnn);
  EXPECT_EQ(ulr.kme_confirm->kme_version, 4u);
  EXPECT_TRUE(ulr.kme_confirm->kme.empty());
  EXPECT_EQ(ulr.kme_confirm->cookie, cookie);
  EXPECT_EQ(ulr.kme_confirm->signature,
            Bytes(response.signature->begin(), response.signature->end()));
  ASSERT_TRUE(ulr.terminal);
  EXPECT_EQ(ulr.terminal->imei, ue.imei14());

  finish_attach(ue, only_s6a(last_).txn, ula_ok(4));
  EXPECT_EQ(event_of(last_, CnnEventKind::kKmeProvisioned).kme_version, 4u);
  const CnnStats st = cnn_->stats();
  EXPECT_EQ(st.s6a_requests, 2u);  // AIR and ULR
  EXPECT_EQ(st.kme_prefetch_used, 1u);
  EXPECT_EQ(st.kme_prefetch_unused, 0u);
  EXPECT_EQ(st.kme_prefetch_unusable, 0u);
}

TEST_F(KmePrefetchTest, TheUlrIsTheSameAsAfterAKmeRequest) {
  TestUe with;
  to_security_complete(with, material(with.imei14(),
                                      provisioning_for(with, s6a::KmeProcedure::kHiddenFromCnn, 2)
                                          .kma));
  kme_up(with, device_response(with, std::get<nas::KmeProvisioningCommand>(kme_sent(with))));
  const auto prefetched = take_ulr();

  TestUe without = with.clone_on_link(2);
  to_security_complete(without, nullptr);
  const auto requested = provisioned_through_kme_request(
      without, provisioning_for(without, s6a::KmeProcedure::kHiddenFromCnn, 2));

  EXPECT_EQ(prefetched.imsi, requested.imsi);
  ASSERT_TRUE(prefetched.terminal && requested.terminal);
  EXPECT_EQ(prefetched.terminal->imei, requested.terminal->imei);
  EXPECT_EQ(prefetched.terminal->software_version, requested.terminal->software_version);
  ASSERT_TRUE(prefetched.kme_confirm && requested.kme_confirm);
  EXPECT_EQ(prefetched.kme_confirm->procedure, requested.kme_confirm->procedure);
  EXPECT_EQ(prefetched.kme_confirm->kme_version, requested.kme_confirm->kme_version);
  EXPECT_EQ(prefetched.kme_confirm->cookie, requested.kme_confirm->cookie);
  EXPECT_EQ(prefetched.kme_confirm->signature_algorithm,
            requested.kme_confirm->signature_algorithm);
  EXPECT_EQ(prefetched.kme_confirm->signature, requested.kme_confirm->signature);
  EXPECT_FALSE(prefetched.device_proof || requested.device_proof);
  EXPECT_EQ(cnn_->stats().s6a_requests, 2u + 3u);
}

TEST_F(KmePrefetchTest, Procedure1MaterialGetsTheCnnsNonceAndTheKmeGoesInTheUlr) {
  TestUe ue;
  Provisioned p = provisioning_for(ue, s6a::KmeProcedure::kSharedWithCnn, 1);
  to_security_complete(ue, material(ue.imei14(), std::move(p.kma)));
  auto command = std::get<nas::KmeProvisioningCommand>(kme_sent(ue));
  EXPECT_EQ(command.procedure, nas::KmeProcedure::kSharedWithCnn);
  ASSERT_TRUE(command.nonce);
  EXPECT_NE(*command.nonce, nas::KmeNonce{});

  kme_up(ue, device_response(ue, command));
  const auto& ulr = request_of<s6a::UpdateLocationRequest>(only_s6a(last_));
  ASSERT_TRUE(ulr.kme_confirm);
  EXPECT_EQ(ulr.kme_confirm->procedure, s6a::KmeProcedure::kSharedWithCnn);
  EXPECT_TRUE(ulr.kme_confirm->kme == p.kme);
  finish_attach(ue, only_s6a(last_).txn, ula_ok(1));
  EXPECT_EQ(event_of(last_, CnnEventKind::kKmeProvisioned).kme_procedure, 1);
}

TEST_F(KmePrefetchTest, AChallengeOnTheAiaGoesToTheDeviceAndItsProofInTheUlr) {
  TestUe ue;
  const SecretBytes kme = filled(0x51, 32);
  const Bytes nonce(16, 0x77);
  to_security_complete(ue, material(ue.imei14(), challenge(kme, nonce, 3)));
  auto request = std::get<nas::DeviceAuthenticationRequest>(kme_sent(ue));
  EXPECT_EQ(Bytes(request.nonce.begin(), request.nonce.end()), nonce);
  EXPECT_EQ(request.kme_version, 3u);

  nas::DeviceAuthenticationResponse r;
  const Bytes rsp = take(crypto::compute_rsp(kme, nonce));
  std::copy(rsp.begin(), rsp.end(), r.rsp.begin());
  kme_up(ue, r);
  const auto& ulr = request_of<s6a::UpdateLocationRequest>(only_s6a(last_));
  ASSERT_TRUE(ulr.device_proof);
  EXPECT_EQ(ulr.device_proof->challenge_token, Bytes(61, 0x61));
  EXPECT_EQ(ulr.device_proof->rsp, rsp);
  finish_attach(ue, only_s6a(last_).txn, ula_ok());
  EXPECT_EQ(event_of(last_, CnnEventKind::kDeviceAuthenticated).kme_version, 3u);
  EXPECT_EQ(cnn_->stats().kme_prefetch_used, 1u);
}

TEST_F(KmePrefetchTest, AChallengeOnTheAiaStillRejectsADeviceWithoutTheKme) {
  TestUe ue;
  const Bytes nonce(16, 0x01);
  to_security_complete(ue, material(ue.imei14(), challenge(filled(1, 32), nonce, 2)));
  kme_sent(ue);
  nas::DeviceAuthenticationResponse r;
  const Bytes rsp = take(crypto::compute_rsp(filled(2, 32), nonce));  // another device's KME
  std::copy(rsp.begin(), rsp.end(), r.rsp.begin());
  kme_up(ue, r);
  EXPECT_TRUE(last_.s6a.empty());
  EXPECT_EQ(as<nas::AttachReject>(ue.receive(only_nas(last_).pdu)).emm_cause,
            EmmCause::kIllegalMe);
  EXPECT_TRUE(has_event(last_, CnnEventKind::kDeviceAuthenticationFailed));
}

TEST_F(KmePrefetchTest, MaterialForAnotherImeiIsDroppedAndTheKmeRequestSent) {
  TestUe ue;
  to_security_complete(ue, material("35693803564381",
                                    provisioning_for(ue, s6a::KmeProcedure::kHiddenFromCnn, 1)
                                        .kma));
  const auto& kmr = request_of<s6a::KmeRequest>(only_s6a(last_));
  EXPECT_EQ(kmr.imei, ue.imei14());
  EXPECT_EQ(kmr.supported_procedures, 0x03);
  EXPECT_TRUE(last_.nas.empty());
  const CnnStats st = cnn_->stats();
  EXPECT_EQ(st.kme_prefetch_used, 0u);
  EXPECT_EQ(st.kme_prefetch_unused, 1u);
  EXPECT_EQ(st.kme_prefetch_unusable, 0u);

  // The KME-Answer's material is used as today.
  const auto ulr = provisioned_through_kme_request(
      ue, provisioning_for(ue, s6a::KmeProcedure::kHiddenFromCnn, 2));
  ASSERT_TRUE(ulr.kme_confirm);
  EXPECT_EQ(ulr.kme_confirm->kme_version, 2u);
}

TEST_F(KmePrefetchTest, WithPrefetchOffTheAirAsksForNoneAndMaterialIsIgnored) {
  CnnConfig c = bench_config();
  c.kme_prefetch = false;
  rebuild(std::move(c));
  TestUe ue;
  to_security_complete(ue, material(ue.imei14(),
                                    provisioning_for(ue, s6a::KmeProcedure::kHiddenFromCnn, 1)
                                        .kma));
  EXPECT_EQ(air_.kme_prefetch_procedures, 0);
  EXPECT_TRUE(std::holds_alternative<s6a::KmeRequest>(only_s6a(last_).request));
  EXPECT_TRUE(last_.nas.empty());
  const CnnStats st = cnn_->stats();
  EXPECT_EQ(st.kme_prefetch_used + st.kme_prefetch_unused + st.kme_prefetch_unusable, 0u);
}

TEST_F(KmePrefetchTest, MaterialForASubscriberWithoutKmeBindingIsIgnored) {
  TestUe ue;
  to_security_complete(ue,
                       material(ue.imei14(),
                                provisioning_for(ue, s6a::KmeProcedure::kHiddenFromCnn, 1).kma),
                       BindingRequirement::kImeiCheck);
  const auto& ulr = request_of<s6a::UpdateLocationRequest>(only_s6a(last_));
  EXPECT_FALSE(ulr.kme_confirm);
  EXPECT_FALSE(ulr.device_proof);
  EXPECT_TRUE(last_.nas.empty());
}

// Unusable material falls back to the KME-Request (kme_procedure.cpp says why), where a KMA with
// the same material would reject with #17.
TEST_F(KmePrefetchTest, MaterialOfAProcedureTheCnnDoesNotRunFallsBackToTheKmeRequest) {
  CnnConfig c = bench_config();
  c.supported_kme_procedures = 0x02;
  rebuild(std::move(c));
  TestUe ue;
  to_security_complete(ue, material(ue.imei14(),
                                    provisioning_for(ue, s6a::KmeProcedure::kSharedWithCnn, 1)
                                        .kma));
  EXPECT_EQ(request_of<s6a::KmeRequest>(only_s6a(last_)).supported_procedures, 0x02);
  EXPECT_TRUE(last_.events.empty());
  EXPECT_EQ(cnn_->stats().kme_prefetch_unusable, 1u);
  EXPECT_EQ(cnn_->stats().kme_prefetch_used, 0u);

  const auto ulr = provisioned_through_kme_request(
      ue, provisioning_for(ue, s6a::KmeProcedure::kHiddenFromCnn, 1));
  ASSERT_TRUE(ulr.kme_confirm);
  EXPECT_EQ(ulr.kme_confirm->procedure, s6a::KmeProcedure::kHiddenFromCnn);
}

TEST_F(KmePrefetchTest, MaterialWithBadSizesFallsBackToTheKmeRequest) {
  {
    TestUe ue;
    ue.id = 1;
    Provisioned p = provisioning_for(ue, s6a::KmeProcedure::kHiddenFromCnn, 1);
    std::get<s6a::KmeProvisioning>(p.kma.action).xrsp.pop_back();  // 15-octet XRsp
    to_security_complete(ue, material(ue.imei14(), std::move(p.kma)));
    EXPECT_TRUE(std::holds_alternative<s6a::KmeRequest>(only_s6a(last_).request));
  }
  {
    TestUe ue;
    ue.id = 2;
    s6a::KmeAnswer kma = challenge(filled(1, 32), Bytes(16, 2), 1);
    std::get<s6a::DeviceChallenge>(kma.action).hxrsp.resize(15);
    to_security_complete(ue, material(ue.imei14(), std::move(kma)));
    EXPECT_TRUE(std::holds_alternative<s6a::KmeRequest>(only_s6a(last_).request));
  }
  {
    TestUe ue;
    ue.id = 3;
    Provisioned p = provisioning_for(ue, s6a::KmeProcedure::kSharedWithCnn, 1);
    std::get<s6a::KmeProvisioning>(p.kma.action).kme = filled(1, 16);  // not a 32-octet KME
    to_security_complete(ue, material(ue.imei14(), std::move(p.kma)));
    EXPECT_TRUE(std::holds_alternative<s6a::KmeRequest>(only_s6a(last_).request));
  }
  EXPECT_EQ(cnn_->stats().kme_prefetch_unusable, 3u);
  EXPECT_EQ(cnn_->stats().attach_rejects, 0u);
}

// --- the material never outlives the attach ------------------------------------------------------

// The Cookie or challenge token on the AIA was issued at the AIR; when authentication and
// security mode took long (lost messages, retransmissions), it might expire during the KME
// procedure, so the CNN asks for fresh material instead (CnnConfig::kme_prefetch_max_age_ms).
TEST_F(KmePrefetchTest, MaterialOlderThanItsMaxAgeAtSecurityModeCompleteIsDroppedForAKmeRequest) {
  for (const std::int64_t age :
       {config_.kme_prefetch_max_age_ms, config_.kme_prefetch_max_age_ms + 1}) {
    TestUe ue;
    ue.id = age == config_.kme_prefetch_max_age_ms ? 1 : 2;
    auto m = material(ue.imei14(), provisioning_for(ue, s6a::KmeProcedure::kHiddenFromCnn, 1).kma);
    const TxnId txn = start_attach(ue);
    s6a::AuthenticationInformationAnswer aia = aia_for(ue, BindingRequirement::kKmeRequired);
    aia.kme_prefetch = std::move(m);
    answer(txn, std::move(aia));
    const auto request = as<nas::AuthenticationRequest>(ue.receive(only_nas(last_).pdu));
    now_ += age;
    complete_security(ue, request);
    if (age == config_.kme_prefetch_max_age_ms) {
      EXPECT_TRUE(last_.s6a.empty()) << "material of exactly the max age is still used";
      continue;
    }
    const auto& kmr = request_of<s6a::KmeRequest>(only_s6a(last_));
    EXPECT_EQ(kmr.imei, ue.imei14());
    EXPECT_TRUE(last_.nas.empty());
  }
  const CnnStats st = cnn_->stats();
  EXPECT_EQ(st.kme_prefetch_used, 1u);
  EXPECT_EQ(st.kme_prefetch_stale, 1u);
  EXPECT_EQ(st.kme_prefetch_unused, 0u);
}

TEST_F(KmePrefetchTest, MaterialIsReleasedAtSecurityModeCompleteUsedOrNot) {
  for (const bool matching : {true, false}) {
    TestUe ue;
    ue.id = matching ? 1 : 2;
    auto m = material(matching ? ue.imei14() : "35693803564381",
                      provisioning_for(ue, s6a::KmeProcedure::kSharedWithCnn, 1).kma);
    const std::weak_ptr<s6a::KmePrefetch> held = m;
    const TxnId txn = start_attach(ue);
    s6a::AuthenticationInformationAnswer aia = aia_for(ue, BindingRequirement::kKmeRequired);
    aia.kme_prefetch = std::move(m);
    answer(txn, std::move(aia));
    EXPECT_FALSE(held.expired()) << "the core dropped the material before the IMEI was known";
    complete_security(ue, as<nas::AuthenticationRequest>(ue.receive(only_nas(last_).pdu)));
    EXPECT_TRUE(held.expired()) << (matching ? "used" : "unused");
  }
}

TEST_F(KmePrefetchTest, MaterialIsReleasedWhenTheAttachEndsBeforeSecurityModeComplete) {
  auto held_after = [&](TestUe& ue, auto&& end_attach) {
    auto m = material(ue.imei14(), provisioning_for(ue, s6a::KmeProcedure::kSharedWithCnn, 1).kma);
    const std::weak_ptr<s6a::KmePrefetch> held = m;
    const TxnId txn = start_attach(ue);
    s6a::AuthenticationInformationAnswer aia = aia_for(ue, BindingRequirement::kKmeRequired);
    aia.kme_prefetch = std::move(m);
    answer(txn, std::move(aia));
    end_attach(as<nas::AuthenticationRequest>(ue.receive(only_nas(last_).pdu)));
    return !held.expired();
  };
  {
    TestUe ue;  // wrong RES: Authentication reject
    EXPECT_FALSE(held_after(ue, [&](const nas::AuthenticationRequest&) {
      send(ue, ue.plain(nas::AuthenticationResponse{nas::Octets{Bytes(8, 0)}}));
      check(released(last_, ue.id), "not released");
    }));
  }
  {
    TestUe ue;  // the UE never answers: 5th T3460 expiry
    ue.id = 2;
    EXPECT_FALSE(held_after(ue, [&](const nas::AuthenticationRequest&) {
      for (int i = 0; i < 5; ++i) tick(now_ + config_.t3460_ms);
      check(has_event(last_, CnnEventKind::kTimerExpired), "no 5th expiry");
    }));
  }
  {
    TestUe ue;  // the link goes away
    ue.id = 3;
    EXPECT_FALSE(
        held_after(ue, [&](const nas::AuthenticationRequest&) { cnn_->release(ue.id); }));
  }
  {
    TestUe ue;  // synch failure: the next AIR's answer brings its own material
    ue.id = 4;
    EXPECT_FALSE(held_after(ue, [&](const nas::AuthenticationRequest& r) {
      nas::AuthenticationFailure f;
      f.emm_cause = EmmCause::kSynchFailure;
      const Bytes auts = ue.auts(Bytes(r.rand.begin(), r.rand.end()), 1);
      f.authentication_failure_parameter.emplace();
      std::copy(auts.begin(), auts.end(), f.authentication_failure_parameter->begin());
      send(ue, ue.plain(f));
      check(std::holds_alternative<s6a::AuthenticationInformationRequest>(
                only_s6a(last_).request),
            "no resynchronisation AIR");
      EXPECT_NE(request_of<s6a::AuthenticationInformationRequest>(only_s6a(last_))
                    .kme_prefetch_procedures,
                0);
    }));
  }
  EXPECT_EQ(cnn_->stats().kme_prefetch_used + cnn_->stats().kme_prefetch_unused, 0u);
}

}  // namespace
}  // namespace kmebind::cnn::testing
