// KME-Request (seed steps 2a, 3, 4; docs/protocol.md step 5): provisioning for procedures 1 and
// 2 as the device sees it, device challenges with a stored KME, renewal, policy and refusals.
#include <random>

#include "hss/payload_sealing.h"
#include "hss_test_support.h"
#include "nas/ie_identity.h"

namespace kmebind::hss::testing {
namespace {

class KmeRequestTest : public HssBench {};

TEST(ImeiCheckDigit, IsTheLuhnDigitOfTs23003AnnexB) {
  EXPECT_EQ(imei_with_check_digit("49015420323751"), "490154203237518");
  EXPECT_EQ(imei_with_check_digit("35693803564380"), "356938035643809");
  std::mt19937 gen(7);
  std::uniform_int_distribution<int> digit(0, 9);
  for (int i = 0; i < 200; ++i) {
    std::string imei;
    for (int d = 0; d < 14; ++d) imei.push_back(static_cast<char>('0' + digit(gen)));
    const std::string full = imei_with_check_digit(imei);
    EXPECT_TRUE(nas::imei_check_digit_ok(full)) << full;
    std::string wrong = full;
    wrong[14] = static_cast<char>('0' + (full[14] - '0' + 1) % 10);
    EXPECT_FALSE(nas::imei_check_digit_ok(wrong)) << wrong;
  }
}

struct DeviceKind {
  crypto::EciesProfile profile;
  crypto::SignatureAlgorithm alg;
  std::uint8_t s6a_profile;
};

class ProvisioningByProfile : public HssBench,
                              public ::testing::WithParamInterface<DeviceKind> {};

TEST_P(ProvisioningByProfile, Procedure2PayloadOpensOnlyForTheDeviceAndRspMatchesXrsp) {
  const DeviceKind kind = GetParam();
  const Device device = kme_subscriber(kImsi, kImei, kind.profile, kind.alg);
  auto kma = kmr(kImsi, kImei);
  ASSERT_EQ(kma.result, s6a::kSuccess) << event_.reason;
  const auto* prov = std::get_if<s6a::KmeProvisioning>(&kma.action);
  ASSERT_NE(prov, nullptr);
  EXPECT_EQ(prov->procedure, s6a::KmeProcedure::kHiddenFromCnn);
  EXPECT_EQ(prov->ecies_profile, kind.s6a_profile);
  EXPECT_EQ(prov->kme_version, 1u);
  EXPECT_TRUE(prov->kme.empty()) << "procedure 2 never shows KME to the CNN";
  EXPECT_EQ(prov->cookie.size(), crypto::kCookieSize);
  ASSERT_EQ(prov->xrsp.size(), crypto::kRspSize);

  nas::KmePayload payload = take(device.open(prov->encrypted_payload));
  EXPECT_EQ(payload.procedure, nas::KmeProcedure::kNotSharedWithCnn);
  EXPECT_EQ(payload.imei.substr(0, 14), kImei) << "the device checks the IMEI is its own";
  EXPECT_TRUE(nas::imei_check_digit_ok(payload.imei));
  EXPECT_EQ(payload.kme_version, 1u);
  EXPECT_EQ(payload.kme.size(), crypto::kKmeSize);
  ASSERT_TRUE(payload.nonce.has_value());
  const Bytes rsp = take(crypto::compute_rsp(payload.kme, *payload.nonce));
  EXPECT_TRUE(crypto::rsp_matches(prov->xrsp, rsp));

  const Device stranger = Device::make(kImei2, kind.profile, kind.alg);
  EXPECT_FALSE(stranger.open(prov->encrypted_payload).has_value());
  EXPECT_FALSE(snapshot(kImsi, kImei).has_value()) << "a KME-Request stores nothing";
}

INSTANTIATE_TEST_SUITE_P(
    Devices, ProvisioningByProfile,
    ::testing::Values(
        DeviceKind{crypto::EciesProfile::kA, crypto::SignatureAlgorithm::kEd25519, 1},
        DeviceKind{crypto::EciesProfile::kB, crypto::SignatureAlgorithm::kEcdsaP256Sha256, 2}));

TEST_F(KmeRequestTest, Procedure1OnConfidentialLinkGivesTheCnnTheKmeInThePayload) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  const Device device = kme_subscriber();
  auto kma = kmr(kImsi, kImei, kNow, LinkInfo{true}, /*supported=*/0x01);
  ASSERT_EQ(kma.result, s6a::kSuccess) << event_.reason;
  const auto* prov = std::get_if<s6a::KmeProvisioning>(&kma.action);
  ASSERT_NE(prov, nullptr);
  EXPECT_EQ(prov->procedure, s6a::KmeProcedure::kSharedWithCnn);
  EXPECT_EQ(prov->kme_version, 1u);
  EXPECT_EQ(prov->cookie.size(), crypto::kCookieSize);  // kmebind: for the confirm to return
  EXPECT_TRUE(prov->xrsp.empty());
  nas::KmePayload payload = take(device.open(prov->encrypted_payload));
  EXPECT_EQ(payload.procedure, nas::KmeProcedure::kSharedWithCnn);
  EXPECT_FALSE(payload.nonce.has_value());
  EXPECT_TRUE(payload.kme == prov->kme);
  // Steps 5-9: the CNN's Nonce, the device's Rsp, the CNN's check.
  const Bytes nonce = take(crypto::random_bytes(crypto::kNonceSize));
  EXPECT_TRUE(crypto::rsp_matches(take(crypto::compute_rsp(prov->kme, nonce)),
                                  take(crypto::compute_rsp(payload.kme, nonce))));
}

TEST_F(KmeRequestTest, Procedure2IsPreferredWhenBothAreAvailable) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  kme_subscriber();
  auto kma = kmr(kImsi, kImei, kNow, LinkInfo{true}, 0x03);
  ASSERT_EQ(kma.result, s6a::kSuccess);
  EXPECT_EQ(std::get<s6a::KmeProvisioning>(kma.action).procedure,
            s6a::KmeProcedure::kHiddenFromCnn);
}

