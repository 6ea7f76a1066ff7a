// ULR/ULA (TS 29.272 §5.2.1.1) with the binding check (TR 33.868 §5.4.4.2.1.3) and the
// KME-Confirm of seed steps 10-11 for both procedures.
#include "hss_test_support.h"

namespace kmebind::hss::testing {
namespace {

class UlrTest : public HssBench {
 protected:
  // Procedure 1 up to step 9; returns the ULR of step 10 and the KME the device took.
  std::pair<s6a::UpdateLocationRequest, Bytes> run_procedure1(const Device& device) {
    auto kma = kmr(kImsi, device.imei, kNow, LinkInfo{true}, 0x01);
    EXPECT_EQ(kma.result, s6a::kSuccess) << event_.reason;
    auto& prov = std::get<s6a::KmeProvisioning>(kma.action);
    nas::KmePayload payload = take(device.open(prov.encrypted_payload));
    s6a::UpdateLocationRequest req = ulr_for(kImsi, device.imei);
    s6a::KmeConfirm c;
    c.procedure = s6a::KmeProcedure::kSharedWithCnn;
    c.kme_version = prov.kme_version;
    c.kme = std::move(prov.kme);
    c.cookie = std::move(prov.cookie);  // kmebind: the KMA's procedure-1 Cookie
    req.kme_confirm = std::move(c);
    const ByteView kme = payload.kme.view();
    return {std::move(req), Bytes(kme.begin(), kme.end())};
  }
};

TEST_F(UlrTest, Procedure2ConfirmStoresTheKmeTheDeviceHolds) {
  const Device device = kme_subscriber();
  Procedure2Run run = run_procedure2(kImsi, device);
  auto ula = ulr(confirm2(kImsi, device, run));
  ASSERT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(ula.kme_version_stored, std::optional<std::uint32_t>(1));
  auto stored = take(store_->get_kme(kImsi, kImei));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->version, 1u);
  EXPECT_TRUE(stored->kme == run.payload.kme);
  EXPECT_EQ(stored->procedure, store::kKmeProcedure2);
  EXPECT_EQ(stored->source, "procedure-2");
}

TEST_F(UlrTest, Procedure2ConfirmWithEcdsaDeviceStoresTheKme) {
  const Device device = kme_subscriber(kImsi, kImei, crypto::EciesProfile::kB,
                                       crypto::SignatureAlgorithm::kEcdsaP256Sha256);
  const Bytes kme = provision2(kImsi, device);
  EXPECT_EQ(snapshot(kImsi, kImei), KmeSnapshot(std::make_pair(1u, kme)));
}

TEST_F(UlrTest, Procedure1ConfirmOnConfidentialLinkStoresTheKme) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  const Device device = kme_subscriber();
  auto [req, device_kme] = run_procedure1(device);
  auto ula = ulr(req, kNow, LinkInfo{true});
  ASSERT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(ula.kme_version_stored, std::optional<std::uint32_t>(1));
  auto stored = take(store_->get_kme(kImsi, kImei));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(Bytes(stored->kme.view().begin(), stored->kme.view().end()), device_kme);
  EXPECT_EQ(stored->procedure, store::kKmeProcedure1);
  EXPECT_EQ(stored->source, "procedure-1");
}

TEST_F(UlrTest, Procedure1ConfirmOnAPlainLinkIsRefusedAndNothingStored) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  const Device device = kme_subscriber();
  auto [req, device_kme] = run_procedure1(device);
  EXPECT_EQ(ulr(req, kNow, LinkInfo{false}).result, s6a::kErrorProcedureNotAllowed);
  EXPECT_FALSE(snapshot(kImsi, kImei).has_value());
}

TEST_F(UlrTest, Procedure1ConfirmForASubscriberLimitedToProcedure2IsRefused) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  add_subscriber(kImsi, store::BindingMode::kKmeRequired, 0, 1, /*p1=*/false, /*p2=*/true);
  add_device(kImei);
  allow(kImsi, kImei);
  s6a::UpdateLocationRequest req = ulr_for(kImsi, kImei);
  s6a::KmeConfirm c;
  c.procedure = s6a::KmeProcedure::kSharedWithCnn;
  c.kme_version = 1;
  c.kme = filled(3, 32);  // a KME the CNN made up
  req.kme_confirm = std::move(c);
  EXPECT_EQ(ulr(req, kNow, LinkInfo{true}).result, s6a::kErrorProcedureNotAllowed);
  EXPECT_FALSE(snapshot(kImsi, kImei).has_value());
}

