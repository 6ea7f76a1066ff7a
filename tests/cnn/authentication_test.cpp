// EPS-AKA from the CNN side: RES check, Authentication reject, AUTS re-synchronisation
// (TS 24.301 §5.4.2, TS 33.102 §6.3.5), and the KSI the CNN picks.
#include "cnn_bench.h"

namespace kmebind::cnn::testing {
namespace {

using nas::EmmCause;

class AuthenticationTest : public CnnBench {
 protected:
  nas::AuthenticationRequest to_challenge(TestUe& ue) {
    const TxnId air = start_attach(ue);
    return give_vector(ue, air, s6a::BindingRequirement::kNone);
  }
};

TEST_F(AuthenticationTest, WrongResGetsAuthenticationReject) {
  TestUe ue;
  const auto r = to_challenge(ue);
  Bytes res = ue.answer_challenge(r);
  res.back() ^= 0x80;
  send(ue, ue.plain(nas::AuthenticationResponse{nas::Octets{res}}));
  const Bytes pdu = only_nas(last_).pdu;
  EXPECT_EQ(pdu, (Bytes{0x07, 0x54}));  // plain Authentication reject
  EXPECT_TRUE(has_event(last_, CnnEventKind::kAuthenticationFailed));
  EXPECT_TRUE(released(last_, ue.id));
  EXPECT_EQ(cnn_->stats().authentication_rejects, 1u);
}

TEST_F(AuthenticationTest, ShorterResIsRejectedToo) {
  TestUe ue;
  const auto r = to_challenge(ue);
  Bytes res = ue.answer_challenge(r);
  res.resize(4);  // a prefix of the right RES
  send(ue, ue.plain(nas::AuthenticationResponse{nas::Octets{res}}));
  (void)as<nas::AuthenticationReject>(ue.receive(only_nas(last_).pdu));
}

TEST_F(AuthenticationTest, SynchFailureSendsAirWithResyncInfoThenAttachCompletes) {
  TestUe ue;
  const auto r = to_challenge(ue);
  const Bytes auts = ue.auts(ue.usim.rand, 0x000000001000);
  nas::AuthenticationFailure f;
  f.emm_cause = EmmCause::kSynchFailure;
  f.authentication_failure_parameter.emplace();
  std::copy(auts.begin(), auts.end(), f.authentication_failure_parameter->begin());
  send(ue, ue.plain(f));
  EXPECT_TRUE(last_.nas.empty());
  const S6aSend& s = only_s6a(last_);
  const auto& air = request_of<s6a::AuthenticationInformationRequest>(s);
  EXPECT_EQ(air.imsi, ue.imsi);
  ASSERT_TRUE(air.resync);
  EXPECT_EQ(air.resync->rand, Bytes(r.rand.begin(), r.rand.end()));
  EXPECT_EQ(air.resync->auts, auts);
  const TxnId txn = s.txn;
  const TxnId ulr = authenticate(ue, give_vector(ue, txn, s6a::BindingRequirement::kNone)).txn;
  finish_attach(ue, ulr);
}

TEST_F(AuthenticationTest, SecondSynchFailureGetsAuthenticationReject) {
  TestUe ue;
  to_challenge(ue);
  nas::AuthenticationFailure f;
  f.emm_cause = EmmCause::kSynchFailure;
  f.authentication_failure_parameter.emplace();
  send(ue, ue.plain(f));
  give_vector(ue, only_s6a(last_).txn, s6a::BindingRequirement::kNone);
  send(ue, ue.plain(f));
  (void)as<nas::AuthenticationReject>(ue.receive(only_nas(last_).pdu));
  EXPECT_TRUE(last_.s6a.empty());
  EXPECT_EQ(event_of(last_, CnnEventKind::kAuthenticationFailed).emm_cause, 21);
}

TEST_F(AuthenticationTest, FailureCausesWithoutResyncGetAuthenticationReject) {
  for (EmmCause cause : {EmmCause::kMacFailure, EmmCause::kNonEpsAuthenticationUnacceptable,
                         EmmCause::kSynchFailure /* without AUTS */}) {
    TestUe ue;
    to_challenge(ue);
    nas::AuthenticationFailure f;
    f.emm_cause = cause;
    send(ue, ue.plain(f));
    (void)as<nas::AuthenticationReject>(ue.receive(only_nas(last_).pdu));
    EXPECT_EQ(event_of(last_, CnnEventKind::kAuthenticationFailed).emm_cause,
              static_cast<std::uint8_t>(cause));
    EXPECT_TRUE(released(last_, ue.id));
  }
}

TEST_F(AuthenticationTest, KsiNeverEqualsTheUesOwnAndCycles) {
  std::vector<std::uint8_t> seen;
  for (UeId id = 1; id <= 9; ++id) {
    TestUe ue;
    ue.id = id;
    nas::AttachRequest a = ue.attach_request();
    a.nas_key_set_identifier.ksi = 1;
    send(ue, ue.plain(a));
    const auto r = give_vector(ue, only_s6a(last_).txn, s6a::BindingRequirement::kNone);
    EXPECT_NE(r.nas_key_set_identifier_asme.ksi, 1);
    EXPECT_LE(r.nas_key_set_identifier_asme.ksi, 6);
    seen.push_back(r.nas_key_set_identifier_asme.ksi);
  }
  EXPECT_EQ(seen[0], 0);
  EXPECT_EQ(seen[1], 2);  // 1 skipped
}

TEST_F(AuthenticationTest, AuthenticationResponseOutOfStateGetsStatus98) {
  TestUe ue;
  const auto r = to_challenge(ue);
  const Bytes response = ue.plain(nas::AuthenticationResponse{nas::Octets{ue.answer_challenge(r)}});
  send(ue, response);
  (void)as<nas::SecurityModeCommand>(ue.receive(only_nas(last_).pdu));
  send(ue, response);  // again, now in security mode control
  EXPECT_EQ(as<nas::EmmStatus>(ue.receive(only_nas(last_).pdu)).emm_cause,
            EmmCause::kMessageTypeNotCompatibleWithProtocolState);
  EXPECT_TRUE(has_event(last_, CnnEventKind::kDiscarded));
  send(ue, ue.protect(ue.security_mode_complete(),
                      nas::SecurityHeaderType::kIntegrityProtectedCipheredNewContext));
  EXPECT_TRUE(std::holds_alternative<s6a::UpdateLocationRequest>(only_s6a(last_).request));
}

}  // namespace
}  // namespace kmebind::cnn::testing