TEST_F(KmeRequestTest, Procedure1IsNeverOfferedOnAPlainLink) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  kme_subscriber();
  EXPECT_EQ(kmr(kImsi, kImei, kNow, LinkInfo{false}, 0x01).result,
            s6a::kErrorProcedureNotAllowed);
  auto both = kmr(kImsi, kImei, kNow, LinkInfo{false}, 0x03);
  ASSERT_EQ(both.result, s6a::kSuccess);
  EXPECT_EQ(std::get<s6a::KmeProvisioning>(both.action).procedure,
            s6a::KmeProcedure::kHiddenFromCnn);
}

TEST_F(KmeRequestTest, Procedure1IsNeverOfferedWhenDisabledInConfig) {
  kme_subscriber();
  EXPECT_EQ(kmr(kImsi, kImei, kNow, LinkInfo{true}, 0x01).result,
            s6a::kErrorProcedureNotAllowed);
}

TEST_F(KmeRequestTest, SubscriberPolicyChoosesAmongProcedures) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  add_subscriber(kImsi, store::BindingMode::kKmeRequired, 0, 1, /*p1=*/true, /*p2=*/false);
  add_device(kImei);
  allow(kImsi, kImei);
  auto kma = kmr(kImsi, kImei, kNow, LinkInfo{true}, 0x03);
  ASSERT_EQ(kma.result, s6a::kSuccess);
  EXPECT_EQ(std::get<s6a::KmeProvisioning>(kma.action).procedure,
            s6a::KmeProcedure::kSharedWithCnn);
  EXPECT_EQ(kmr(kImsi, kImei, kNow, LinkInfo{true}, 0x02).result,
            s6a::kErrorProcedureNotAllowed);
  EXPECT_EQ(kmr(kImsi, kImei, kNow, LinkInfo{true}, 0x00).result,
            s6a::kErrorProcedureNotAllowed);
}

TEST_F(KmeRequestTest, StoredKmeGivesADeviceChallengeTheDeviceAnswers) {
  const Device device = kme_subscriber();
  const Bytes kme = provision2(kImsi, device);
  auto kma = kmr(kImsi, kImei);
  ASSERT_EQ(kma.result, s6a::kSuccess) << event_.reason;
  const auto* challenge = std::get_if<s6a::DeviceChallenge>(&kma.action);
  ASSERT_NE(challenge, nullptr);
  EXPECT_EQ(challenge->kme_version, 1u);
  ASSERT_EQ(challenge->nonce.size(), crypto::kNonceSize);
  // The CNN gets HXRsp: the hash of the device's Rsp, not the Rsp itself (security.md §3.21).
  const Bytes rsp = take(crypto::compute_rsp(SecretBytes(ByteView(kme)), challenge->nonce));
  EXPECT_FALSE(crypto::rsp_matches(challenge->hxrsp, rsp));
  EXPECT_TRUE(
      crypto::rsp_matches(challenge->hxrsp, take(crypto::compute_hxrsp(challenge->nonce, rsp))));
  const Bytes wrong = take(crypto::compute_rsp(filled(1, 32), challenge->nonce));
  EXPECT_FALSE(
      crypto::rsp_matches(challenge->hxrsp, take(crypto::compute_hxrsp(challenge->nonce, wrong))));
  auto again = kmr(kImsi, kImei);
  EXPECT_NE(std::get<s6a::DeviceChallenge>(again.action).nonce, challenge->nonce);
}

