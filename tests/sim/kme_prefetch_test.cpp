// KME material on the AIA end to end (docs/protocol.md "KME material on the AIA"; the daemons'
// default on both sides): the HSS puts on the AIA what the KME-Request for the subscription's one
// allowed IMEI would get, the CNN uses it when the IMEISV carries that IMEI — an attach with KME
// binding then costs 2 S6a round trips (AIR, ULR) instead of 3 — and the binding is as strong: a
// device that is not the bound one still fails on the device's keys, the CNN's check or the ULR.
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class KmePrefetchSimTest : public SimTest {
 protected:
  static cnn::CnnConfig config_with_prefetch(bool on) {
    cnn::CnnConfig c = cnn_config();
    c.kme_prefetch = on;
    return c;
  }

  void SetUp() override {
    SimTest::SetUp();
    make_network(hss::LinkInfo{.confidential = true}, config_with_prefetch(true));
  }

  std::size_t s6a_requests(std::string_view imsi) const { return recorder_->s6a_of(imsi).size(); }

  // The KME material the AIA of `imsi`'s last AIR carried, as the CNN received it (or null).
  const s6a::KmePrefetch* aia_material(std::string_view imsi) const {
    const S6aRecord* air = recorder_->last<s6a::AuthenticationInformationRequest>(imsi);
    const auto* aia = air ? air->ans<s6a::AuthenticationInformationAnswer>() : nullptr;
    return aia ? aia->kme_prefetch.get() : nullptr;
  }

  // A device that carries `victim`'s UICC (IMSI, K, OPc) but is another ME.
  static ue::UeProfile other_device_with_uicc_of(const ue::UeProfile& victim,
                                                 std::uint64_t device) {
    ue::UeProfile other = take(ue::make_ue_profile(victim.imsi, device, victim.ecies_profile,
                                                   victim.signature_algorithm));
    other.k = victim.k.clone();
    other.opc = victim.opc.clone();
    return other;
  }
};

// Issue #5's figure: one S6a round trip fewer per attach with KME binding, same KME stored.
class KmePrefetchRoundTripTest : public KmePrefetchSimTest,
                                 public ::testing::WithParamInterface<bool> {};

TEST_P(KmePrefetchRoundTripTest, Procedure2AttachTakesTwoS6aRequestsWithMaterialAndThreeWithout) {
  const bool prefetch = GetParam();
  make_network(hss::LinkInfo{.confidential = true}, config_with_prefetch(prefetch));
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(2));
  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  EXPECT_EQ(o.kme_procedure, 2);

  std::vector<std::string> expected = {
      "UL Attach request", "S6a AIR", "S6a AIA", "DL Authentication request",
      "UL Authentication response", "DL Security mode command", "UL Security mode complete",
      "DL KME Provisioning Command", "UL KME Provisioning Response", "S6a ULR", "S6a ULA",
      "DL Attach accept", "UL Attach complete"};
  if (!prefetch) expected.insert(expected.begin() + 7, {"S6a KME-Request", "S6a KME-Answer"});
  ASSERT_EQ(recorder_->timeline_of(p.imsi), expected) << recorder_->dump();
  EXPECT_EQ(s6a_requests(p.imsi), prefetch ? 2u : 3u);
  EXPECT_EQ(recorder_->last<s6a::AuthenticationInformationRequest>(p.imsi)
                ->req<s6a::AuthenticationInformationRequest>()
                ->kme_prefetch_procedures,
            prefetch ? 0x03 : 0x00);
  if (prefetch) {
    ASSERT_NE(aia_material(p.imsi), nullptr);
    EXPECT_EQ(aia_material(p.imsi)->imei, p.imei14);
  } else {
    EXPECT_EQ(aia_material(p.imsi), nullptr);
  }
  const cnn::CnnStats st = net_->cnn().stats();
  EXPECT_EQ(st.kme_prefetch_used, prefetch ? 1u : 0u);

  // Either way the HSS stored the KME the device committed.
  const auto stored = stored_kme(p);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->version, 1u);
  ASSERT_NE(device_kme(i), nullptr);
  EXPECT_EQ(device_kme(i)->kme, stored->kme);
}