// Found by hss_core_fuzz: a procedure-1 confirm needs no KME-Request, so without this check a CNN
// replaced a pair's KME (here one provisioned by procedure 2, which the CNN never saw) with one of
// its own choosing although the pair's KME-Request would only have challenged the device.
TEST_F(UlrTest, Procedure1ConfirmCannotReplaceAKmeWhenNoRenewalWasRequested) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  const Device device = kme_subscriber();
  const Bytes kme = provision2(kImsi, device);
  const KmeSnapshot before = snapshot(kImsi, kImei);
  ASSERT_EQ(before, KmeSnapshot(std::make_pair(1u, kme)));
  s6a::UpdateLocationRequest req = ulr_for(kImsi, kImei);
  s6a::KmeConfirm c;
  c.procedure = s6a::KmeProcedure::kSharedWithCnn;
  c.kme_version = 2;
  c.kme = filled(3, 32);  // a KME the CNN made up
  req.kme_confirm = std::move(c);
  EXPECT_EQ(ulr(req, kNow, LinkInfo{true}).result, s6a::kErrorKmeConfirmFailed);
  EXPECT_EQ(snapshot(kImsi, kImei), before);

  // After a renewal request the KME-Request provisions, and so a procedure-1 confirm is taken.
  ASSERT_TRUE(store_->request_kme_renewal(kImsi, "admin"));
  auto [renewal, device_kme] = run_procedure1(device);
  ASSERT_EQ(renewal.kme_confirm->kme_version, 2u);
  auto ula = ulr(renewal, kNow, LinkInfo{true});
  ASSERT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(snapshot(kImsi, kImei), KmeSnapshot(std::make_pair(2u, device_kme)));
  // The same confirm again (a ULR re-sent after the commit) gets the same answer.
  auto again = ulr(renewal, kNow, LinkInfo{true});
  EXPECT_EQ(again.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(again.kme_version_stored, std::optional<std::uint32_t>(2));
}

// docs/protocol.md §2: a procedure-1 confirm must return the Cookie of its KMA, which names the
// pair, the version and the KME — so a CNN cannot have a KME of its own choosing stored, not even
// for a pair whose KME-Request would provision.
TEST_F(UlrTest, Procedure1ConfirmWithoutItsCookieOrWithAnotherKmeThanItsCookieIsRefused) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  const Device device = kme_subscriber();
  auto [req, device_kme] = run_procedure1(device);
  auto copy = [&req] {
    s6a::UpdateLocationRequest c = ulr_for(kImsi, kImei);
    c.kme_confirm = req.kme_confirm->clone();
    return c;
  };

  s6a::UpdateLocationRequest no_cookie = copy();
  no_cookie.kme_confirm->cookie.clear();
  EXPECT_EQ(ulr(no_cookie, kNow, LinkInfo{true}).result, s6a::kErrorKmeConfirmFailed);

  s6a::UpdateLocationRequest chosen = copy();
  chosen.kme_confirm->kme = filled(3, 32);  // a KME the CNN made up, with the genuine Cookie
  EXPECT_EQ(ulr(chosen, kNow, LinkInfo{true}).result, s6a::kErrorKmeConfirmFailed);

  s6a::UpdateLocationRequest other_version = copy();
  other_version.kme_confirm->kme_version = 2;
  EXPECT_EQ(ulr(other_version, kNow, LinkInfo{true}).result, s6a::kErrorKmeConfirmFailed);

  s6a::UpdateLocationRequest tampered = copy();
  tampered.kme_confirm->cookie.back() ^= 0x01;
  EXPECT_EQ(ulr(tampered, kNow, LinkInfo{true}).result, s6a::kErrorKmeConfirmFailed);

  // A procedure-2 Cookie does not open as a procedure-1 one (another AAD label).
  Procedure2Run run2 = run_procedure2(kImsi, device);
  s6a::UpdateLocationRequest crossed = copy();
  crossed.kme_confirm->cookie = run2.provisioning.cookie;
  crossed.kme_confirm->kme = run2.payload.kme.clone();
  EXPECT_EQ(ulr(crossed, kNow, LinkInfo{true}).result, s6a::kErrorKmeConfirmFailed);

  EXPECT_EQ(ulr(req, kNow + 301, LinkInfo{true}).result, s6a::kErrorCookieExpired);
  EXPECT_FALSE(snapshot(kImsi, kImei).has_value());

  auto ula = ulr(req, kNow, LinkInfo{true});
  ASSERT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(snapshot(kImsi, kImei), KmeSnapshot(std::make_pair(1u, device_kme)));
}

