// The ULR of a KME-required pair must carry a proof the HSS checks itself (docs/security.md
// §3.21): a KME-Confirm (provisioning) or a KME-Device-Proof (a device challenge with the stored
// KME: the HSS's challenge token and the device's Rsp).
#include "hss_test_support.h"

namespace kmebind::hss::testing {
namespace {

class DeviceProofTest : public HssBench {
 protected:
  // A KME-required pair with KME version 1 stored, and the KME the device holds.
  Bytes provisioned(const Device& device) { return provision2(kImsi, device); }

  // KME-Request with the stored KME: the challenge the CNN receives.
  s6a::DeviceChallenge challenge(std::int64_t now = kNow, std::string_view imei = kImei) {
    auto kma = kmr(kImsi, imei, now);
    EXPECT_EQ(kma.result, s6a::kSuccess) << event_.reason;
    auto* c = std::get_if<s6a::DeviceChallenge>(&kma.action);
    if (c == nullptr) throw std::runtime_error("no device challenge in the KMA: " + event_.reason);
    return std::move(*c);
  }

  // The ULR a CNN sends after the device answered `c` with the KME it holds.
  static s6a::UpdateLocationRequest proof_ulr(const s6a::DeviceChallenge& c, ByteView device_kme,
                                              std::string_view imei = kImei) {
    s6a::UpdateLocationRequest req = ulr_for(kImsi, imei);
    req.device_proof = s6a::DeviceProof{
        c.kme_version, c.challenge_token,
        take(crypto::compute_rsp(SecretBytes(device_kme), c.nonce))};
    return req;
  }
};

TEST_F(DeviceProofTest, ARspFromTheDeviceHoldingTheStoredKmeRegistersThePair) {
  const Device device = kme_subscriber();
  const Bytes kme = provisioned(device);
  const KmeSnapshot before = snapshot(kImsi, kImei);
  const s6a::DeviceChallenge c = challenge();
  EXPECT_EQ(c.challenge_token.size(), crypto::kChallengeTokenSize);
  auto ula = ulr(proof_ulr(c, kme));
  EXPECT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  EXPECT_FALSE(ula.kme_version_stored.has_value());  // a proof stores nothing
  EXPECT_EQ(snapshot(kImsi, kImei), before);
}

TEST_F(DeviceProofTest, AUlrWithoutProofForAPairWithAStoredKmeIsRefused) {
  const Device device = kme_subscriber();
  provisioned(device);
  auto ula = ulr(ulr_for(kImsi, kImei));
  EXPECT_EQ(ula.result, s6a::kErrorKmeProofMissing);
  EXPECT_NE(event_.reason.find("KME-Device-Proof"), std::string::npos) << event_.reason;
}

// The clone of docs/security.md §4.2 before the hardening: a CNN that skips the KME procedure
// for a pair that never had a KME.
TEST_F(DeviceProofTest, AUlrWithoutConfirmForAPairWithNoKmeYetIsRefused) {
  kme_subscriber();
  auto ula = ulr(ulr_for(kImsi, kImei));
  EXPECT_EQ(ula.result, s6a::kErrorKmeProofMissing);
  EXPECT_NE(event_.reason.find("no KME stored"), std::string::npos) << event_.reason;
  EXPECT_FALSE(snapshot(kImsi, kImei).has_value());
}

// The review's forgery: the CNN gets HXRsp, a hash of the device's Rsp, and cannot turn the
// challenge into a proof without the device (TS 33.501 Annex A.5's HXRES* construction).
TEST_F(DeviceProofTest, ACnnHoldingOnlyTheChallengeCannotMakeTheProof) {
  const Device device = kme_subscriber();
  const Bytes kme = provisioned(device);
  const s6a::DeviceChallenge c = challenge();
  s6a::UpdateLocationRequest req = proof_ulr(c, kme);
  EXPECT_NE(req.device_proof->rsp, c.hxrsp);
  req.device_proof->rsp = c.hxrsp;
  EXPECT_EQ(ulr(req).result, s6a::kErrorDeviceProofFailed);
  EXPECT_EQ(ulr(proof_ulr(c, kme)).result, s6a::kSuccess) << event_.reason;
}

TEST_F(DeviceProofTest, AProofIssuedBeforeARenewalRequestIsRefusedAfterIt) {
  const Device device = kme_subscriber();
  const Bytes kme = provisioned(device);
  const s6a::DeviceChallenge c = challenge();
  expect_ok(store_->request_kme_renewal(kImsi, "test"));
  EXPECT_EQ(ulr(proof_ulr(c, kme)).result, s6a::kErrorDeviceProofFailed);
  EXPECT_NE(event_.reason.find("renewal"), std::string::npos) << event_.reason;
}

TEST_F(DeviceProofTest, ARspMadeWithAnotherKmeIsRefused) {
  const Device device = kme_subscriber();
  provisioned(device);
  const Bytes other(32, 0x77);
  EXPECT_EQ(ulr(proof_ulr(challenge(), other)).result, s6a::kErrorDeviceProofFailed);
}

TEST_F(DeviceProofTest, ARspForAnotherNonceIsRefused) {
  const Device device = kme_subscriber();
  const Bytes kme = provisioned(device);
  const s6a::DeviceChallenge first = challenge();
  const s6a::DeviceChallenge second = challenge();
  s6a::UpdateLocationRequest req = proof_ulr(second, kme);
  req.device_proof->challenge_token = first.challenge_token;  // Rsp answers the second Nonce
  EXPECT_EQ(ulr(req).result, s6a::kErrorDeviceProofFailed);
}

TEST_F(DeviceProofTest, ATokenIssuedForAnotherImeiOfTheSubscriberIsRefused) {
  const Device device = kme_subscriber();
  const Device second = add_device(kImei2);
  allow(kImsi, kImei2);
  const Bytes kme = provisioned(device);
  const Bytes kme2 = provision2(kImsi, second);
  s6a::UpdateLocationRequest req = proof_ulr(challenge(kNow, kImei), kme, kImei2);
  EXPECT_EQ(ulr(req).result, s6a::kErrorDeviceProofFailed);
  EXPECT_EQ(ulr(proof_ulr(challenge(kNow, kImei2), kme2, kImei2)).result, s6a::kSuccess)
      << event_.reason;
}

TEST_F(DeviceProofTest, AnExpiredTokenIsRefused) {
  const Device device = kme_subscriber();
  const Bytes kme = provisioned(device);
  const s6a::DeviceChallenge c = challenge();
  ASSERT_LT(config().challenge_lifetime_s, config().cookie_lifetime_s);  // its own, shorter window
  EXPECT_EQ(ulr(proof_ulr(c, kme), kNow + config().challenge_lifetime_s).result, s6a::kSuccess);
  auto late = ulr(proof_ulr(c, kme), kNow + config().challenge_lifetime_s + 1);
  EXPECT_EQ(late.result, s6a::kErrorDeviceProofFailed);
  EXPECT_NE(event_.reason.find("expired"), std::string::npos) << event_.reason;
}

TEST_F(DeviceProofTest, AProofForTheVersionBeforeARenewalIsRefused) {
  const Device device = kme_subscriber();
  const Bytes old_kme = provisioned(device);
  const s6a::DeviceChallenge old_challenge = challenge();
  expect_ok(store_->request_kme_renewal(kImsi, "test"));
  const Bytes new_kme = provision2(kImsi, device);
  // Rsp from the old KME, token of version 1: version 2 is stored now.
  EXPECT_EQ(ulr(proof_ulr(old_challenge, old_kme)).result, s6a::kErrorDeviceProofFailed);
  // The version in the proof must also be the token's.
  s6a::UpdateLocationRequest req = proof_ulr(challenge(), new_kme);
  req.device_proof->kme_version = 1;
  EXPECT_EQ(ulr(req).result, s6a::kErrorDeviceProofFailed);
}

TEST_F(DeviceProofTest, ATamperedOrTruncatedTokenIsRefused) {
  const Device device = kme_subscriber();
  const Bytes kme = provisioned(device);
  s6a::UpdateLocationRequest req = proof_ulr(challenge(), kme);
  req.device_proof->challenge_token[20] ^= 0x01;
  EXPECT_EQ(ulr(req).result, s6a::kErrorDeviceProofFailed);
  req.device_proof->challenge_token.resize(30);
  EXPECT_EQ(ulr(req).result, s6a::kErrorDeviceProofFailed);
}

TEST_F(DeviceProofTest, AProofForARevokedKmeIsRefused) {
  const Device device = kme_subscriber();
  const Bytes kme = provisioned(device);
  const s6a::DeviceChallenge c = challenge();
  expect_ok(store_->deny_binding(kImsi, kImei, "test"));
  EXPECT_EQ(ulr(proof_ulr(c, kme)).result, s6a::kErrorBindingViolation);
  allow(kImsi, kImei);  // allowed again, but the KME stays revoked
  EXPECT_EQ(ulr(proof_ulr(c, kme)).result, s6a::kErrorDeviceProofFailed);
}

TEST_F(DeviceProofTest, ConfirmAndProofTogetherAreInvalid) {
  const Device device = kme_subscriber();
  const Bytes kme = provisioned(device);
  s6a::UpdateLocationRequest req = proof_ulr(challenge(), kme);
  s6a::KmeConfirm confirm;
  confirm.procedure = s6a::KmeProcedure::kSharedWithCnn;
  confirm.kme_version = 2;
  confirm.kme = filled(9, 32);
  req.kme_confirm = std::move(confirm);
  EXPECT_EQ(ulr(req, kNow, LinkInfo{true}).result, s6a::kInvalidAvpValue);
  EXPECT_EQ(snapshot(kImsi, kImei)->first, 1u);
}

TEST_F(DeviceProofTest, AProofForASubscriberWithoutKmeBindingIsProcedureNotAllowed) {
  add_subscriber(kImsi, store::BindingMode::kImeiCheck);
  allow(kImsi, kImei);
  s6a::UpdateLocationRequest req = ulr_for(kImsi, kImei);
  req.device_proof = s6a::DeviceProof{1, Bytes(crypto::kChallengeTokenSize, 1), Bytes(16, 2)};
  EXPECT_EQ(ulr(req).result, s6a::kErrorProcedureNotAllowed);
  EXPECT_EQ(ulr(ulr_for(kImsi, kImei)).result, s6a::kSuccess);  // imei-check needs no proof
  add_subscriber(kImsi2, store::BindingMode::kNone);
  s6a::UpdateLocationRequest none = ulr_for(kImsi2, kImei);
  none.device_proof = req.device_proof;
  EXPECT_EQ(ulr(none).result, s6a::kErrorProcedureNotAllowed);
}

}  // namespace
}  // namespace kmebind::hss::testing
