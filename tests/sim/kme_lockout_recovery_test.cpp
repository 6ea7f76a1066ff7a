// docs/security.md §4.3 and docs/admin.md "A device locked out by its KME version", end to end
// with the real UE, CNN and HSS cores: a lying CNN pushes the device's KME version ahead, the
// honest network's provisionings are refused as rollbacks, and raising the pair's version counter
// to the device's version (SubscriberStore::raise_kme_version, `kmebind admin kme renew --imei
// --after-version N`) lets the next attach provision version N + 1 and register the device.
#include "crypto/ecies.h"
#include "crypto/kme.h"
#include "nas/kme_payload.h"
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class KmeLockoutRecoveryTest : public SimTest {
 protected:
  // Makes the next attach of `p` commit a KME of version `version` that the HSS never issued: the
  // CNN replaces the provisioning with its own payload, strips the confirm from the ULR and tells
  // the UE the KME was stored, whatever the HSS answered (as
  // ResidualRiskTest.LyingCnnCanLockTheDeviceOutByPushingItsKmeVersionAhead).
  void lie_on_both_sides(const ue::UeProfile& p, std::uint32_t version) {
    const nas::KmeNonce nonce{0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
                              0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33};
    recorder_->on_answer = [this, p = &p, version, nonce](cnn::S6aAnswer& a) {
      if (auto* kma = std::get_if<s6a::KmeAnswer>(&a)) {
        auto* prov = std::get_if<s6a::KmeProvisioning>(&kma->action);
        if (prov == nullptr) return;
        nas::KmePayload payload;
        payload.procedure = nas::KmeProcedure::kNotSharedWithCnn;
        payload.imei = p->imei15;
        payload.kme_version = version;
        payload.kme = forged_kme_.clone();
        payload.nonce = nonce;
        const SecretBytes plain = take(nas::encode_kme_payload(payload));
        prov->encrypted_payload =
            take(crypto::ecies_encrypt(p->ecies_profile, p->ecies.public_key, plain.view()));
        prov->kme_version = version;
        prov->xrsp = take(crypto::compute_rsp(forged_kme_, nonce));
      }
      if (auto* ula = std::get_if<s6a::UpdateLocationAnswer>(&a)) {
        ula->result = s6a::kSuccess;  // whatever the HSS said about the ULR without a confirm
        ula->kme_version_stored = version;
      }
    };
    recorder_->on_request = [](cnn::S6aRequest& r) {
      if (auto* ulr = std::get_if<s6a::UpdateLocationRequest>(&r)) ulr->kme_confirm.reset();
      return true;
    };
  }
  void honest() {
    recorder_->on_answer = nullptr;
    recorder_->on_request = nullptr;
  }
  // The KME version the HSS offered in the last KME-Answer for `imsi` (0: none).
  std::uint32_t last_offered_version(std::string_view imsi) const {
    const S6aRecord* r = recorder_->last<s6a::KmeRequest>(imsi);
    if (r == nullptr || !r->answer) return 0;
    const auto* kma = r->ans<s6a::KmeAnswer>();
    if (kma == nullptr) return 0;
    const auto* prov = std::get_if<s6a::KmeProvisioning>(&kma->action);
    return prov == nullptr ? 0 : prov->kme_version;
  }

  const SecretBytes forged_kme_{Bytes(32, 0x77)};
};

