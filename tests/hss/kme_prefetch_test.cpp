// KME material on the AIA (docs/protocol.md "KME material on the AIA", s6a::KmePrefetch): the
// AIR answers the KME-Request for the one IMEI a KME-binding subscription allows, and the ULR
// takes that material exactly as a KME-Answer's; any reason the KME-Request would be refused
// leaves the AIA without material and otherwise unchanged.
#include "hss/procedure_policy.h"
#include "hss_test_support.h"

namespace kmebind::hss::testing {
namespace {

constexpr std::uint8_t kBothProcedures = kSupportsProcedure1 | kSupportsProcedure2;

class KmePrefetchTest : public HssBench {
 protected:
  s6a::AuthenticationInformationAnswer air(std::uint8_t procedures = kBothProcedures,
                                           std::int64_t now = kNow, LinkInfo link = {},
                                           std::optional<s6a::ResyncInfo> resync = {}) {
    s6a::AuthenticationInformationRequest req{std::string(kImsi), kPlmn, 1, std::move(resync),
                                              procedures};
    return hss_->on_air(req, now, link, event_);
  }

  // The material of a successful AIA, or a test failure naming why there is none.
  std::shared_ptr<const s6a::KmePrefetch> material(
      const s6a::AuthenticationInformationAnswer& aia) {
    EXPECT_EQ(aia.result, s6a::kSuccess) << event_.reason;
    if (aia.kme_prefetch == nullptr) throw std::runtime_error("no KME material: " + event_.reason);
    return aia.kme_prefetch;
  }

  static const s6a::KmeProvisioning& provisioning(
      const std::shared_ptr<const s6a::KmePrefetch>& m) {
    const auto* p = std::get_if<s6a::KmeProvisioning>(&m->action);
    if (p == nullptr) throw std::runtime_error("the material is not a provisioning");
    return *p;
  }

  // An AIA that is what it would be without the prefetch: success, one vector, `binding`.
  void expect_plain(const s6a::AuthenticationInformationAnswer& aia,
                    s6a::BindingRequirement binding) {
    EXPECT_EQ(aia.result, s6a::kSuccess) << event_.reason;
    EXPECT_EQ(aia.vectors.size(), 1u);
    EXPECT_EQ(aia.binding, binding);
    EXPECT_EQ(aia.kme_prefetch, nullptr) << event_.reason;
  }

  // Procedure 2 steps 7-9 on material from the AIA: the device opens the payload and signs.
  static Procedure2Run open_and_sign(const Device& device,
                                     const std::shared_ptr<const s6a::KmePrefetch>& m) {
    const s6a::KmeProvisioning& p = provisioning(m);
    nas::KmePayload payload = take(device.open(p.encrypted_payload));
    Bytes signature = device.sign_transcript(kImsi, payload);
    s6a::KmeProvisioning copy{p.procedure,   p.ecies_profile, p.kme_version, p.encrypted_payload,
                              p.kme.clone(), p.cookie,        p.xrsp};
    return Procedure2Run{std::move(copy), std::move(payload), std::move(signature)};
  }

