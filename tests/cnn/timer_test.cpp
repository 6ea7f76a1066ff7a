// Timers on a fake clock (no sleeps): T3460/T3470/T3450 and the KME guard retransmit on each of
// the first 4 expiries and abort on the 5th (TS 24.301 §10.2); the S6a answer timer rejects with
// #22 and T3346; late and unknown S6a answers are ignored.
#include "cnn_bench.h"

namespace kmebind::cnn::testing {
namespace {

using nas::EmmCause;

class TimerTest : public CnnBench {
 protected:
  // Runs the timer `expiries` times from the current deadline and returns the PDUs sent.
  std::vector<Bytes> expire(int expiries, std::int64_t period) {
    std::vector<Bytes> sent;
    for (int i = 0; i < expiries; ++i) {
      const auto deadline = cnn_->next_deadline();
      check(deadline.has_value(), "no deadline");
      check(*deadline == now_ + period, "deadline " + std::to_string(*deadline) + " != now + period");
      tick(*deadline - 1);
      check(last_.empty(), "timer fired early");
      tick(*deadline);
      for (const auto& n : last_.nas) sent.push_back(n.pdu);
    }
    return sent;
  }
};

TEST_F(TimerTest, T3460RetransmitsAuthenticationRequestFourTimesThenAborts) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  answer(air, aia_for(ue));
  const Bytes first = only_nas(last_).pdu;
  const auto again = expire(4, 6000);
  ASSERT_EQ(again.size(), 4u);
  for (const auto& pdu : again) EXPECT_EQ(pdu, first);  // plain: the same PDU
  EXPECT_EQ(cnn_->stats().retransmissions, 4u);

  expire(1, 6000);  // 5th expiry
  EXPECT_TRUE(last_.nas.empty());
  EXPECT_EQ(event_of(last_, CnnEventKind::kTimerExpired).detail.find("T3460"), 0u);
  EXPECT_TRUE(released(last_, ue.id));
  EXPECT_EQ(cnn_->ue_count(), 0u);
  EXPECT_FALSE(cnn_->next_deadline());
  EXPECT_EQ(cnn_->stats().procedure_timeouts, 1u);
}

TEST_F(TimerTest, AnswerBeforeExpiryStopsTheTimer) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  const auto r = give_vector(ue, air, s6a::BindingRequirement::kNone);
  now_ += 5999;
  send(ue, ue.plain(nas::AuthenticationResponse{nas::Octets{ue.answer_challenge(r)}}));
  (void)ue.receive(only_nas(last_).pdu);  // Security mode command; T3460 restarted for it
  EXPECT_EQ(cnn_->next_deadline(), now_ + 6000);
  tick(now_ + 1);
  EXPECT_TRUE(last_.empty());
}

TEST_F(TimerTest, T3470RetransmitsIdentityRequest) {
  TestUe ue;
  nas::AttachRequest a = ue.attach_request();
  a.eps_mobile_identity.identity = nas::Guti{take(nas::Plmn::parse("001", "01")), 1, 1, 1};
  send(ue, ue.plain(a));
  const Bytes first = only_nas(last_).pdu;
  const auto again = expire(4, 6000);
  for (const auto& pdu : again) EXPECT_EQ(pdu, first);
  expire(1, 6000);
  EXPECT_NE(event_of(last_, CnnEventKind::kTimerExpired).detail.find("T3470"), std::string::npos);
}

TEST_F(TimerTest, SecurityModeCommandIsReprotectedWithANewCountOnEachRetransmission) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  const auto r = give_vector(ue, air, s6a::BindingRequirement::kNone);
  send(ue, ue.plain(nas::AuthenticationResponse{nas::Octets{ue.answer_challenge(r)}}));
  std::vector<Bytes> all{only_nas(last_).pdu};
  for (const auto& pdu : expire(4, 6000)) all.push_back(pdu);
  ASSERT_EQ(all.size(), 5u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i][0], 0x37);
    EXPECT_EQ(all[i][5], i);  // NAS SQN = COUNT 0, 1, 2, ...
    (void)as<nas::SecurityModeCommand>(ue.receive(all[i]));  // each verifies at the UE
  }
  // The UE answers the last one: the attach goes on.
  send(ue, ue.protect(ue.security_mode_complete(),
                      nas::SecurityHeaderType::kIntegrityProtectedCipheredNewContext));
  EXPECT_TRUE(std::holds_alternative<s6a::UpdateLocationRequest>(only_s6a(last_).request));
}

