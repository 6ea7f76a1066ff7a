// Threats against the IMSI/IMEI binding itself (DESIGN.md §6), end to end: each attach is refused
// with EMM cause #6 for the reason the S6a answer or the device names, and the store is left
// exactly as it was.
#include "crypto/ecies.h"
#include "nas/kme_payload.h"
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class BindingThreatTest : public SimTest {
 protected:
  // A device that carries `victim`'s UICC (IMSI, K, OPc) but is another ME: its own IMEI
  // (device index `device`) and key pairs.
  static ue::UeProfile other_device_with_uicc_of(const ue::UeProfile& victim, std::uint64_t device) {
    ue::UeProfile other = take(ue::make_ue_profile(victim.imsi, device, victim.ecies_profile,
                                                   victim.signature_algorithm));
    other.k = victim.k.clone();
    other.opc = victim.opc.clone();
    return other;
  }
};

TEST_F(BindingThreatTest, UiccMovedIntoAnotherDeviceIsABindingViolation) {
  const ue::UeProfile victim = profile(1);
  ASSERT_TRUE(attach(add_ue(victim, only_procedure(2))).attached);
  // The other device is known to the HSS (its keys are registered) but not bound to the IMSI.
  const ue::UeProfile other = other_device_with_uicc_of(victim, 500);
  ok(provision_device(*store_, other, "test"));
  const StoreSnapshot before = snapshot(*store_);

  const UeIndex thief = add_device(other);
  const AttachOutcome o = attach(thief);
  expect_illegal_me(o, thief, victim.imsi);
  EXPECT_TRUE(o.binding_violation);
  EXPECT_EQ(recorder_->last<s6a::KmeRequest>(victim.imsi)->req<s6a::KmeRequest>()->imei, other.imei14);
  EXPECT_EQ(result_of_last<s6a::KmeRequest>(victim.imsi), s6a::kErrorBindingViolation);
  EXPECT_EQ(recorder_->last_nas<nas::KmeProvisioningCommand>(*recorder_->ue_id_of(victim.imsi)), nullptr);
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_EQ(device_kme(thief), nullptr);
}

TEST_F(BindingThreatTest, SpoofedImeiWithoutTheDeviceKeysCannotTakeAKme) {
  // The clone claims the victim's allowed IMEI, but has other key pairs. No KME is stored yet:
  // the HSS encrypts a new KME to the real device's key, which the clone cannot open.
  const ue::UeProfile victim = profile(1);
  ok(provision_subscription(*store_, victim, only_procedure(2), "test"));
  ue::UeProfile clone = other_device_with_uicc_of(victim, 501);
  clone.imei14 = victim.imei14;
  clone.imei15 = victim.imei15;
  const StoreSnapshot before = snapshot(*store_);

  const UeIndex i = add_device(clone);
  const AttachOutcome o = attach(i);
  expect_illegal_me(o, i, victim.imsi);
  EXPECT_EQ(result_of_last<s6a::KmeRequest>(victim.imsi), s6a::kSuccess);
  const NasRecord* reject =
      recorder_->last_nas<nas::KmeProvisioningReject>(*recorder_->ue_id_of(victim.imsi));
  ASSERT_NE(reject, nullptr) << recorder_->dump();
  EXPECT_EQ(reject->as_kme<nas::KmeProvisioningReject>()->cause,
            nas::KmeProvisioningRejectCause::kDecryptionFailed);
  EXPECT_EQ(count_requests(victim.imsi, kUlr), 0u) << "no location update after a failed device check";
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_EQ(device_kme(i), nullptr);
}