std::string prefetch_name(const ::testing::TestParamInfo<bool>& param) {
  return param.param ? "On" : "Off";
}
INSTANTIATE_TEST_SUITE_P(Prefetch, KmePrefetchRoundTripTest, ::testing::Values(true, false),
                         prefetch_name);

TEST_F(KmePrefetchSimTest, Procedure1OnAConfidentialLinkTakesTwoS6aRequests) {
  const ue::UeProfile p = profile(2, /*profile_b=*/true);
  const UeIndex i = add_ue(p, only_procedure(1));
  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  EXPECT_EQ(o.kme_procedure, 1);
  EXPECT_EQ(s6a_requests(p.imsi), 2u) << recorder_->dump();
  const auto stored = stored_kme(p);
  ASSERT_TRUE(stored.has_value());
  ASSERT_NE(device_kme(i), nullptr);
  EXPECT_EQ(device_kme(i)->kme, stored->kme);
}

TEST_F(KmePrefetchSimTest, TheNextAttachIsADeviceChallengeFromTheAia) {
  const ue::UeProfile p = profile(3);
  const UeIndex i = add_ue(p, only_procedure(2));
  ASSERT_TRUE(attach(i).attached);
  const StoreSnapshot before = snapshot(*store_);
  recorder_->clear();

  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  EXPECT_TRUE(o.device_authenticated);
  EXPECT_EQ(o.kme_version, 1u);
  const std::vector<std::string> expected = {
      "UL Attach request", "S6a AIR", "S6a AIA", "DL Authentication request",
      "UL Authentication response", "DL Security mode command", "UL Security mode complete",
      "DL Device Authentication Request", "UL Device Authentication Response", "S6a ULR",
      "S6a ULA", "DL Attach accept", "UL Attach complete"};
  ASSERT_EQ(recorder_->timeline_of(p.imsi), expected) << recorder_->dump();
  ASSERT_NE(aia_material(p.imsi), nullptr);
  EXPECT_TRUE(std::holds_alternative<s6a::DeviceChallenge>(aia_material(p.imsi)->action));
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_EQ(net_->cnn().stats().kme_prefetch_used, 2u);
}

// --- the binding is as strong with the material on the AIA ---------------------------------------

TEST_F(KmePrefetchSimTest, ACloneClaimingTheAllowedImeiCannotOpenTheAiasMaterial) {
  const ue::UeProfile victim = profile(4);
  ok(provision_subscription(*store_, victim, only_procedure(2), "test"));
  ue::UeProfile clone = other_device_with_uicc_of(victim, 701);
  clone.imei14 = victim.imei14;
  clone.imei15 = victim.imei15;
  const StoreSnapshot before = snapshot(*store_);

  const UeIndex i = add_device(clone);
  const AttachOutcome o = attach(i);
  expect_illegal_me(o, i, victim.imsi);
  ASSERT_NE(aia_material(victim.imsi), nullptr) << "the material was on the AIA";
  EXPECT_EQ(recorder_->last<s6a::KmeRequest>(victim.imsi), nullptr);
  const NasRecord* reject =
      recorder_->last_nas<nas::KmeProvisioningReject>(*recorder_->ue_id_of(victim.imsi));
  ASSERT_NE(reject, nullptr) << recorder_->dump();
  EXPECT_EQ(reject->as_kme<nas::KmeProvisioningReject>()->cause,
            nas::KmeProvisioningRejectCause::kDecryptionFailed);
  EXPECT_EQ(count_requests(victim.imsi, kUlr), 0u);
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_EQ(device_kme(i), nullptr);
}