TEST_F(KmeRequestTest, RenewalRequestProvisionsTheNextVersionThenChallengesAgain) {
  const Device device = kme_subscriber();
  const Bytes first = provision2(kImsi, device);
  expect_ok(store_->request_kme_renewal(kImsi, "test"));
  Procedure2Run run = run_procedure2(kImsi, device);
  EXPECT_EQ(run.provisioning.kme_version, 2u);
  EXPECT_EQ(run.payload.kme_version, 2u);
  auto ula = ulr(confirm2(kImsi, device, run));
  ASSERT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(ula.kme_version_stored, std::optional<std::uint32_t>(2));
  auto stored = snapshot(kImsi, kImei);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->first, 2u);
  EXPECT_NE(stored->second, first);
  auto kma = kmr(kImsi, kImei);
  ASSERT_EQ(kma.result, s6a::kSuccess);
  EXPECT_EQ(std::get<s6a::DeviceChallenge>(kma.action).kme_version, 2u)
      << "storing the KME cleared the renewal request";
}

TEST_F(KmeRequestTest, ARevokedKmeIsFollowedByTheNextVersionNotVersionOne) {
  const Device device = kme_subscriber();
  provision2(kImsi, device);
  expect_ok(store_->deny_binding(kImsi, kImei, "test"));
  allow(kImsi, kImei);
  ASSERT_FALSE(snapshot(kImsi, kImei).has_value());
  Procedure2Run run = run_procedure2(kImsi, device);
  EXPECT_EQ(run.provisioning.kme_version, 2u);
  auto ula = ulr(confirm2(kImsi, device, run));
  ASSERT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(snapshot(kImsi, kImei)->first, 2u);
}

TEST_F(KmeRequestTest, FifteenDigitImeiWithCheckDigitIsTheSameDevice) {
  const Device device = kme_subscriber();
  auto kma = kmr(kImsi, "356938035643809");
  ASSERT_EQ(kma.result, s6a::kSuccess) << event_.reason;
  auto payload = take(device.open(std::get<s6a::KmeProvisioning>(kma.action).encrypted_payload));
  EXPECT_EQ(payload.imei, "356938035643809");
  EXPECT_EQ(kmr(kImsi, "356938035643808").result, s6a::kInvalidAvpValue) << "wrong check digit";
}

TEST_F(KmeRequestTest, SubscriberWithoutKmeBindingIsProcedureNotAllowed) {
  add_subscriber(kImsi, store::BindingMode::kNone);
  add_subscriber(kImsi2, store::BindingMode::kImeiCheck);
  add_device(kImei);
  allow(kImsi, kImei);
  allow(kImsi2, kImei);
  EXPECT_EQ(kmr(kImsi, kImei).result, s6a::kErrorProcedureNotAllowed);
  EXPECT_EQ(kmr(kImsi2, kImei).result, s6a::kErrorProcedureNotAllowed);
}

TEST_F(KmeRequestTest, UnknownSubscriberAndMalformedIdentitiesAreRefused) {
  kme_subscriber();
  EXPECT_EQ(kmr(kImsi2, kImei).result, s6a::kErrorUserUnknown);
  EXPECT_EQ(kmr("", kImei).result, s6a::kMissingAvp);
  EXPECT_EQ(kmr(kImsi, "").result, s6a::kMissingAvp);
  EXPECT_EQ(kmr(kImsi, "3569380356438").result, s6a::kInvalidAvpValue);
  EXPECT_EQ(kmr(kImsi, "3569380356438x").result, s6a::kInvalidAvpValue);
  EXPECT_EQ(kmr("12345", kImei).result, s6a::kInvalidAvpValue);
  const std::string nul_imei("3569380356\0380", 14);
  EXPECT_EQ(kmr(kImsi, nul_imei).result, s6a::kInvalidAvpValue);
  auto refused = kmr(kImsi2, kImei);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(refused.action));
}

}  // namespace
}  // namespace kmebind::hss::testing
