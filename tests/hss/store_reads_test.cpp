// The store calls each HSS procedure makes (tests/store/counting_store.h records them): an AIR
// that attaches KME material reads the subscriber and then the sole pair — two reads
// (get_subscriber, get_sole_pair), not three (list_bindings, then the KME-Request's get_pair) —
// around its one write (advance_sqn); a KME-Request reads its pair once.
#include "hss/procedure_policy.h"
#include "hss_test_support.h"
#include "store/counting_store.h"

namespace kmebind::hss::testing {
namespace {

using Calls = std::vector<std::string>;

class StoreReadsTest : public HssBench {
 protected:
  // An HSS on the bench's store that records every call it makes.
  void count_calls() {
    counting_ = std::make_unique<store::testing::CountingStore>(*store_);
    hss_ = std::make_unique<Hss>(take(Hss::create(*counting_, ring_, config_)));
  }
  s6a::AuthenticationInformationAnswer air(std::uint8_t procedures) {
    s6a::AuthenticationInformationRequest req{std::string(kImsi), kPlmn, 1, std::nullopt,
                                              procedures};
    return hss_->on_air(req, kNow, LinkInfo{}, event_);
  }

  std::unique_ptr<store::testing::CountingStore> counting_;
};

constexpr std::uint8_t kBothProcedures = kSupportsProcedure1 | kSupportsProcedure2;

TEST_F(StoreReadsTest, AnAirThatAttachesKmeMaterialReadsTheStoreTwice) {
  kme_subscriber();
  count_calls();
  const auto aia = air(kBothProcedures);
  ASSERT_EQ(aia.result, s6a::kSuccess) << event_.reason;
  ASSERT_NE(aia.kme_prefetch, nullptr) << event_.reason;
  EXPECT_EQ(counting_->calls(), (Calls{"get_subscriber", "advance_sqn", "get_sole_pair"}));
  EXPECT_EQ(counting_->reads(), 2u);
}

TEST_F(StoreReadsTest, AnAirWhoseSubscriptionAllowsTwoImeisReadsTheStoreTwice) {
  kme_subscriber();
  add_device(kImei2);
  allow(kImsi, kImei2);
  count_calls();
  const auto aia = air(kBothProcedures);
  ASSERT_EQ(aia.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(aia.kme_prefetch, nullptr);
  EXPECT_NE(event_.reason.find("allows 2 or more IMEIs"), std::string::npos) << event_.reason;
  EXPECT_EQ(counting_->reads(), 2u);
}

TEST_F(StoreReadsTest, AnAirThatAsksNoMaterialReadsTheSubscriberOnly) {
  kme_subscriber();
  count_calls();
  ASSERT_EQ(air(0).result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(counting_->calls(), (Calls{"get_subscriber", "advance_sqn"}));
}

TEST_F(StoreReadsTest, AKmeRequestReadsItsPairOnce) {
  kme_subscriber();
  count_calls();
  ASSERT_EQ(kmr(kImsi, kImei).result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(counting_->calls(), (Calls{"get_pair"}));
}

}  // namespace
}  // namespace kmebind::hss::testing
