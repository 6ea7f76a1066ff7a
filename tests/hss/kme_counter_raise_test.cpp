// docs/security.md §4.3 recovery, as the HSS core sees it: after an operator raised a pair's KME
// version counter to N (SubscriberStore::raise_kme_version, `kmebind admin kme renew --imei
// --after-version N`), the next KME-Request is answered with a provisioning of version N + 1, the
// device (which holds a version up to N) opens it, and its confirm is stored as N + 1.
#include "hss_test_support.h"

namespace kmebind::hss::testing {
namespace {

class KmeCounterRaiseTest : public HssBench {};

// The lock-out on a first provisioning: the HSS stored nothing, the device was pushed to 7.
TEST_F(KmeCounterRaiseTest, NextProvisioningAfterARaiseIsVersionNPlusOneAndItsConfirmIsStored) {
  const Device device = kme_subscriber();
  auto before = kmr(kImsi, kImei);
  ASSERT_EQ(before.result, s6a::kSuccess) << event_.reason;
  ASSERT_EQ(std::get<s6a::KmeProvisioning>(before.action).kme_version, 1u);

  ASSERT_TRUE(store_->raise_kme_version(kImsi, kImei, 7, "admin"));
  Procedure2Run run = run_procedure2(kImsi, device);
  EXPECT_EQ(run.provisioning.kme_version, 8u);
  EXPECT_EQ(run.payload.kme_version, 8u) << "the version the device checks against its own";
  s6a::UpdateLocationAnswer ula = ulr(confirm2(kImsi, device, run));
  ASSERT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(ula.kme_version_stored, std::optional<std::uint32_t>(8));
  auto stored = snapshot(kImsi, kImei);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->first, 8u);
  const ByteView kme = run.payload.kme.view();
  EXPECT_EQ(stored->second, Bytes(kme.begin(), kme.end()));
}

// The renewal case: the HSS holds version 1 (the device held it too until a lying CNN pushed it
// to 30). With the KME present the HSS would challenge with version 1; after the raise it
// provisions 31 instead, and a confirm of the provisioning it issued before (version 2) fails.
TEST_F(KmeCounterRaiseTest, RaiseOverAStoredKmeProvisionsAboveItAndRefusesTheOlderProvisioning) {
  const Device device = kme_subscriber();
  provision2(kImsi, device);
  ASSERT_EQ(snapshot(kImsi, kImei)->first, 1u);
  expect_ok(store_->request_kme_renewal(kImsi, "admin"));
  Procedure2Run older = run_procedure2(kImsi, device);
  ASSERT_EQ(older.provisioning.kme_version, 2u);

  ASSERT_TRUE(store_->raise_kme_version(kImsi, kImei, 30, "admin"));
  Procedure2Run run = run_procedure2(kImsi, device);
  EXPECT_EQ(run.provisioning.kme_version, 31u);

  s6a::UpdateLocationAnswer stale = ulr(confirm2(kImsi, device, older));
  EXPECT_EQ(stale.result, s6a::kErrorKmeVersionConflict) << event_.reason;
  EXPECT_FALSE(snapshot(kImsi, kImei).has_value());

  s6a::UpdateLocationAnswer ula = ulr(confirm2(kImsi, device, run));
  ASSERT_EQ(ula.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(ula.kme_version_stored, std::optional<std::uint32_t>(31));
  EXPECT_EQ(snapshot(kImsi, kImei)->first, 31u);
  // And the attach after that authenticates the device with version 31.
  auto next = kmr(kImsi, kImei);
  ASSERT_EQ(next.result, s6a::kSuccess) << event_.reason;
  const auto* challenge = std::get_if<s6a::DeviceChallenge>(&next.action);
  ASSERT_NE(challenge, nullptr) << event_.reason;
  EXPECT_EQ(challenge->kme_version, 31u);
}

}  // namespace
}  // namespace kmebind::hss::testing