TEST_F(KmePrefetchSimTest, ACloneClaimingTheAllowedImeiFailsTheAiasChallenge) {
  const ue::UeProfile victim = profile(5, /*profile_b=*/true);
  ASSERT_TRUE(attach(add_ue(victim, only_procedure(2))).attached);
  ue::UeProfile clone = other_device_with_uicc_of(victim, 702);
  clone.imei14 = victim.imei14;
  clone.imei15 = victim.imei15;
  const StoreSnapshot before = snapshot(*store_);
  recorder_->clear();

  const UeIndex i = add_device(clone);
  const AttachOutcome o = attach(i);
  expect_illegal_me(o, i, victim.imsi);
  ASSERT_NE(aia_material(victim.imsi), nullptr);
  EXPECT_TRUE(std::holds_alternative<s6a::DeviceChallenge>(aia_material(victim.imsi)->action));
  EXPECT_NE(recorder_->last_nas<nas::DeviceAuthenticationReject>(
                *recorder_->ue_id_of(victim.imsi)),
            nullptr)
      << recorder_->dump();
  EXPECT_EQ(count_requests(victim.imsi, kUlr), 0u);
  EXPECT_EQ(snapshot(*store_), before);
}

TEST_F(KmePrefetchSimTest, TheUiccInAnotherDeviceGetsTheKmeRequestAndItsBindingViolation) {
  const ue::UeProfile victim = profile(6);
  ASSERT_TRUE(attach(add_ue(victim, only_procedure(2))).attached);
  const ue::UeProfile other = other_device_with_uicc_of(victim, 703);
  ok(provision_device(*store_, other, "test"));
  const StoreSnapshot before = snapshot(*store_);
  recorder_->clear();

  const UeIndex thief = add_device(other);
  const AttachOutcome o = attach(thief);
  expect_illegal_me(o, thief, victim.imsi);
  EXPECT_TRUE(o.binding_violation);
  ASSERT_NE(aia_material(victim.imsi), nullptr);
  EXPECT_EQ(aia_material(victim.imsi)->imei, victim.imei14) << "material for the bound IMEI";
  const S6aRecord* kmr = recorder_->last<s6a::KmeRequest>(victim.imsi);
  ASSERT_NE(kmr, nullptr) << recorder_->dump();
  EXPECT_EQ(kmr->req<s6a::KmeRequest>()->imei, other.imei14);
  EXPECT_EQ(result_of_last<s6a::KmeRequest>(victim.imsi), s6a::kErrorBindingViolation);
  EXPECT_EQ(net_->cnn().stats().kme_prefetch_unused, 1u);
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_EQ(device_kme(thief), nullptr);
}

// The AIR's material leaves no state behind (the HSS keeps none between KME material and ULR):
// attaches that end before the IMEI is known store nothing, and the next attach provisions
// version 1 as usual.
TEST_F(KmePrefetchSimTest, AnAttachAbandonedBeforeSecurityModeCompleteStoresNothing) {
  const ue::UeProfile p = profile(7);
  const UeIndex i = add_ue(p, only_procedure(2));
  const StoreSnapshot before = snapshot(*store_);
  recorder_->on_nas = [](cnn::UeId, Bytes& pdu, bool uplink) {
    // Drop the Security mode complete (the only type-4 uplink PDU): T3460 runs out.
    return !(uplink && !pdu.empty() && (pdu[0] >> 4) == 4);
  };
  const AttachOutcome o = attach(i);
  EXPECT_FALSE(o.attached) << trace(o);
  ASSERT_NE(aia_material(p.imsi), nullptr);
  EXPECT_EQ(snapshot(*store_), before);
  EXPECT_EQ(net_->cnn().stats().kme_prefetch_used + net_->cnn().stats().kme_prefetch_unused, 0u);

  recorder_->on_nas = nullptr;
  const AttachOutcome again = attach(i);
  ASSERT_TRUE(again.attached) << trace(again);
  EXPECT_EQ(again.kme_version, 1u);
}

}  // namespace
}  // namespace kmebind::sim::testing
