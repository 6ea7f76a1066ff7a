// KME material on the AIA is made at the AIR, up to ~40 s before the ULR that uses it
// (CnnConfig::kme_prefetch_max_age_ms plus the KME procedure's NAS round trips): an operator
// change of the pair in between (deny_binding, raise_kme_version, request_kme_renewal) and
// material presented for another IMSI or IMEI must be refused by the ULR exactly as material
// from a KME-Request would be (docs/security.md §3.22 "Threat 1"), and nothing stored.
#include "hss_test_support.h"

namespace kmebind::hss::testing {
namespace {

class KmePrefetchBindingChangeTest : public HssBench {
 protected:
  // The AIA's material for `imsi` (the AIR asks for both procedures, plain link).
  std::shared_ptr<s6a::KmePrefetch> material(std::string_view imsi = kImsi) {
    s6a::AuthenticationInformationRequest req{std::string(imsi), kPlmn, 1, std::nullopt, 0x03};
    auto aia = hss_->on_air(req, kNow, LinkInfo{}, event_);
    EXPECT_EQ(aia.result, s6a::kSuccess) << event_.reason;
    if (aia.kme_prefetch == nullptr) throw std::runtime_error("no KME material: " + event_.reason);
    return aia.kme_prefetch;
  }

  // Procedure 2 steps 7-9 on the AIA's material: the device opens the payload and signs.
  static Procedure2Run open_and_sign(std::string_view imsi, const Device& device,
                                     const s6a::KmePrefetch& m) {
    const auto* p = std::get_if<s6a::KmeProvisioning>(&m.action);
    if (p == nullptr) throw std::runtime_error("the material is not a provisioning");
    nas::KmePayload payload = take(device.open(p->encrypted_payload));
    Bytes signature = device.sign_transcript(imsi, payload);
    s6a::KmeProvisioning copy{
        p->procedure,   p->ecies_profile, p->kme_version, p->encrypted_payload,
        p->kme.clone(), p->cookie,        p->xrsp};
    return Procedure2Run{std::move(copy), std::move(payload), std::move(signature)};
  }

  // The ULR with the device's proof for the AIA's challenge, as the genuine device answers it.
  static s6a::UpdateLocationRequest proof(std::string_view imsi, std::string_view imei,
                                          const s6a::KmePrefetch& m, const Bytes& kme) {
    const auto* c = std::get_if<s6a::DeviceChallenge>(&m.action);
    if (c == nullptr) throw std::runtime_error("the material is not a device challenge");
    s6a::UpdateLocationRequest req = ulr_for(imsi, imei);
    req.device_proof = s6a::DeviceProof{c->kme_version, c->challenge_token,
                                        take(crypto::compute_rsp(SecretBytes(kme), c->nonce))};
    return req;
  }

  // A genuine confirm made from the AIA's provisioning is refused once `change` ran after the
  // AIR, and the pair's KME is what it was.
  template <typename Change>
  void expect_provisioning_refused_after(Change&& change, s6a::ResultCode expected) {
    const Device device = kme_subscriber();
    const auto m = material();
    const s6a::UpdateLocationRequest req =
        confirm2(kImsi, device, open_and_sign(kImsi, device, *m));
    change();
    const KmeSnapshot before = snapshot(kImsi, kImei);
    EXPECT_EQ(ulr(req, kNow + 1).result, expected) << event_.reason;
    EXPECT_EQ(snapshot(kImsi, kImei), before) << "a refused confirm stored a KME";
  }