TEST_F(KmeLockoutRecoveryTest, DeviceLockedOutOnItsFirstProvisioningAttachesAfterTheCounterIsRaised) {
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  constexpr std::uint32_t kForged = 1000;
  lie_on_both_sides(p, kForged);
  ASSERT_TRUE(attach(i).attached);
  ASSERT_EQ(device_kme(i)->version, kForged);
  ASSERT_FALSE(stored_kme(p).has_value());

  honest();
  const AttachOutcome locked = attach(i);
  expect_illegal_me(locked, i, p.imsi);
  EXPECT_EQ(last_offered_version(p.imsi), 1u);

  auto before = store_->raise_kme_version(p.imsi, p.imei14, kForged, "admin");
  ASSERT_TRUE(before) << before.error().what();
  EXPECT_EQ(before->counter, 0u);
  const AttachOutcome recovered = attach(i);
  EXPECT_TRUE(recovered.attached) << trace(recovered);
  EXPECT_EQ(last_offered_version(p.imsi), kForged + 1);
  ASSERT_NE(device_kme(i), nullptr);
  EXPECT_EQ(device_kme(i)->version, kForged + 1);
  EXPECT_NE(device_kme(i)->kme, forged_kme_);
  ASSERT_TRUE(stored_kme(p).has_value());
  EXPECT_EQ(stored_kme(p)->version, kForged + 1);
  EXPECT_EQ(stored_kme(p)->kme, device_kme(i)->kme);

  // The next attach authenticates the device with that KME.
  const AttachOutcome next = attach(i);
  EXPECT_TRUE(next.attached) << trace(next);
  EXPECT_TRUE(next.device_authenticated) << trace(next);
}

TEST_F(KmeLockoutRecoveryTest, DeviceLockedOutDuringARenewalAttachesAfterTheCounterIsRaised) {
  const ue::UeProfile p = profile(2);
  const UeIndex i = add_ue(p, only_procedure(2));
  ASSERT_TRUE(attach(i).attached);
  ASSERT_EQ(stored_kme(p)->version, 1u);
  ok(store_->request_kme_renewal(p.imsi, "admin"));
  constexpr std::uint32_t kForged = 50;
  lie_on_both_sides(p, kForged);
  ASSERT_TRUE(attach(i).attached);
  ASSERT_EQ(device_kme(i)->version, kForged);
  ASSERT_EQ(stored_kme(p)->version, 1u) << "the HSS still holds version 1";

  honest();
  expect_illegal_me(attach(i), i, p.imsi);  // the renewal offers version 2: a rollback
  EXPECT_EQ(last_offered_version(p.imsi), 2u);

  // The device's version is not known to the operator: a value above it is as good.
  auto before = store_->raise_kme_version(p.imsi, p.imei14, 5000, "admin");
  ASSERT_TRUE(before) << before.error().what();
  EXPECT_EQ(before->counter, 1u);
  EXPECT_TRUE(before->kme_present);
  const AttachOutcome recovered = attach(i);
  EXPECT_TRUE(recovered.attached) << trace(recovered);
  EXPECT_EQ(device_kme(i)->version, 5001u);
  EXPECT_EQ(stored_kme(p)->version, 5001u);
  EXPECT_EQ(stored_kme(p)->kme, device_kme(i)->kme);
}

// A raise below the device's version does not help (the device still refuses), and says nothing
// false: the counter is where the operator put it, and a second, higher raise recovers.
TEST_F(KmeLockoutRecoveryTest, RaiseBelowTheDevicesVersionLeavesItLockedAndAHigherOneRecovers) {
  const ue::UeProfile p = profile(3);
  const UeIndex i = add_ue(p, only_procedure(2));
  lie_on_both_sides(p, 300);
  ASSERT_TRUE(attach(i).attached);
  honest();
  ASSERT_TRUE(store_->raise_kme_version(p.imsi, p.imei14, 100, "admin"));
  expect_illegal_me(attach(i), i, p.imsi);
  EXPECT_EQ(last_offered_version(p.imsi), 101u);
  EXPECT_EQ(take(store_->kme_version(p.imsi, p.imei14)), 100u);
  ASSERT_TRUE(store_->raise_kme_version(p.imsi, p.imei14, 300, "admin"));
  const AttachOutcome recovered = attach(i);
  EXPECT_TRUE(recovered.attached) << trace(recovered);
  EXPECT_EQ(device_kme(i)->version, 301u);
}

}  // namespace
}  // namespace kmebind::sim::testing
