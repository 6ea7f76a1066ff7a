// `kme renew` for a subscriber whose SIM has been used in two devices, each holding a KME (docs/
// admin.md "kme renew"): through the whole network (UE, CNN, HSS, store), each device is
// re-provisioned at its own next attach — the second device to attach too, not challenged with
// its old KME — and device authentication with the new versions follows.
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class KmeRenewalPerDeviceTest : public SimTest, public ::testing::WithParamInterface<int> {
 protected:
  // The SIM of `first` in a second device (profile 2's IMEI and keys), bound to the subscriber.
  ue::UeProfile second_device_of(const ue::UeProfile& first, bool profile_b) {
    ue::UeProfile p = profile(2, profile_b);
    p.imsi = first.imsi;
    p.k = first.k.clone();
    p.opc = first.opc.clone();
    ok(provision_device(*store_, p, "test"));
    ok(store_->allow_binding(p.imsi, p.imei14, "test"));
    return p;
  }
  void expect_provisioned(const AttachOutcome& o, int procedure, std::uint32_t version) {
    ASSERT_TRUE(o.attached) << trace(o);
    EXPECT_FALSE(o.device_authenticated) << "provisioned, not challenged";
    EXPECT_EQ(o.kme_procedure, procedure);
    EXPECT_EQ(o.kme_version, version);
  }
  void expect_authenticated(const AttachOutcome& o, std::uint32_t version) {
    ASSERT_TRUE(o.attached) << trace(o);
    EXPECT_TRUE(o.device_authenticated);
    EXPECT_EQ(o.kme_procedure, 0);
    EXPECT_EQ(o.kme_version, version);
  }
};

TEST_P(KmeRenewalPerDeviceTest, EachDeviceIsReprovisionedAtItsOwnNextAttach) {
  const int procedure = GetParam();
  const ue::UeProfile p1 = profile(1, procedure == 2);
  const UeIndex d1 = add_ue(p1, only_procedure(procedure));
  const ue::UeProfile p2 = second_device_of(p1, procedure == 2);
  const UeIndex d2 = add_device(p2);
  expect_provisioned(attach(d1), procedure, 1);
  expect_provisioned(attach(d2), procedure, 1);
  expect_authenticated(attach(d1), 1);
  expect_authenticated(attach(d2), 1);

  ok(store_->request_kme_renewal(p1.imsi, "test"));
  const auto pending = take(store_->list_kme_status(p1.imsi, 10, std::nullopt));
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_TRUE(pending[0].renewal_requested && pending[1].renewal_requested);

  expect_provisioned(attach(d1), procedure, 2);
  // Device 2's KME is still marked: its next attach provisions too (the bug: a challenge with v1).
  expect_provisioned(attach(d2), procedure, 2);
  ASSERT_NE(device_kme(d2), nullptr);
  EXPECT_EQ(device_kme(d2)->version, 2u);
  EXPECT_EQ(device_kme(d2)->kme, stored_kme(p2)->kme);
  EXPECT_FALSE(stored_kme(p1)->kme == stored_kme(p2)->kme);
  for (const auto& k : take(store_->list_kme_status(p1.imsi, 10, std::nullopt))) {
    EXPECT_FALSE(k.renewal_requested) << k.imei;
    EXPECT_EQ(k.version, 2u) << k.imei;
  }

  expect_authenticated(attach(d1), 2);
  expect_authenticated(attach(d2), 2);
}

INSTANTIATE_TEST_SUITE_P(Procedures, KmeRenewalPerDeviceTest, ::testing::Values(1, 2),
                         [](const auto& p_info) {
                           return "Procedure" + std::to_string(p_info.param);
                         });

}  // namespace
}  // namespace kmebind::sim::testing