  // A genuine proof for the AIA's challenge is refused once `change` ran after the AIR.
  template <typename Change>
  void expect_challenge_refused_after(Change&& change, s6a::ResultCode expected) {
    const Device device = kme_subscriber();
    const Bytes kme = provision2(kImsi, device);
    const auto m = material();
    ASSERT_TRUE(std::holds_alternative<s6a::DeviceChallenge>(m->action)) << event_.reason;
    const s6a::UpdateLocationRequest req = proof(kImsi, kImei, *m, kme);
    change();
    EXPECT_EQ(ulr(req, kNow + 1).result, expected) << event_.reason;
  }
};

TEST_F(KmePrefetchBindingChangeTest, ABindingDeniedAfterTheAirRefusesTheAiasProvisioning) {
  expect_provisioning_refused_after([&] { expect_ok(store_->deny_binding(kImsi, kImei, "test")); },
                                    s6a::kErrorBindingViolation);
}

TEST_F(KmePrefetchBindingChangeTest, AVersionRaisedAfterTheAirRefusesTheAiasProvisioning) {
  expect_provisioning_refused_after(
      [&] { ASSERT_TRUE(store_->raise_kme_version(kImsi, kImei, 5, "test")); },
      s6a::kErrorKmeVersionConflict);
}

TEST_F(KmePrefetchBindingChangeTest, ABindingDeniedAfterTheAirRefusesTheAiasChallenge) {
  expect_challenge_refused_after([&] { expect_ok(store_->deny_binding(kImsi, kImei, "test")); },
                                 s6a::kErrorBindingViolation);
}

TEST_F(KmePrefetchBindingChangeTest, ARenewalRequestedAfterTheAirRefusesTheAiasChallenge) {
  expect_challenge_refused_after([&] { expect_ok(store_->request_kme_renewal(kImsi, "test")); },
                                 s6a::kErrorDeviceProofFailed);
}

TEST_F(KmePrefetchBindingChangeTest, AKmeRevokedAfterTheAirRefusesTheAiasChallenge) {
  // raise_kme_version to the current version only revokes the present KME (`kme revoke`).
  expect_challenge_refused_after(
      [&] { ASSERT_TRUE(store_->raise_kme_version(kImsi, kImei, 1, "test")); },
      s6a::kErrorDeviceProofFailed);
}

// The Cookie and the challenge token name the IMSI and IMEI they were made for: a CNN that
// presents them in the ULR of another subscriber (bound to the same device) or of another device
// (allowed for the same subscriber) is refused.
TEST_F(KmePrefetchBindingChangeTest, TheAiasProvisioningIsRefusedForAnotherImsiOrImei) {
  const Device device = kme_subscriber();
  add_subscriber(kImsi2, store::BindingMode::kKmeRequired);
  allow(kImsi2, kImei);
  const auto m = material();
  const Procedure2Run run = open_and_sign(kImsi, device, *m);

  s6a::UpdateLocationRequest other_imsi = confirm2(kImsi, device, run);
  other_imsi.imsi = std::string(kImsi2);
  EXPECT_NE(ulr(other_imsi).result, s6a::kSuccess) << event_.reason;
  EXPECT_FALSE(snapshot(kImsi2, kImei).has_value());

  add_device(kImei2);
  allow(kImsi, kImei2);
  s6a::UpdateLocationRequest other_imei = confirm2(kImsi, device, run);
  other_imei.terminal->imei = std::string(kImei2);
  EXPECT_NE(ulr(other_imei).result, s6a::kSuccess) << event_.reason;
  EXPECT_FALSE(snapshot(kImsi, kImei2).has_value());
  EXPECT_FALSE(snapshot(kImsi, kImei).has_value());

  // The control: the same confirm for the pair it was made for is stored.
  EXPECT_EQ(ulr(confirm2(kImsi, device, run)).result, s6a::kSuccess) << event_.reason;
}

TEST_F(KmePrefetchBindingChangeTest, TheAiasChallengeIsRefusedForAnotherImsiOrImei) {
  const Device device = kme_subscriber();
  const Bytes kme = provision2(kImsi, device);
  add_subscriber(kImsi2, store::BindingMode::kKmeRequired);
  allow(kImsi2, kImei);
  const auto m = material();
  EXPECT_EQ(ulr(proof(kImsi2, kImei, *m, kme)).result, s6a::kErrorDeviceProofFailed)
      << event_.reason;
  add_device(kImei2);
  allow(kImsi, kImei2);
  EXPECT_NE(ulr(proof(kImsi, kImei2, *m, kme)).result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(ulr(proof(kImsi, kImei, *m, kme)).result, s6a::kSuccess) << event_.reason;
}

}  // namespace
}  // namespace kmebind::hss::testing
