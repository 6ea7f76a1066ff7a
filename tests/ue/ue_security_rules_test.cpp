// The UE's receive rules (TS 24.301 §4.4.4.2 integrity, §4.4.3 replay, §7 error handling):
// replayed, modified, plain-after-security and truncated downlink messages are dropped without a
// crash or a state change; malformed protected messages draw EMM status; re-authentication
// replaces the context.
#include <gtest/gtest.h>

#include <random>

#include "ue_fixture.h"

namespace kmebind::ue::testing {
namespace {

class UeSecurityRulesTest : public ::testing::Test, public UeFixture {
 public:
  // True when every PDU of `out` is an EMM status (what the UE may answer to a broken message).
  bool only_emm_status(const UeOutput& out) {
    for (const Bytes& pdu : out.send) {
      if (!std::holds_alternative<nas::EmmStatus>(net_.receive(pdu))) return false;
    }
    return true;
  }
};

TEST_F(UeSecurityRulesTest, ReplayedProtectedMessageIsDiscarded) {
  attach_until_secure();
  const Bytes request = net_.protect(nas::IdentityRequest{nas::IdentityType2::kImei});
  EXPECT_EQ(feed(request).send.size(), 1u);
  UeOutput replay = feed(request);
  EXPECT_TRUE(replay.send.empty());
  EXPECT_TRUE(replay.has(UeEventKind::kDiscarded));
  // The next genuine message is still taken.
  EXPECT_EQ(feed(net_.protect(nas::IdentityRequest{nas::IdentityType2::kImeisv})).send.size(), 1u);
}

TEST_F(UeSecurityRulesTest, ReplayedKmeCommandDrawsNoSecondResponse) {
  attach_until_secure();
  const Bytes command = net_.kme_transport(net_.provisioning(nas::KmeProcedure::kSharedWithCnn, 1).command);
  EXPECT_EQ(feed(command).send.size(), 1u);
  UeOutput replay = feed(command);
  EXPECT_TRUE(replay.send.empty());
  EXPECT_EQ(ue_.counters().kme_provisioned, 1u);
}

TEST_F(UeSecurityRulesTest, ReplayedSecurityModeCommandDoesNotResetTheNasCounts) {
  start();
  authenticate();
  const Bytes smc = net_.security_mode_command(replayed_capabilities());
  ASSERT_TRUE(feed(smc).has(UeEventKind::kSecurityModeCompleted));
  const Bytes first = net_.protect(nas::IdentityRequest{nas::IdentityType2::kImei});
  ASSERT_EQ(feed(first).send.size(), 1u);
  // An attacker replays the Security mode command, then the Identity request it followed.
  UeOutput replayed_smc = feed(smc);
  EXPECT_TRUE(replayed_smc.send.empty());
  EXPECT_TRUE(feed(first).send.empty());
  EXPECT_EQ(ue_.counters().security_mode_completes, 1u);
}

TEST_F(UeSecurityRulesTest, PlainAttachAcceptAfterSecurityIsDiscarded) {
  attach_until_secure();
  UeOutput out = feed(net_.send(net_.attach_accept(pti_)));
  EXPECT_TRUE(out.send.empty());
  EXPECT_TRUE(out.has(UeEventKind::kDiscarded));
  EXPECT_EQ(ue_.state(), UeState::kRegisteredInitiated);
  accept();  // the protected one is taken
  EXPECT_EQ(ue_.state(), UeState::kRegistered);
}

TEST_F(UeSecurityRulesTest, PlainMessagesOnThePlainListAreRefusedOnceSecurityIsEstablished) {
  attach_until_secure();
  EXPECT_TRUE(feed(net_.send(nas::IdentityRequest{nas::IdentityType2::kImsi})).send.empty());
  EXPECT_TRUE(feed(net_.send(nas::AuthenticationReject{})).send.empty());
  nas::AttachReject reject;
  reject.emm_cause = nas::EmmCause::kIllegalMe;
  EXPECT_FALSE(feed(net_.send(reject)).has(UeEventKind::kAttachRejected));
  EXPECT_EQ(ue_.state(), UeState::kRegisteredInitiated);
}

TEST_F(UeSecurityRulesTest, AttachAcceptBeforeSecurityIsDiscarded) {
  start();
  authenticate();
  EXPECT_TRUE(feed(net_.send(net_.attach_accept(pti_))).send.empty());
  EXPECT_EQ(ue_.state(), UeState::kRegisteredInitiated);
}

TEST_F(UeSecurityRulesTest, EveryModifiedOctetOfAProtectedMessageIsRefused) {
  attach_until_secure();
  const Bytes request = net_.protect(nas::IdentityRequest{nas::IdentityType2::kImeisv});
  for (std::size_t i = 0; i < request.size(); ++i) {
    for (std::uint8_t bit = 1; bit != 0; bit = static_cast<std::uint8_t>(bit << 1)) {
      Bytes modified = request;
      modified[i] ^= bit;
      UeOutput out = feed(modified);
      // Octet 1 (header type) is outside the MAC (TS 24.301 §9.1): a type 2 turned into type 1 is
      // read unciphered and fails to decode, which may draw EMM status but never an answer.
      EXPECT_TRUE(only_emm_status(out)) << "octet " << i << " bit " << int(bit);
    }
  }
  EXPECT_EQ(ue_.state(), UeState::kRegisteredInitiated);
  EXPECT_EQ(feed(request).send.size(), 1u) << "the genuine message still verifies";
}

TEST_F(UeSecurityRulesTest, ProtectedUnknownMessageTypeDrawsEmmStatus97) {
  attach_until_secure();
  const Bytes unknown = take(net_.context().protect(Bytes{0x07, 0x7f}, nas::SecurityHeaderType::kIntegrityProtectedCiphered,
                                                    nas::Direction::kDownlink));
  UeOutput out = feed(unknown);
  EXPECT_EQ(net_.header_type(only_pdu(out)), nas::SecurityHeaderType::kIntegrityProtectedCiphered);
  EXPECT_EQ(as<nas::EmmStatus>(net_.receive(only_pdu(out))).emm_cause, nas::EmmCause::kMessageTypeNonExistent);
}

TEST_F(UeSecurityRulesTest, ProtectedMalformedMessageDrawsEmmStatus96) {
  attach_until_secure();
  const Bytes broken = take(net_.context().protect(Bytes{0x07, 0x52, 0x01}, nas::SecurityHeaderType::kIntegrityProtectedCiphered,
                                                   nas::Direction::kDownlink));  // Authentication request without RAND
  UeOutput out = feed(broken);
  EXPECT_EQ(as<nas::EmmStatus>(net_.receive(only_pdu(out))).emm_cause, nas::EmmCause::kInvalidMandatoryInformation);
}

TEST_F(UeSecurityRulesTest, MessageNotExpectedInTheStateDrawsEmmStatus98) {
  attach_until_secure();
  accept();
  nas::AttachReject reject;
  reject.emm_cause = nas::EmmCause::kIllegalMe;
  UeOutput out = feed(net_.protect(reject));
  EXPECT_EQ(as<nas::EmmStatus>(net_.receive(only_pdu(out))).emm_cause,
            nas::EmmCause::kMessageTypeNotCompatibleWithProtocolState);
  EXPECT_EQ(ue_.state(), UeState::kRegistered);
}

TEST_F(UeSecurityRulesTest, NothingIsTakenWhileDeregistered) {
  auto v = net_.next_vector();
  UeOutput out = feed(net_.authentication_request(v));
  EXPECT_TRUE(out.send.empty());
  EXPECT_TRUE(out.has(UeEventKind::kDiscarded));
  EXPECT_EQ(ue_.state(), UeState::kDeregistered);
}

TEST_F(UeSecurityRulesTest, ReauthenticationInRegisteredStateReplacesTheContext) {
  attach_until_secure();
  accept();
  const Bytes old_message = net_.protect(nas::IdentityRequest{nas::IdentityType2::kImei});
  auto v = net_.next_vector();
  nas::AuthenticationRequest auth;
  auth.nas_key_set_identifier_asme = nas::NasKeySetIdentifier{false, 2};
  auth.rand = v.rand;
  auth.autn = v.autn;
  UeOutput out = feed(net_.protect(auth));
  EXPECT_EQ(as<nas::AuthenticationResponse>(net_.receive(only_pdu(out))).res.value, v.xres)
      << "answered under the old context";
  net_.take_context(v.kasme);
  UeOutput smc = feed(net_.security_mode_command(replayed_capabilities(), false, 2));
  EXPECT_TRUE(std::holds_alternative<nas::SecurityModeComplete>(net_.receive(only_pdu(smc))));
  EXPECT_TRUE(feed(old_message).send.empty()) << "old context's message after the switch";
  EXPECT_EQ(feed(net_.protect(nas::IdentityRequest{nas::IdentityType2::kImei})).send.size(), 1u);
}

// --- every truncated prefix (TS 24.301 §7.2 / §7.5) ----------------------------------------------

// Feeds every proper prefix of `pdu`, checking no prefix changes the state or draws an answer
// other than EMM status; then the whole PDU must draw `expected_answers` PDUs.
void check_prefixes(UeSecurityRulesTest& t, const Bytes& pdu, std::size_t expected_answers, const char* what) {
  const UeState state = t.ue_.state();
  const bool secured = t.ue_.has_security_context();
  for (std::size_t n = 0; n < pdu.size(); ++n) {
    UeOutput out = t.feed(ByteView(pdu).first(n));
    EXPECT_TRUE(t.only_emm_status(out)) << what << " prefix " << n;
    EXPECT_FALSE(out.events.empty()) << what << " prefix " << n << ": a drop is reported";
    EXPECT_EQ(t.ue_.state(), state) << what << " prefix " << n;
    EXPECT_EQ(t.ue_.has_security_context(), secured) << what << " prefix " << n;
  }
  EXPECT_EQ(t.feed(pdu).send.size(), expected_answers) << what << " in full";
}

TEST_F(UeSecurityRulesTest, EveryTruncatedPrefixOfEachDownlinkMessageIsDropped) {
  start();
  check_prefixes(*this, net_.send(nas::IdentityRequest{nas::IdentityType2::kImsi}), 1, "Identity request (plain)");
  auto v = net_.next_vector();
  check_prefixes(*this, net_.authentication_request(v, ksi_), 1, "Authentication request");
  net_.take_context(v.kasme);
  check_prefixes(*this, net_.security_mode_command(replayed_capabilities()), 1, "Security mode command");
  check_prefixes(*this, net_.protect(nas::IdentityRequest{nas::IdentityType2::kImei}), 1, "Identity request");
  check_prefixes(*this, net_.kme_transport(net_.provisioning(nas::KmeProcedure::kNotSharedWithCnn, 1).command), 1,
                 "KME Provisioning Command");
  check_prefixes(*this, net_.kme_transport(nas::DeviceAuthenticationRequest{{}, 1}), 1,
                 "Device Authentication Request");
  check_prefixes(*this, net_.protect(nas::EmmStatus{nas::EmmCause::kProtocolErrorUnspecified}), 0, "EMM status");
  check_prefixes(*this, net_.protect(net_.attach_accept(pti_)), 1, "Attach accept");
  EXPECT_EQ(ue_.state(), UeState::kRegistered);
  nas::DetachRequestUeTerminated detach;
  check_prefixes(*this, net_.protect(detach), 1, "Detach request");
  EXPECT_EQ(ue_.state(), UeState::kDeregistered);
}

TEST_F(UeSecurityRulesTest, EveryTruncatedPrefixOfAPlainAttachRejectIsDropped) {
  start();
  nas::AttachReject reject;
  reject.emm_cause = nas::EmmCause::kCongestion;
  reject.t3346_value = nas::GprsTimer{nas::GprsTimer::Unit::k1Minute, 1};
  const Bytes pdu = net_.send(reject);
  // Prefixes ending on an optional IE boundary are valid rejects; only the shorter ones must drop.
  for (std::size_t n = 0; n < 3; ++n) {
    UeOutput out = feed(ByteView(pdu).first(n));
    EXPECT_TRUE(only_emm_status(out)) << n;
    EXPECT_EQ(ue_.state(), UeState::kRegisteredInitiated) << n;
  }
  EXPECT_TRUE(feed(pdu).has(UeEventKind::kAttachRejected));
}

// --- random corruption: no crash, every answer well-formed ---------------------------------------

TEST_F(UeSecurityRulesTest, RandomlyCorruptedDownlinkPdusNeverCrashOrDrawMalformedAnswers) {
  std::mt19937 rng(20240611);
  start();
  auto v = net_.next_vector();
  const Bytes auth = net_.authentication_request(v, ksi_);
  std::vector<Bytes> seeds{auth, net_.send(nas::IdentityRequest{nas::IdentityType2::kImsi})};
  for (int i = 0; i < 3000; ++i) {
    Bytes pdu = seeds[static_cast<std::size_t>(i) % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !pdu.empty(); ++e) {
      switch (rng() % 3) {
        case 0: pdu[rng() % pdu.size()] = static_cast<std::uint8_t>(rng()); break;
        case 1: pdu.resize(rng() % (pdu.size() + 1)); break;
        default: pdu.push_back(static_cast<std::uint8_t>(rng())); break;
      }
    }
    UeOutput out = feed(pdu);
    for (const Bytes& answer : out.send) {
      auto header = nas::peek_header(answer);
      ASSERT_TRUE(header) << "answer is not a NAS PDU";
      if (header->security_header_type == nas::SecurityHeaderType::kPlain) {
        EXPECT_TRUE(nas::decode_nas(answer, nas::Direction::kUplink)) << to_hex(answer);
      }
    }
    if (ue_.state() != UeState::kRegisteredInitiated) start();
  }
}

}  // namespace
}  // namespace kmebind::ue::testing
