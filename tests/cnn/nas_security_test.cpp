// NAS security at the CNN: replayed and modified uplink messages are discarded with the state
// unchanged (TS 24.301 §4.4.3, §4.4.4.3; DESIGN.md §6 "a NAS message replayed or modified").
#include "cnn_bench.h"

namespace kmebind::cnn::testing {
namespace {

using nas::SecurityHeaderType;

class NasSecurityTest : public CnnBench {
 protected:
  // Up to the Device Authentication Request; returns the right response.
  nas::DeviceAuthenticationResponse to_challenge(TestUe& ue) {
    const TxnId kmr = attach_to_security(ue, s6a::BindingRequirement::kKmeRequired).txn;
    const SecretBytes kme = filled(0x61, 32);
    const Bytes nonce(16, 0x42);
    s6a::KmeAnswer kma;
    kma.action = s6a::DeviceChallenge{1, nonce, hxrsp_of(kme, nonce), Bytes(61, 0x61)};
    answer(kmr, std::move(kma));
    (void)kme_in(ue.receive(only_nas(last_).pdu));
    nas::DeviceAuthenticationResponse r;
    const Bytes rsp = take(crypto::compute_rsp(kme, nonce));
    std::copy(rsp.begin(), rsp.end(), r.rsp.begin());
    return r;
  }

