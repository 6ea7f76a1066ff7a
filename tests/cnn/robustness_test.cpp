// Malformed, truncated, random and tampered PDUs in every state of the attach: the core never
// crashes, never changes state for them (the attach still completes afterwards), and answers
// with EMM status only where TS 24.301 §7 says so. Seeded, so every run is the same.
#include <random>

#include "cnn_bench.h"

namespace kmebind::cnn::testing {
namespace {

class RobustnessTest : public CnnBench {
 protected:
  // Uplink messages a UE could send, none with optional IEs: no strict prefix of one decodes.
  std::vector<Bytes> plain_corpus(TestUe& ue) {
    nas::DetachRequestUeOriginating detach;
    detach.eps_mobile_identity.identity = nas::Imsi{ue.imsi};
    nas::AttachComplete complete;
    complete.esm_message_container.value = ue.plain(nas::ActivateDefaultEpsBearerContextAccept{});
    return {ue.plain(ue.attach_request()),
            ue.plain(nas::IdentityResponse{nas::MobileIdentity{nas::Imsi{ue.imsi}}}),
            ue.plain(nas::AuthenticationResponse{nas::Octets{Bytes(8, 0x5a)}}),
            ue.plain(nas::SecurityModeReject{nas::EmmCause::kSecurityModeRejectedUnspecified}),
            ue.plain(detach),
            ue.plain(complete),
            ue.plain(ue.kme_uplink(nas::KmeProvisioningReject{})),
            ue.plain(nas::EmmStatus{nas::EmmCause::kProtocolErrorUnspecified})};
  }