TEST_F(UlrTest, MalformedConfirmsAreInvalidAvpValue) {
  config_.allow_procedure1 = true;
  rebuild_hss();
  kme_subscriber();
  s6a::UpdateLocationRequest req = ulr_for(kImsi, kImei);
  s6a::KmeConfirm c;
  c.procedure = s6a::KmeProcedure::kSharedWithCnn;
  c.kme_version = 1;
  c.kme = filled(3, 31);
  req.kme_confirm = c.clone();
  EXPECT_EQ(ulr(req, kNow, LinkInfo{true}).result, s6a::kInvalidAvpValue);
  c.kme = filled(3, 32);
  c.kme_version = 0;
  req.kme_confirm = c.clone();
  EXPECT_EQ(ulr(req, kNow, LinkInfo{true}).result, s6a::kInvalidAvpValue);
  c.kme_version = 1;
  c.procedure = static_cast<s6a::KmeProcedure>(9);
  req.kme_confirm = c.clone();
  EXPECT_EQ(ulr(req, kNow, LinkInfo{true}).result, s6a::kInvalidAvpValue);
  EXPECT_FALSE(snapshot(kImsi, kImei).has_value());
}

TEST_F(UlrTest, ImeiCheckSubscriberNeedsTerminalInformationForAnAllowedPair) {
  add_subscriber(kImsi, store::BindingMode::kImeiCheck);
  allow(kImsi, kImei);
  auto ok = ulr(ulr_for(kImsi, kImei));
  EXPECT_EQ(ok.result, s6a::kSuccess) << event_.reason;
  EXPECT_FALSE(ok.kme_version_stored.has_value());
  auto no_terminal = ulr_for(kImsi, kImei);
  no_terminal.terminal.reset();
  EXPECT_EQ(ulr(no_terminal).result, s6a::kMissingAvp);
  auto empty_imei = ulr_for(kImsi, "");
  EXPECT_EQ(ulr(empty_imei).result, s6a::kMissingAvp);
  EXPECT_EQ(ulr(ulr_for(kImsi, "12")).result, s6a::kInvalidAvpValue);
}

TEST_F(UlrTest, SubscriberWithoutBindingIgnoresTerminalInformationButRefusesAConfirm) {
  add_subscriber(kImsi, store::BindingMode::kNone);
  auto req = ulr_for(kImsi, kImei);
  EXPECT_EQ(ulr(req).result, s6a::kSuccess);
  req.terminal.reset();
  EXPECT_EQ(ulr(req).result, s6a::kSuccess);
  req = ulr_for(kImsi, kImei);
  s6a::KmeConfirm c;
  c.kme_version = 1;
  c.kme = filled(3, 32);
  req.kme_confirm = std::move(c);
  EXPECT_EQ(ulr(req, kNow, LinkInfo{true}).result, s6a::kErrorProcedureNotAllowed);
}

TEST_F(UlrTest, ConfirmForAnImeiCheckSubscriberIsProcedureNotAllowed) {
  add_subscriber(kImsi, store::BindingMode::kImeiCheck);
  add_device(kImei);
  allow(kImsi, kImei);
  auto req = ulr_for(kImsi, kImei);
  s6a::KmeConfirm c;
  c.procedure = s6a::KmeProcedure::kHiddenFromCnn;
  c.kme_version = 1;
  c.cookie = Bytes(crypto::kCookieSize, 0);
  req.kme_confirm = std::move(c);
  EXPECT_EQ(ulr(req).result, s6a::kErrorProcedureNotAllowed);
  EXPECT_FALSE(snapshot(kImsi, kImei).has_value());
}

TEST_F(UlrTest, UlaCarriesTheConfiguredMsisdn) {
  config_.msisdn = "491701234567";
  rebuild_hss();
  add_subscriber(kImsi, store::BindingMode::kNone);
  EXPECT_EQ(ulr(ulr_for(kImsi, kImei)).msisdn, "491701234567");
}

TEST_F(UlrTest, UnknownImsiAndMalformedRequestsAreRefused) {
  add_subscriber(kImsi, store::BindingMode::kNone);
  EXPECT_EQ(ulr(ulr_for(kImsi2, kImei)).result, s6a::kErrorUserUnknown);
  EXPECT_EQ(ulr(ulr_for("", kImei)).result, s6a::kMissingAvp);
  auto bad_plmn = ulr_for(kImsi, kImei);
  bad_plmn.visited_plmn_id = Bytes(4, 0);
  EXPECT_EQ(ulr(bad_plmn).result, s6a::kInvalidAvpValue);
}

}  // namespace
}  // namespace kmebind::hss::testing