  static s6a::UpdateLocationRequest proof_from(const s6a::DeviceChallenge& c, ByteView kme) {
    s6a::UpdateLocationRequest req = ulr_for(kImsi, kImei);
    req.device_proof = s6a::DeviceProof{c.kme_version, c.challenge_token,
                                        take(crypto::compute_rsp(SecretBytes(kme), c.nonce))};
    return req;
  }
};

TEST_F(KmePrefetchTest, TheOneAllowedImeiGetsProcedure2MaterialWhoseConfirmTheUlrStores) {
  const Device device = kme_subscriber();
  const auto aia = air();
  EXPECT_EQ(aia.vectors.size(), 1u);
  EXPECT_EQ(aia.binding, s6a::BindingRequirement::kKmeRequired);
  const auto m = material(aia);
  EXPECT_EQ(m->imei, kImei);
  EXPECT_NE(event_.reason.find("KME material for IMEI " + std::string(kImei) + " attached"),
            std::string::npos)
      << event_.reason;
  const s6a::KmeProvisioning& prov = provisioning(m);
  EXPECT_EQ(prov.procedure, s6a::KmeProcedure::kHiddenFromCnn);
  EXPECT_EQ(prov.kme_version, 1u);
  EXPECT_TRUE(prov.kme.empty());
  EXPECT_EQ(prov.cookie.size(), crypto::kCookieSize);
  EXPECT_FALSE(snapshot(kImsi, kImei).has_value()) << "the AIR stores no KME";

  const Procedure2Run run = open_and_sign(device, m);
  EXPECT_EQ(run.payload.imei.substr(0, 14), kImei);
  EXPECT_TRUE(crypto::rsp_matches(prov.xrsp,
                                  take(crypto::compute_rsp(run.payload.kme, *run.payload.nonce))));
  const auto ula = ulr(confirm2(kImsi, device, run));
  ASSERT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(ula.kme_version_stored, std::optional<std::uint32_t>(1));
  const ByteView kme = run.payload.kme.view();
  EXPECT_EQ(snapshot(kImsi, kImei), KmeSnapshot(std::make_pair(1u, Bytes(kme.begin(), kme.end()))));
}

TEST_F(KmePrefetchTest, ACookieFromTheAirLivesTheCookieLifetimeFromTheAirsTime) {
  const Device device = kme_subscriber();
  const auto m = material(air());
  const s6a::UpdateLocationRequest req = confirm2(kImsi, device, open_and_sign(device, m));
  EXPECT_EQ(ulr(req, kNow + config().cookie_lifetime_s + 1).result, s6a::kErrorCookieExpired);
  EXPECT_EQ(ulr(req, kNow + config().cookie_lifetime_s).result, s6a::kSuccess) << event_.reason;
}

TEST_F(KmePrefetchTest, Procedure2IsChosenWhenBothAreSupportedAndAllowed) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  kme_subscriber();
  const auto m = material(air(kBothProcedures, kNow, LinkInfo{true}));
  EXPECT_EQ(provisioning(m).procedure, s6a::KmeProcedure::kHiddenFromCnn);
}

TEST_F(KmePrefetchTest, Procedure1MaterialOnAConfidentialLinkIsConfirmedByTheUlr) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  add_subscriber(kImsi, store::BindingMode::kKmeRequired, 0, 1, /*procedure1=*/true,
                 /*procedure2=*/false);
  const Device device = add_device(kImei);
  allow(kImsi, kImei);
  const auto m = material(air(kBothProcedures, kNow, LinkInfo{true}));
  const s6a::KmeProvisioning& prov = provisioning(m);
  ASSERT_EQ(prov.procedure, s6a::KmeProcedure::kSharedWithCnn);
  const nas::KmePayload payload = take(device.open(prov.encrypted_payload));
  EXPECT_TRUE(payload.kme == prov.kme);

  s6a::UpdateLocationRequest req = ulr_for(kImsi, kImei);
  s6a::KmeConfirm c;
  c.procedure = s6a::KmeProcedure::kSharedWithCnn;
  c.kme_version = prov.kme_version;
  c.kme = prov.kme.clone();
  c.cookie = prov.cookie;
  req.kme_confirm = std::move(c);
  const auto ula = ulr(req, kNow, LinkInfo{true});
  ASSERT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  const ByteView kme = payload.kme.view();
  EXPECT_EQ(snapshot(kImsi, kImei), KmeSnapshot(std::make_pair(1u, Bytes(kme.begin(), kme.end()))));
}