  void expect_silently_discarded(const std::string& reason_part = "") {
    EXPECT_TRUE(last_.nas.empty());
    EXPECT_TRUE(last_.s6a.empty());
    EXPECT_TRUE(last_.released.empty());
    ASSERT_EQ(last_.events.size(), 1u);
    EXPECT_EQ(last_.events[0].kind, CnnEventKind::kDiscarded);
    EXPECT_EQ(last_.events[0].emm_cause, 0);
    if (!reason_part.empty()) {
      EXPECT_NE(last_.events[0].detail.find(reason_part), std::string::npos)
          << last_.events[0].detail;
    }
  }
};

TEST_F(NasSecurityTest, ReplayedUplinkIsDiscardedAndStateUnchanged) {
  TestUe ue;
  const auto r = to_challenge(ue);
  const Bytes pdu = ue.protect(ue.kme_uplink(r));
  send(ue, pdu);
  const TxnId ulr = only_s6a(last_).txn;
  send(ue, pdu);  // replay, now waiting for the ULA
  expect_silently_discarded("replayed");
  finish_attach(ue, ulr);
}

TEST_F(NasSecurityTest, ReplayAfterRegistrationIsDiscarded) {
  TestUe ue;
  const auto ulr = attach_to_security(ue).txn;
  answer(ulr, ula_ok());
  (void)ue.receive(only_nas(last_).pdu);
  nas::AttachComplete complete;
  complete.esm_message_container.value = ue.plain(nas::ActivateDefaultEpsBearerContextAccept{});
  const Bytes pdu = ue.protect(complete);
  send(ue, pdu);
  ASSERT_TRUE(has_event(last_, CnnEventKind::kAttached));
  send(ue, pdu);
  expect_silently_discarded();
  EXPECT_EQ(cnn_->stats().ues_registered, 1u);
}

TEST_F(NasSecurityTest, EveryModifiedOctetOfAProtectedUplinkIsDiscarded) {
  TestUe ue;
  const auto r = to_challenge(ue);
  const Bytes pdu = ue.protect(ue.kme_uplink(r));
  // Octet 1 (security header type) is not covered by the MAC (TS 24.301 §9.1); every other
  // octet is.
  for (std::size_t i = 1; i < pdu.size(); ++i) {
    for (int flip : {0x01, 0x80}) {
      Bytes bad = pdu;
      bad[i] = static_cast<std::uint8_t>(bad[i] ^ flip);
      send(ue, bad);
      expect_silently_discarded();
    }
  }
  EXPECT_EQ(cnn_->stats().nas_discarded, 2 * (pdu.size() - 1));
  send(ue, pdu);  // the genuine message is still accepted
  EXPECT_TRUE(std::holds_alternative<s6a::UpdateLocationRequest>(only_s6a(last_).request));
}

TEST_F(NasSecurityTest, TruncatedOrExtendedProtectedUplinkIsDiscarded) {
  TestUe ue;
  const auto r = to_challenge(ue);
  const Bytes pdu = ue.protect(ue.kme_uplink(r));
  for (std::size_t n = 0; n < pdu.size(); ++n) {
    send(ue, ByteView(pdu).first(n));
    EXPECT_TRUE(last_.s6a.empty());
    EXPECT_TRUE(has_event(last_, CnnEventKind::kDiscarded));
  }
  Bytes longer = pdu;
  longer.push_back(0);
  send(ue, longer);
  EXPECT_TRUE(last_.s6a.empty());
  send(ue, pdu);
  EXPECT_TRUE(std::holds_alternative<s6a::UpdateLocationRequest>(only_s6a(last_).request));
}

TEST_F(NasSecurityTest, PlainMessageAfterSecurityIsDiscarded) {
  TestUe ue;
  const auto r = to_challenge(ue);
  send(ue, ue.plain(ue.kme_uplink(r)));
  expect_silently_discarded("integrity");
}

TEST_F(NasSecurityTest, MessageProtectedWithAnotherKeyIsDiscarded) {
  TestUe ue;
  const auto r = to_challenge(ue);
  auto keys = take(crypto::derive_nas_keys(filled(9, 32), 2, 2));
  auto other = take(nas::NasSecurityContext::create(
      {nas::CipheringAlgorithm::kEea2, nas::IntegrityAlgorithm::kEia2}, std::move(keys.k_nas_int),
      std::move(keys.k_nas_enc), ue.sec->next_count(nas::Direction::kUplink)));
  send(ue, take(other.protect(ue.plain(ue.kme_uplink(r)), SecurityHeaderType::kIntegrityProtectedCiphered,
                              nas::Direction::kUplink)));
  expect_silently_discarded("MAC");
}

TEST_F(NasSecurityTest, SecurityModeCompleteMustBeCiphered) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  const auto auth = give_vector(ue, air, s6a::BindingRequirement::kNone);
  send(ue, ue.plain(nas::AuthenticationResponse{nas::Octets{ue.answer_challenge(auth)}}));
  (void)ue.receive(only_nas(last_).pdu);
  send(ue, ue.protect(ue.security_mode_complete(), SecurityHeaderType::kIntegrityProtected));
  expect_silently_discarded("header type");
  send(ue, ue.plain(ue.security_mode_complete()));
  expect_silently_discarded();
  send(ue, ue.protect(ue.security_mode_complete(),
                      SecurityHeaderType::kIntegrityProtectedCipheredNewContext));
  EXPECT_TRUE(std::holds_alternative<s6a::UpdateLocationRequest>(only_s6a(last_).request));
}

TEST_F(NasSecurityTest, HeaderType4OutsideSecurityModeIsDiscarded) {
  TestUe ue;
  const auto r = to_challenge(ue);
  send(ue, ue.protect(ue.kme_uplink(r), SecurityHeaderType::kIntegrityProtectedCipheredNewContext));
  expect_silently_discarded("type 4");
}

TEST_F(NasSecurityTest, IntegrityProtectedAttachRequestWithUnknownContextIsProcessed) {
  TestUe ue;
  // TS 24.301 §4.4.4.3: an Attach request is processed even when its MAC cannot be checked.
  Bytes pdu{0x17, 0xde, 0xad, 0xbe, 0xef, 0x05};
  const Bytes plain = ue.plain(ue.attach_request());
  pdu.insert(pdu.end(), plain.begin(), plain.end());
  send(ue, pdu);
  EXPECT_TRUE(std::holds_alternative<s6a::AuthenticationInformationRequest>(only_s6a(last_).request));
}

TEST_F(NasSecurityTest, CipheredMessageFromAnUnknownUeIsDiscarded) {
  TestUe ue;
  send(ue, Bytes{0x27, 1, 2, 3, 4, 0, 0x07, 0x41, 0x71});
  EXPECT_TRUE(last_.nas.empty());
  EXPECT_TRUE(has_event(last_, CnnEventKind::kDiscarded));
  EXPECT_EQ(cnn_->ue_count(), 0u);
}

}  // namespace
}  // namespace kmebind::cnn::testing