TEST_F(TimerTest, T3450RetransmitsAttachAcceptThenAbortsAndFreesGutiAndAddress) {
  CnnConfig c = bench_config();
  c.t3450_ms = 1000;  // short timers are fine for the core
  rebuild(std::move(c));
  TestUe ue;
  answer(attach_to_security(ue).txn, ula_ok());
  const auto first = as<nas::AttachAccept>(ue.receive(only_nas(last_).pdu));
  for (const auto& pdu : expire(4, 1000)) {
    EXPECT_EQ(as<nas::AttachAccept>(ue.receive(pdu)), first);
  }
  expire(1, 1000);
  EXPECT_TRUE(has_event(last_, CnnEventKind::kTimerExpired));
  EXPECT_EQ(cnn_->ue_count(), 0u);
  // The GUTI is gone: an attach with it needs the identification procedure.
  TestUe again = ue.clone_on_link(5);
  again.guti = std::get<nas::Guti>(first.guti->identity);
  send(again, again.plain(again.attach_request(true)));
  (void)as<nas::IdentityRequest>(again.receive(only_nas(last_).pdu));
}

TEST_F(TimerTest, KmeGuardTimerRetransmitsTheCommandThenAborts) {
  TestUe ue;
  const TxnId kmr = attach_to_security(ue, s6a::BindingRequirement::kKmeRequired).txn;
  answer(kmr, provisioning_for(ue, s6a::KmeProcedure::kSharedWithCnn, 1).kma);
  const auto first = kme_in(ue.receive(only_nas(last_).pdu));
  for (const auto& pdu : expire(4, 6000)) EXPECT_EQ(kme_in(ue.receive(pdu)), first);
  expire(1, 6000);
  EXPECT_TRUE(has_event(last_, CnnEventKind::kTimerExpired));
  EXPECT_TRUE(last_.s6a.empty());  // no ULR: the KME never reaches the HSS
  EXPECT_TRUE(released(last_, ue.id));
}

TEST_F(TimerTest, S6aTimeoutRejectsWithCongestionAndLateAnswerIsIgnored) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  expire(0, 5000);
  EXPECT_EQ(cnn_->next_deadline(), now_ + 5000);
  tick(now_ + 5000);
  auto reject = as<nas::AttachReject>(ue.receive(only_nas(last_).pdu));
  EXPECT_EQ(reject.emm_cause, EmmCause::kCongestion);
  ASSERT_TRUE(reject.t3346_value);
  EXPECT_EQ(reject.t3346_value->seconds(), 60u);
  EXPECT_TRUE(has_event(last_, CnnEventKind::kS6aError));
  EXPECT_TRUE(released(last_, ue.id));

  answer(air, aia_for(ue));
  EXPECT_TRUE(last_.empty());
  EXPECT_EQ(cnn_->stats().s6a_ignored_answers, 1u);
  EXPECT_EQ(cnn_->stats().s6a_timeouts, 1u);
}

TEST_F(TimerTest, UlaTimeoutAfterSecurityRejectsUnderProtection) {
  TestUe ue;
  attach_to_security(ue);
  tick(now_ + 5000);
  const Bytes pdu = only_nas(last_).pdu;
  EXPECT_EQ(pdu[0], 0x27);
  EXPECT_EQ(as<nas::AttachReject>(ue.receive(pdu)).emm_cause, EmmCause::kCongestion);
}

TEST_F(TimerTest, TransportFailureRejectsLikeATimeout) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  last_ = cnn_->on_s6a_failure(air, Error(Code::kUnavailable, "peer hss1 down"), now_);
  EXPECT_EQ(as<nas::AttachReject>(ue.receive(only_nas(last_).pdu)).emm_cause, EmmCause::kCongestion);
  EXPECT_EQ(event_of(last_, CnnEventKind::kS6aError).detail, "S6a: peer hss1 down");
  EXPECT_FALSE(cnn_->next_deadline());
  last_ = cnn_->on_s6a_failure(air, Error(Code::kUnavailable, "again"), now_);
  EXPECT_TRUE(last_.empty());
}

TEST_F(TimerTest, UnknownTransactionIsIgnored) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  answer(air + 1000, aia_for(ue));
  EXPECT_TRUE(last_.empty());
  answer(air, aia_for(ue));
  EXPECT_EQ(last_.nas.size(), 1u);
}

TEST_F(TimerTest, AnswerOfTheWrongTypeRejectsWithNetworkFailure) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  answer(air, ula_ok());
  EXPECT_EQ(as<nas::AttachReject>(ue.receive(only_nas(last_).pdu)).emm_cause, EmmCause::kNetworkFailure);
}

TEST_F(TimerTest, AnswerForAReleasedUeIsIgnored) {
  TestUe ue;
  const TxnId air = start_attach(ue);
  cnn_->release(ue.id);
  EXPECT_FALSE(cnn_->next_deadline());
  answer(air, aia_for(ue));
  EXPECT_TRUE(last_.empty());
}

TEST_F(TimerTest, ManyUesExpireInDeadlineOrder) {
  std::vector<TestUe> ues;
  for (UeId id = 1; id <= 3; ++id) {
    ues.emplace_back();
    ues.back().id = id;
    ues.back().imsi = "00101000000000" + std::to_string(id);
    start_attach(ues.back());
    now_ += 100;
  }
  tick(now_ + 10'000);
  ASSERT_EQ(last_.released.size(), 3u);
  EXPECT_EQ(last_.released, (std::vector<UeId>{1, 2, 3}));
}

}  // namespace
}  // namespace kmebind::cnn::testing