  // Sends `rounds` bad PDUs and checks none of them moved the UE on. Protected samples are made
  // with the UE's context (advancing its uplink COUNT, as lost messages would) and then altered
  // in octets 2.. (octet 1 is not covered by the MAC).
  void hammer(TestUe& ue, std::uint32_t seed, int rounds = 500) {
    std::mt19937 rng(seed);
    const auto byte = [&] { return static_cast<std::uint8_t>(rng() & 0xff); };
    const std::size_t contexts = cnn_->ue_count();
    const auto deadline = cnn_->next_deadline();
    std::vector<Bytes> plain = plain_corpus(ue);
    std::vector<Bytes> prot;
    if (ue.sec) {
      for (const auto& p : plain) prot.push_back(take(ue.sec->protect(p, nas::SecurityHeaderType::kIntegrityProtectedCiphered, nas::Direction::kUplink)));
    }
    for (int i = 0; i < rounds; ++i) {
      Bytes pdu;
      switch (rng() % 5) {
        case 0: {  // random octets
          pdu.resize(rng() % 48);
          for (auto& b : pdu) b = byte();
          break;
        }
        case 1: {  // EMM-looking: a valid first octet, then random
          static constexpr std::uint8_t kFirst[] = {0x07, 0x17, 0x27, 0x37, 0x47, 0xc7, 0x02, 0x72};
          pdu.push_back(kFirst[rng() % std::size(kFirst)]);
          pdu.resize(1 + rng() % 40);
          for (std::size_t k = 1; k < pdu.size(); ++k) pdu[k] = byte();
          break;
        }
        case 2: {  // strict prefix of a real message
          const Bytes& p = plain[rng() % plain.size()];
          pdu.assign(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(rng() % p.size()));
          break;
        }
        case 3: {  // a real message with one length or type octet altered (plain, pre-security)
          const Bytes& p = plain[rng() % plain.size()];
          pdu = p;
          // A message type no UE sends: must get EMM status #97, never be acted on.
          static constexpr std::uint8_t kUplink[] = {0x41, 0x43, 0x45, 0x46, 0x53, 0x56,
                                                     0x5c, 0x5e, 0x5f, 0x60, 0x69};
          do {
            pdu[1] = byte();
          } while (std::find(std::begin(kUplink), std::end(kUplink), pdu[1]) != std::end(kUplink));
          break;
        }
        default: {  // a protected message with octets 2.. altered
          if (prot.empty()) {
            pdu = {0x27, byte(), byte(), byte(), byte(), byte(), 0x07, byte()};
            break;
          }
          const Bytes& original = prot[rng() % prot.size()];
          pdu = original;
          const int flips = 1 + static_cast<int>(rng() % 3);
          while (pdu == original) {  // two flips of one bit would give the genuine PDU back
            for (int f = 0; f < flips; ++f) {
              const std::size_t at = 1 + rng() % (pdu.size() - 1);
              pdu[at] = static_cast<std::uint8_t>(pdu[at] ^ (1u << (rng() % 8)));
            }
          }
          break;
        }
      }
      send(ue, pdu);
      check(last_.s6a.empty(), "bad PDU produced an S6a request: " + to_hex(pdu));
      check(last_.released.empty(), "bad PDU released the UE: " + to_hex(pdu));
      check(cnn_->ue_count() == contexts, "bad PDU changed the contexts: " + to_hex(pdu));
      check(cnn_->next_deadline() == deadline, "bad PDU moved a timer: " + to_hex(pdu));
      for (const auto& n : last_.nas) {
        check(n.ue == ue.id, "answer to another UE");
        // Only EMM status may answer a bad PDU (or a repeated Attach request's resend).
        ue.absorb(n.pdu);
      }
      for (const auto& e : last_.events) {
        check(e.kind == CnnEventKind::kDiscarded, "event " + std::string(to_string(e.kind)) +
                                                       " for " + to_hex(pdu));
      }
    }
  }
};

TEST_F(RobustnessTest, BadPdusInEveryStateChangeNothing) {
  TestUe ue;
  // A GUTI the core does not know, so the identification procedure runs too.
  nas::AttachRequest a = ue.attach_request();
  a.eps_mobile_identity.identity = nas::Guti{take(nas::Plmn::parse("001", "01")), 0x8001, 1, 77};
  hammer(ue, 1);  // no context
  EXPECT_EQ(cnn_->ue_count(), 0u);
  send(ue, ue.plain(a));
  (void)ue.receive(only_nas(last_).pdu);
  hammer(ue, 2);  // identification
  send(ue, ue.plain(nas::IdentityResponse{nas::MobileIdentity{nas::Imsi{ue.imsi}}}));
  const TxnId air = only_s6a(last_).txn;
  hammer(ue, 3);  // waiting for the AIA
  const auto challenge = give_vector(ue, air, s6a::BindingRequirement::kKmeRequired);
  hammer(ue, 4);  // authentication
  send(ue, ue.plain(nas::AuthenticationResponse{nas::Octets{ue.answer_challenge(challenge)}}));
  (void)ue.receive(only_nas(last_).pdu);
  hammer(ue, 5);  // security mode control (the UE has its context; the core has not used it)
  send(ue, ue.protect(ue.security_mode_complete(),
                      nas::SecurityHeaderType::kIntegrityProtectedCipheredNewContext));
  const TxnId kmr = only_s6a(last_).txn;
  hammer(ue, 6);  // waiting for the KMA
  answer(kmr, provisioning_for(ue, s6a::KmeProcedure::kSharedWithCnn, 1).kma);
  const auto command = std::get<nas::KmeProvisioningCommand>(kme_in(ue.receive(only_nas(last_).pdu)));
  hammer(ue, 7);  // KME provisioning
  send(ue, ue.protect(ue.kme_uplink(device_response(ue, command))));
  const TxnId ulr = only_s6a(last_).txn;
  hammer(ue, 8);  // waiting for the ULA
  answer(ulr, ula_ok(1));
  (void)as<nas::AttachAccept>(ue.receive(only_nas(last_).pdu));
  hammer(ue, 9);  // waiting for Attach complete
  nas::AttachComplete complete;
  complete.esm_message_container.value = ue.plain(nas::ActivateDefaultEpsBearerContextAccept{});
  send(ue, ue.protect(complete));
  ASSERT_TRUE(has_event(last_, CnnEventKind::kAttached));
  hammer(ue, 10);  // registered
  EXPECT_EQ(cnn_->stats().ues_registered, 1u);
  EXPECT_EQ(cnn_->stats().nas_discarded, 10u * 500u);  // each bad PDU counted once
}

TEST_F(RobustnessTest, UnknownMessageTypeGetsStatus97AndBadMandatoryIeGets96) {
  TestUe ue;
  start_attach(ue);
  send(ue, Bytes{0x07, 0x42, 0x00});  // Attach accept is not an uplink message
  EXPECT_EQ(as<nas::EmmStatus>(ue.receive(only_nas(last_).pdu)).emm_cause,
            nas::EmmCause::kMessageTypeNonExistent);
  send(ue, Bytes{0x07, 0x56, 0x08, 0x29});  // Identity response with a truncated identity
  EXPECT_EQ(as<nas::EmmStatus>(ue.receive(only_nas(last_).pdu)).emm_cause,
            nas::EmmCause::kInvalidMandatoryInformation);
  EXPECT_EQ(last_.events[0].emm_cause, 96);
}

TEST_F(RobustnessTest, UnknownUeGetsNoAnswerForGarbage) {
  TestUe ue;
  for (const Bytes& pdu : {Bytes{}, Bytes{0x07}, Bytes{0x07, 0x42}, Bytes{0x07, 0x53, 0x08},
                           Bytes{0x02, 0x01, 0xd0}, Bytes{0xff, 0xff, 0xff}}) {
    send(ue, pdu);
    EXPECT_TRUE(last_.nas.empty());
    EXPECT_TRUE(has_event(last_, CnnEventKind::kDiscarded));
  }
  EXPECT_EQ(cnn_->ue_count(), 0u);
}

TEST_F(RobustnessTest, ValidMessageFromAUeWithoutContextIsDiscarded) {
  TestUe ue;
  send(ue, ue.plain(nas::IdentityResponse{nas::MobileIdentity{nas::Imsi{ue.imsi}}}));
  EXPECT_TRUE(last_.nas.empty());
  EXPECT_TRUE(has_event(last_, CnnEventKind::kDiscarded));
}

TEST_F(RobustnessTest, InvalidConfigurationAnswersEveryCallWithAnInternalError) {
  CnnConfig c = bench_config();
  c.plmn = "1-1";
  rebuild(std::move(c));
  TestUe ue;
  send(ue, ue.plain(ue.attach_request()));
  EXPECT_TRUE(last_.nas.empty());
  EXPECT_NE(event_of(last_, CnnEventKind::kInternalError).detail.find("plmn"), std::string::npos);
  EXPECT_EQ(cnn_->ue_count(), 0u);
}

TEST_F(RobustnessTest, FailingRandomSourceAbortsOnlyThatUe) {
  CnnConfig c = bench_config();
  c.random = [](std::span<std::uint8_t>) -> Status { return fail(Code::kInternal, "no entropy"); };
  rebuild(std::move(c));
  TestUe ue;
  const TxnId air = start_attach(ue);
  complete_security(ue, give_vector(ue, air, s6a::BindingRequirement::kNone));  // M-TMSI
  EXPECT_TRUE(last_.nas.empty());
  EXPECT_TRUE(last_.s6a.empty());
  EXPECT_TRUE(has_event(last_, CnnEventKind::kInternalError));
  EXPECT_EQ(cnn_->ue_count(), 0u);
}

}  // namespace
}  // namespace kmebind::cnn::testing
