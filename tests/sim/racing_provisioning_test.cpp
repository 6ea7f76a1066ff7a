// Two provisionings of one pair racing (docs/protocol.md §2 "Racing provisionings"), end to end
// with the real UE, CNN and HSS cores: the ULR of a first attach reaches the HSS late — its CNN
// died after sending it, the HSS was overloaded — and only after the device had attached again
// and been given another KME of the same version. The late ULR stores the first KME; the second
// attach's confirm is refused (version conflict, #17: the UE attaches again after T3411), and the
// device is left holding the second KME, pending. Challenging the stored version at its next
// attach would fail for good; for procedure 2 the HSS marks the pair for renewal at the conflict,
// so that attach provisions version 2 instead. A procedure-1 loser is not marked (its Cookie does
// not prove the device holds the KME) and needs `admin kme renew` (docs/protocol.md §2).
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class RacingProvisioningTest : public SimTest {
 protected:
  // Holds back the first ULR of `imsi` (the CNN runs into its S6a timeout and fails the attach),
  // and hands it to the HSS just before the next ULR of that IMSI goes out.
  void deliver_first_ulr_late(std::string_view imsi) {
    recorder_->on_request = [this, imsi = std::string(imsi)](cnn::S6aRequest& r) {
      auto* ulr = std::get_if<s6a::UpdateLocationRequest>(&r);
      if (ulr == nullptr || ulr->imsi != imsi) return true;
      if (!held_) {
        held_ = clone(*ulr);
        return false;
      }
      if (!late_result_) {
        hss::HssEvent event;
        const auto ula = hss_->on_ulr(*held_, kStartUnix + 30, hss::LinkInfo{true}, event);
        late_result_ = ula.result;
      }
      return true;
    };
  }

  void run_race(int procedure);

  std::optional<s6a::UpdateLocationRequest> held_;
  std::optional<s6a::ResultCode> late_result_;
};

TEST_F(RacingProvisioningTest, Procedure2DeviceLeftWithTheLosingKmeIsProvisionedANewerOne) {
  run_race(2);
}
// Procedure 1's confirm proves to the HSS that it issued the KME (its Cookie), not that the device
// holds it, so the loser's pair is not marked (protocol.md §2): its next attach fails the
// challenge (#6), and the operator's renewal (`admin kme renew`) brings it back.
TEST_F(RacingProvisioningTest, Procedure1DeviceLeftWithTheLosingKmeNeedsTheOperatorsRenewal) {
  run_race(1);
}

void RacingProvisioningTest::run_race(int procedure) {
  const ue::UeProfile p = profile(1);
  const UeIndex i = add_ue(p, only_procedure(procedure));
  deliver_first_ulr_late(p.imsi);

  const AttachOutcome first = attach(i);  // its ULR never answered
  ASSERT_FALSE(first.attached) << trace(first);
  ASSERT_TRUE(held_.has_value());
  ASSERT_FALSE(stored_kme(p).has_value());

  const AttachOutcome second = attach(i);  // a new KME of version 1; the late ULR stores the first
  ASSERT_EQ(late_result_, std::optional<s6a::ResultCode>(s6a::kSuccess));
  expect_network_failure(second, i, p.imsi);
  EXPECT_EQ(result_of_last<s6a::UpdateLocationRequest>(p.imsi),
            std::optional<s6a::ResultCode>(s6a::kErrorKmeVersionConflict));
  ASSERT_TRUE(stored_kme(p).has_value());
  EXPECT_EQ(stored_kme(p)->version, 1u);
  const ue::StoredKme* pending = net_->ue(i).mobile_equipment().kmes().pending();
  ASSERT_NE(pending, nullptr);
  EXPECT_EQ(pending->version, 1u);
  EXPECT_NE(pending->kme, stored_kme(p)->kme) << "the device holds the losing KME";

  recorder_->on_request = nullptr;
  if (procedure == 1) {
    const AttachOutcome challenged = attach(i);
    expect_illegal_me(challenged, i, p.imsi);
    EXPECT_FALSE(stored_kme(p)->renewal_requested);
    ok(store_->request_kme_renewal(p.imsi, "admin"));
  }
  const AttachOutcome third = attach(i);
  EXPECT_TRUE(third.attached) << trace(third);
  EXPECT_EQ(third.kme_version, 2u) << trace(third);
  ASSERT_NE(device_kme(i), nullptr);
  EXPECT_EQ(device_kme(i)->version, 2u);
  ASSERT_TRUE(stored_kme(p).has_value());
  EXPECT_EQ(stored_kme(p)->version, 2u);
  EXPECT_EQ(stored_kme(p)->kme, device_kme(i)->kme);

  const AttachOutcome fourth = attach(i);
  EXPECT_TRUE(fourth.attached) << trace(fourth);
  EXPECT_TRUE(fourth.device_authenticated) << trace(fourth);
}

}  // namespace
}  // namespace kmebind::sim::testing