TEST_F(KmePrefetchTest, Procedure1IsNotOfferedOnAPlainLinkOrWithoutAllowProcedure1) {
  add_subscriber(kImsi, store::BindingMode::kKmeRequired, 0, 1, /*procedure1=*/true,
                 /*procedure2=*/false);
  add_device(kImei);
  allow(kImsi, kImei);
  expect_plain(air(kBothProcedures, kNow, LinkInfo{true}), s6a::BindingRequirement::kKmeRequired);
  EXPECT_NE(event_.reason.find("no KME material attached"), std::string::npos) << event_.reason;
  config_.allow_procedure1 = true;
  rebuild_hss();
  expect_plain(air(kBothProcedures, kNow, LinkInfo{false}), s6a::BindingRequirement::kKmeRequired);
  EXPECT_EQ(provisioning(material(air(kBothProcedures, kNow, LinkInfo{true}))).procedure,
            s6a::KmeProcedure::kSharedWithCnn);
}

TEST_F(KmePrefetchTest, APairWithAStoredKmeGetsAChallengeWhoseProofTheUlrAccepts) {
  const Device device = kme_subscriber();
  const Bytes kme = provision2(kImsi, device);
  const KmeSnapshot before = snapshot(kImsi, kImei);
  const auto m = material(air(kBothProcedures, kNow + 10));
  EXPECT_EQ(m->imei, kImei);
  const auto* c = std::get_if<s6a::DeviceChallenge>(&m->action);
  ASSERT_NE(c, nullptr) << event_.reason;
  EXPECT_EQ(c->kme_version, 1u);
  const Bytes rsp = take(crypto::compute_rsp(SecretBytes(kme), c->nonce));
  EXPECT_EQ(c->hxrsp, take(crypto::compute_hxrsp(c->nonce, rsp)));

  const auto late = ulr(proof_from(*c, kme), kNow + 10 + config().challenge_lifetime_s + 1);
  EXPECT_EQ(late.result, s6a::kErrorDeviceProofFailed) << "the token's lifetime runs from the AIR";
  const auto ula = ulr(proof_from(*c, kme), kNow + 10 + config().challenge_lifetime_s);
  EXPECT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  EXPECT_FALSE(ula.kme_version_stored.has_value());
  EXPECT_EQ(snapshot(kImsi, kImei), before);
}

TEST_F(KmePrefetchTest, ARenewalRequestedForTheStoredKmeGivesProvisioningOfTheNextVersion) {
  const Device device = kme_subscriber();
  provision2(kImsi, device);
  expect_ok(store_->request_kme_renewal(kImsi, "test"));
  const auto m = material(air());
  EXPECT_EQ(provisioning(m).kme_version, 2u);
  EXPECT_EQ(ulr(confirm2(kImsi, device, open_and_sign(device, m))).result, s6a::kSuccess)
      << event_.reason;
  EXPECT_EQ(snapshot(kImsi, kImei)->first, 2u);
}

TEST_F(KmePrefetchTest, AnAirThatDoesNotAskGetsNoMaterial) {
  kme_subscriber();
  expect_plain(air(0), s6a::BindingRequirement::kKmeRequired);
  EXPECT_EQ(event_.reason, "vectors issued");
}

TEST_F(KmePrefetchTest, AnHssConfiguredWithoutPrefetchAttachesNothing) {
  config_.kme_prefetch = false;
  rebuild_hss();
  kme_subscriber();
  expect_plain(air(), s6a::BindingRequirement::kKmeRequired);
  EXPECT_EQ(event_.reason, "vectors issued");
}

TEST_F(KmePrefetchTest, SubscribersWithoutKmeBindingGetNoMaterial) {
  add_subscriber(kImsi, store::BindingMode::kImeiCheck);
  add_device(kImei);
  allow(kImsi, kImei);
  expect_plain(air(), s6a::BindingRequirement::kImeiCheck);
  EXPECT_EQ(event_.reason, "vectors issued");
  expect_ok(store_->set_binding_mode(kImsi, store::BindingMode::kNone, "test"));
  expect_plain(air(), s6a::BindingRequirement::kNone);
  EXPECT_EQ(event_.reason, "vectors issued");
}