TEST_F(BindingThreatTest, SpoofedImeiFailsTheDeviceChallengeOfTheStoredKme) {
  const ue::UeProfile victim = profile(1, /*profile_b=*/true);
  ASSERT_TRUE(attach(add_ue(victim, only_procedure(2))).attached);
  ue::UeProfile clone = other_device_with_uicc_of(victim, 502);
  clone.imei14 = victim.imei14;
  clone.imei15 = victim.imei15;
  const StoreSnapshot before = snapshot(*store_);

  const UeIndex i = add_device(clone);
  const AttachOutcome o = attach(i);
  expect_illegal_me(o, i, victim.imsi);
  const auto* kma = recorder_->last<s6a::KmeRequest>(victim.imsi)->ans<s6a::KmeAnswer>();
  ASSERT_NE(kma, nullptr);
  EXPECT_TRUE(std::holds_alternative<s6a::DeviceChallenge>(kma->action));
  const NasRecord* reject =
      recorder_->last_nas<nas::DeviceAuthenticationReject>(*recorder_->ue_id_of(victim.imsi));
  ASSERT_NE(reject, nullptr) << recorder_->dump();
  EXPECT_EQ(reject->as_kme<nas::DeviceAuthenticationReject>()->cause,
            nas::DeviceAuthenticationRejectCause::kNoKme);
  EXPECT_EQ(count_requests(victim.imsi, kUlr), 1u) << "only the victim's own attach";
  EXPECT_EQ(snapshot(*store_), before);
}

// docs/security.md §3.21 (was residual risk §4.2): a CNN that ignores step 2a — legacy or
// compromised — and sends the ULR without running the device challenge cannot register a clone
// that claims an allowed IMEI: the HSS wants the proof it checks itself.
TEST_F(BindingThreatTest, CnnThatSkipsTheKmeProcedureCannotRegisterACloneOfAnAllowedImei) {
  const ue::UeProfile victim = profile(1);
  ASSERT_TRUE(attach(add_ue(victim, only_procedure(2))).attached);
  ue::UeProfile clone = other_device_with_uicc_of(victim, 600);
  clone.imei14 = victim.imei14;
  clone.imei15 = victim.imei15;
  const StoreSnapshot before = snapshot(*store_);
  recorder_->clear();

  recorder_->on_answer = [](cnn::S6aAnswer& a) {
    if (auto* aia = std::get_if<s6a::AuthenticationInformationAnswer>(&a)) {
      aia->binding = s6a::BindingRequirement::kNone;  // the CNN acts as if step 2a said nothing
    }
  };
  const UeIndex i = add_device(clone);
  const AttachOutcome o = attach(i);
  expect_illegal_me(o, i, victim.imsi);
  EXPECT_EQ(recorder_->last<s6a::KmeRequest>(victim.imsi), nullptr);
  const S6aRecord* ulr = recorder_->last<s6a::UpdateLocationRequest>(victim.imsi);
  ASSERT_NE(ulr, nullptr);
  EXPECT_EQ(ulr->req<s6a::UpdateLocationRequest>()->terminal->imei, victim.imei14);
  EXPECT_FALSE(ulr->req<s6a::UpdateLocationRequest>()->device_proof.has_value());
  EXPECT_EQ(result_of(*ulr->answer), s6a::kErrorKmeProofMissing);
  EXPECT_EQ(snapshot(*store_), before);
}

TEST_F(BindingThreatTest, KmeRequestForAnImeiWithoutKeysIsRefusedWithNoDeviceKey) {
  const ue::UeProfile p = profile(1);
  SubscriptionPolicy policy = only_procedure(2);
  policy.register_device = false;  // the pair is allowed, but the HSS has no public key
  ok(provision_subscription(*store_, p, policy, "test"));
  const StoreSnapshot before = snapshot(*store_);

  const UeIndex i = add_device(p);
  const AttachOutcome o = attach(i);
  expect_illegal_me(o, i, p.imsi);
  EXPECT_EQ(result_of_last<s6a::KmeRequest>(p.imsi), s6a::kErrorNoDeviceKey);
  const auto* kma = recorder_->last<s6a::KmeRequest>(p.imsi)->ans<s6a::KmeAnswer>();
  EXPECT_TRUE(std::holds_alternative<std::monostate>(kma->action));
  EXPECT_EQ(count_requests(p.imsi, kUlr), 0u);
  EXPECT_EQ(snapshot(*store_), before);
}

