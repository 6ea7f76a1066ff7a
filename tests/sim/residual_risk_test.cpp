// Residual risks (docs/security.md §"Residual risks") shown end to end, so that the document's
// claims are checked and a change that closes one of them is noticed (the expectation then
// flips). These tests assert what kmebind does today, not what it should do.
#include "crypto/ecies.h"
#include "crypto/kme.h"
#include "nas/kme_payload.h"
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class ResidualRiskTest : public SimTest {};

TEST_F(ResidualRiskTest, ProcedureOneHandsTheKmeToTheCnnInTheKmaAndTheUlr) {
  const ue::UeProfile p = profile(1);
  ASSERT_TRUE(attach(add_ue(p, only_procedure(1))).attached);
  const SecretBytes stored = stored_kme(p)->kme.clone();
  const auto* kma = recorder_->last<s6a::KmeRequest>(p.imsi)->ans<s6a::KmeAnswer>();
  ASSERT_NE(kma, nullptr);
  EXPECT_EQ(std::get<s6a::KmeProvisioning>(kma->action).kme, stored);
  const auto* ulr = recorder_->last<s6a::UpdateLocationRequest>(p.imsi)->req<s6a::UpdateLocationRequest>();
  EXPECT_EQ(ulr->kme_confirm->kme, stored);
}

TEST_F(ResidualRiskTest, LyingCnnCanLockTheDeviceOutByPushingItsKmeVersionAhead) {
  // The ECIES payload gives confidentiality, not origin: anyone holding the device's public key
  // can make one. A serving CNN that lies on both links (it strips the confirm from the ULR,
  // ignores the HSS's refusal of that ULR and tells the UE the KME was stored) makes the device
  // commit a KME of its own choice with a high version. The HSS then issues version 1, which the
  // device refuses as a rollback (cause 5), and `kme renew` does not help: nothing is stored, so
  // the next issue is version 1 again.
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  constexpr std::uint32_t kForgedVersion = 1000;
  const SecretBytes forged_kme(Bytes(32, 0x77));
  const nas::KmeNonce nonce{0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
                            0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33};
  recorder_->on_answer = [&](cnn::S6aAnswer& a) {
    if (auto* kma = std::get_if<s6a::KmeAnswer>(&a)) {
      auto& prov = std::get<s6a::KmeProvisioning>(kma->action);
      nas::KmePayload payload;
      payload.procedure = nas::KmeProcedure::kNotSharedWithCnn;
      payload.imei = p.imei15;
      payload.kme_version = kForgedVersion;
      payload.kme = forged_kme.clone();
      payload.nonce = nonce;
      const SecretBytes plain = take(nas::encode_kme_payload(payload));
      prov.encrypted_payload = take(crypto::ecies_encrypt(p.ecies_profile, p.ecies.public_key, plain.view()));
      prov.kme_version = kForgedVersion;
      prov.xrsp = take(crypto::compute_rsp(forged_kme, nonce));
    }
    if (auto* ula = std::get_if<s6a::UpdateLocationAnswer>(&a)) {
      ula->result = s6a::kSuccess;  // the HSS refused the ULR without a confirm (§3.21)
      ula->kme_version_stored = kForgedVersion;
    }
  };
  recorder_->on_request = [](cnn::S6aRequest& r) {
    if (auto* ulr = std::get_if<s6a::UpdateLocationRequest>(&r)) ulr->kme_confirm.reset();
    return true;
  };
  const AttachOutcome lied = attach(i);
  ASSERT_TRUE(lied.attached) << trace(lied);
  ASSERT_NE(device_kme(i), nullptr);
  EXPECT_EQ(device_kme(i)->version, kForgedVersion);
  EXPECT_EQ(device_kme(i)->kme, forged_kme);
  EXPECT_FALSE(stored_kme(p).has_value()) << "the HSS stored nothing";

  // An honest network afterwards: version 1 is refused by the device, before and after renew.
  recorder_->on_answer = nullptr;
  recorder_->on_request = nullptr;
  for (const bool renew : {false, true}) {
    if (renew) ok(store_->request_kme_renewal(p.imsi, "test"));
    const AttachOutcome o = attach(i);
    expect_illegal_me(o, i, p.imsi);
    const NasRecord* reject = recorder_->last_nas<nas::KmeProvisioningReject>(*recorder_->ue_id_of(p.imsi));
    ASSERT_NE(reject, nullptr) << recorder_->dump();
    EXPECT_EQ(reject->as_kme<nas::KmeProvisioningReject>()->cause,
              nas::KmeProvisioningRejectCause::kVersionNotNewer);
    EXPECT_EQ(reject->as_kme<nas::KmeProvisioningReject>()->committed_kme_version,
              std::optional<std::uint32_t>(kForgedVersion));
    EXPECT_EQ(device_kme(i)->version, kForgedVersion);
  }
}

TEST_F(ResidualRiskTest, StoreSnapshotSeesTheChangesARefusalMustNotMake) {
  // The threat tests compare snapshots; this shows a snapshot does change with a stored KME, a
  // renewal request and a new KME version.
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  const StoreSnapshot empty = snapshot(*store_);
  ASSERT_TRUE(attach(i).attached);
  const StoreSnapshot v1 = snapshot(*store_);
  EXPECT_NE(v1, empty);
  ok(store_->request_kme_renewal(p.imsi, "test"));
  const StoreSnapshot renewal = snapshot(*store_);
  EXPECT_NE(renewal, v1);
  ASSERT_TRUE(attach(i).attached);
  EXPECT_NE(snapshot(*store_), renewal);
}

}  // namespace
}  // namespace kmebind::sim::testing
