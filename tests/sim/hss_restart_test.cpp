// The HSS keeps no state between the KME-Request and the ULR (TR 33.868 §5.4.4.2.3.3: "does not
// require state in the HSS"; DESIGN.md §3): an HSS restarted in between — a new store handle on
// the same database file and a new core with a key ring reloaded from the same key — completes
// the procedure.
#include "sim_test_support.h"

namespace kmebind::sim::testing {
namespace {

class HssRestartTest : public SimTest, public ::testing::WithParamInterface<int> {};

TEST_P(HssRestartTest, HssRestartedBetweenKmeRequestAndUlrStoresTheKme) {
  const int procedure = GetParam();
  const ue::UeProfile p = profile(1, procedure == 2);
  const UeIndex i = add_ue(p, only_procedure(procedure));

  // What a restart brings back: the database file, the master key, the Cookie key(s).
  std::unique_ptr<store::SubscriberStore> reopened;
  crypto::CookieKeyRing reloaded;
  ok(reloaded.add_key(1, cookie_key()));
  std::unique_ptr<hss::Hss> restarted;
  recorder_->on_request = [&](cnn::S6aRequest& r) {
    if (std::holds_alternative<s6a::UpdateLocationRequest>(r) && !restarted) {
      reopened = take(store::open_store(store_path(), master_key(), {.create_if_missing = false}));
      restarted = std::make_unique<hss::Hss>(take(hss::Hss::create(*reopened, reloaded, hss_config())));
      net_->set_hss(*restarted);
    }
    return true;
  };
  const AttachOutcome o = attach(i);
  ASSERT_TRUE(o.attached) << trace(o);
  ASSERT_NE(restarted, nullptr) << "the ULR was answered by the restarted HSS";
  EXPECT_EQ(o.kme_procedure, procedure);
  EXPECT_EQ(result_of_last<s6a::UpdateLocationRequest>(p.imsi), s6a::kSuccess);

  // Both handles see the KME, equal to the device's.
  const auto seen_by_restarted = take(reopened->get_kme(p.imsi, p.imei14));
  const auto seen_by_first = stored_kme(p);
  ASSERT_TRUE(seen_by_restarted.has_value());
  ASSERT_TRUE(seen_by_first.has_value());
  EXPECT_EQ(seen_by_restarted->version, 1u);
  EXPECT_EQ(seen_by_restarted->procedure, procedure);
  EXPECT_EQ(seen_by_restarted->kme, seen_by_first->kme);
  EXPECT_EQ(device_kme(i)->kme, seen_by_restarted->kme);

  // The next attach is served by the restarted HSS alone and authenticates the device.
  recorder_->on_request = nullptr;
  const AttachOutcome later = attach(i);
  ASSERT_TRUE(later.attached) << trace(later);
  EXPECT_TRUE(later.device_authenticated);
  net_->set_hss(*hss_);
}

INSTANTIATE_TEST_SUITE_P(Procedures, HssRestartTest, ::testing::Values(1, 2),
                         [](const auto& p_info) { return "Procedure" + std::to_string(p_info.param); });

}  // namespace
}  // namespace kmebind::sim::testing