TEST_F(BindingThreatTest, PayloadNamingAnotherDeviceIsRejectedByTheDevice) {
  // A procedure-1 CNN knows UE A's KME. It re-encrypts A's KME to UE B's public key (which is
  // public) and sends it to B: B would hold A's KME. The IMEI inside the payload stops it.
  const ue::UeProfile a = profile(1);
  const ue::UeProfile b = profile(2);
  const UeIndex ia = add_ue(a, only_procedure(1));
  const UeIndex ib = add_ue(b, only_procedure(1));
  ASSERT_TRUE(attach(ia).attached);
  const SecretBytes kme_a = stored_kme(a)->kme.clone();
  const StoreSnapshot before = snapshot(*store_);

  recorder_->on_answer = [&](cnn::S6aAnswer& answer) {
    auto* kma = std::get_if<s6a::KmeAnswer>(&answer);
    if (!kma) return;
    auto* prov = std::get_if<s6a::KmeProvisioning>(&kma->action);
    if (!prov) return;
    nas::KmePayload forged;
    forged.procedure = nas::KmeProcedure::kSharedWithCnn;
    forged.imei = a.imei15;
    forged.kme_version = prov->kme_version;
    forged.kme = kme_a.clone();
    const SecretBytes plaintext = take(nas::encode_kme_payload(forged));
    prov->encrypted_payload = take(crypto::ecies_encrypt(b.ecies_profile, b.ecies.public_key, plaintext.view()));
    prov->kme = kme_a.clone();
  };
  const AttachOutcome o = attach(ib);
  expect_illegal_me(o, ib, b.imsi);
  const NasRecord* reject = recorder_->last_nas<nas::KmeProvisioningReject>(*recorder_->ue_id_of(b.imsi));
  ASSERT_NE(reject, nullptr) << recorder_->dump();
  EXPECT_EQ(reject->as_kme<nas::KmeProvisioningReject>()->cause, nas::KmeProvisioningRejectCause::kImeiMismatch);
  EXPECT_EQ(count_requests(b.imsi, kUlr), 0u);
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_EQ(device_kme(ib), nullptr);
  EXPECT_EQ(net_->ue(ib).mobile_equipment().kmes().pending(), nullptr);
}

TEST_F(BindingThreatTest, ProcedureOneIsNotOfferedOnALinkThatIsNotConfidential) {
  make_network(hss::LinkInfo{.confidential = false});
  const ue::UeProfile only1 = profile(1);
  const ue::UeProfile both = profile(2);
  const UeIndex i1 = add_ue(only1, only_procedure(1));
  SubscriptionPolicy either;  // both procedures allowed
  const UeIndex i2 = add_ue(both, either);
  const StoreSnapshot before = snapshot(*store_);

  const AttachOutcome o = attach(i1);
  expect_illegal_me(o, i1, only1.imsi);
  EXPECT_EQ(result_of_last<s6a::KmeRequest>(only1.imsi), s6a::kErrorProcedureNotAllowed);
  EXPECT_EQ(snapshot(*store_), before);

  // A subscriber that allows both gets procedure 2 here: the KME never crosses the open link.
  const AttachOutcome o2 = attach(i2);
  ASSERT_TRUE(o2.attached) << trace(o2);
  EXPECT_EQ(o2.kme_procedure, 2);
}

TEST_F(BindingThreatTest, CnnChosenKmeInAProcedureOneConfirmIsRefusedForAProcedureTwoSubscriber) {
  // A CNN that wants to know the KME answers a procedure-2 provisioning with a procedure-1
  // confirm carrying a KME of its own choice.
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  const StoreSnapshot before = snapshot(*store_);
  recorder_->on_request = [](cnn::S6aRequest& r) {
    auto* ulr = std::get_if<s6a::UpdateLocationRequest>(&r);
    if (ulr && ulr->kme_confirm) {
      ulr->kme_confirm->procedure = s6a::KmeProcedure::kSharedWithCnn;
      ulr->kme_confirm->kme = SecretBytes(Bytes(32, 0x5a));
      ulr->kme_confirm->cookie.clear();
      ulr->kme_confirm->signature.clear();
    }
    return true;
  };
  const AttachOutcome o = attach(i);
  expect_illegal_me(o, i, p.imsi);
  EXPECT_EQ(result_of_last<s6a::UpdateLocationRequest>(p.imsi), s6a::kErrorProcedureNotAllowed);
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_EQ(device_kme(i), nullptr) << "the device commits nothing on Attach reject";
}

}  // namespace
}  // namespace kmebind::sim::testing