TEST_F(KmePrefetchTest, ASubscriptionWithNoAllowedImeiGetsNoMaterial) {
  add_subscriber(kImsi, store::BindingMode::kKmeRequired);
  add_device(kImei);
  expect_plain(air(), s6a::BindingRequirement::kKmeRequired);
  EXPECT_NE(event_.reason.find("allows 0 IMEIs"), std::string::npos) << event_.reason;
}

TEST_F(KmePrefetchTest, ASubscriptionWithTwoAllowedImeisGetsNoMaterial) {
  kme_subscriber();
  add_device(kImei2);
  allow(kImsi, kImei2);
  expect_plain(air(), s6a::BindingRequirement::kKmeRequired);
  EXPECT_NE(event_.reason.find("allows 2 or more IMEIs"), std::string::npos) << event_.reason;
  allow(kImsi, "35693803564406");
  expect_plain(air(), s6a::BindingRequirement::kKmeRequired);
  EXPECT_NE(event_.reason.find("allows 2 or more IMEIs"), std::string::npos) << event_.reason;
  expect_ok(store_->deny_binding(kImsi, "35693803564406", "test"));
  expect_ok(store_->deny_binding(kImsi, kImei2, "test"));
  EXPECT_EQ(material(air())->imei, kImei);
}

TEST_F(KmePrefetchTest, ADeviceWithoutPublicKeysGetsNoMaterial) {
  add_subscriber(kImsi, store::BindingMode::kKmeRequired);
  allow(kImsi, kImei);
  expect_plain(air(), s6a::BindingRequirement::kKmeRequired);
  EXPECT_NE(event_.reason.find("no public keys"), std::string::npos) << event_.reason;
}

TEST_F(KmePrefetchTest, NoProcedureAllowedForTheSubscriberGivesNoMaterial) {
  add_subscriber(kImsi, store::BindingMode::kKmeRequired, 0, 1, /*procedure1=*/false,
                 /*procedure2=*/false);
  add_device(kImei);
  allow(kImsi, kImei);
  expect_plain(air(), s6a::BindingRequirement::kKmeRequired);
  EXPECT_NE(event_.reason.find("no KME procedure"), std::string::npos) << event_.reason;
}

TEST_F(KmePrefetchTest, ACnnSupportingOnlyAProcedureTheHssWillNotRunGetsNoMaterial) {
  kme_subscriber();
  expect_plain(air(kSupportsProcedure1), s6a::BindingRequirement::kKmeRequired);
}

TEST_F(KmePrefetchTest, ARefusedAirCarriesNoMaterial) {
  kme_subscriber();
  s6a::AuthenticationInformationRequest req{std::string(kImsi2), kPlmn, 1, std::nullopt,
                                            kBothProcedures};
  const auto aia = hss_->on_air(req, kNow, LinkInfo{}, event_);
  EXPECT_EQ(aia.result, s6a::kErrorUserUnknown);
  EXPECT_EQ(aia.kme_prefetch, nullptr);
}

TEST_F(KmePrefetchTest, AnAirWithResynchronisationStillCarriesMaterial) {
  kme_subscriber();
  const Usim usim = usim_of(1);
  const Bytes rand(16, 0x5a);
  const s6a::AuthenticationInformationRequest plain{std::string(kImsi), kPlmn, 1, std::nullopt};
  ASSERT_EQ(hss_->on_air(plain, kNow).result, s6a::kSuccess);
  const std::uint64_t sqn_ms = 32 * 100;
  const auto aia = air(kBothProcedures, kNow, {}, s6a::ResyncInfo{rand, usim.auts(rand, sqn_ms)});
  ASSERT_EQ(aia.vectors.size(), 1u);
  EXPECT_EQ(usim.check_autn(aia.vectors[0].rand, aia.vectors[0].autn),
            std::optional<std::uint64_t>(sqn_ms + 32));
  EXPECT_NE(event_.reason.find("re-synchronised"), std::string::npos) << event_.reason;
  EXPECT_EQ(provisioning(material(aia)).kme_version, 1u);
}

}  // namespace
}  // namespace kmebind::hss::testing
