// The store calls each HSS procedure makes (tests/store/counting_store.h records them): an AIR
// makes one call, reserve_sqn, which reads the subscriber and — for KME material — the sole pair
// with its SQN write (on SQLite in one write transaction; the default reads around the write:
// get_subscriber, advance_sqn, get_sole_pair); a KME-Request reads its pair once.
#include "hss/procedure_policy.h"
#include "hss_test_support.h"
#include "store/counting_store.h"

namespace kmebind::hss::testing {
namespace {

using Calls = std::vector<std::string>;

class StoreReadsTest : public HssBench {
 protected:
  // An HSS on the bench's store that records every call it makes.
  void count_calls(store::testing::CountingStore::PairReads reads =
                       store::testing::CountingStore::PairReads::kInner) {
    counting_ = std::make_unique<store::testing::CountingStore>(*store_, reads);
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

TEST_F(StoreReadsTest, AnAirThatAttachesKmeMaterialMakesOneStoreCall) {
  kme_subscriber();
  count_calls();
  const auto aia = air(kBothProcedures);
  ASSERT_EQ(aia.result, s6a::kSuccess) << event_.reason;
  ASSERT_NE(aia.kme_prefetch, nullptr) << event_.reason;
  EXPECT_EQ(counting_->calls(), (Calls{"reserve_sqn"}));
  EXPECT_EQ(counting_->reads(), 0u);
}

TEST_F(StoreReadsTest, TheDefaultReservationReadsAroundTheSqnWrite) {
  kme_subscriber();
  count_calls(store::testing::CountingStore::PairReads::kDefault);
  const auto aia = air(kBothProcedures);
  ASSERT_EQ(aia.result, s6a::kSuccess) << event_.reason;
  ASSERT_NE(aia.kme_prefetch, nullptr) << event_.reason;
  // (kDefault: get_sole_pair goes on to its own default's single reads.)
  const Calls calls = counting_->calls();
  ASSERT_GE(calls.size(), 4u);
  EXPECT_EQ(Calls(calls.begin(), calls.begin() + 4),
            (Calls{"reserve_sqn", "get_subscriber", "advance_sqn", "get_sole_pair"}));
}

TEST_F(StoreReadsTest, AnAirWhoseSubscriptionAllowsTwoImeisMakesOneStoreCall) {
  kme_subscriber();
  add_device(kImei2);
  allow(kImsi, kImei2);
  count_calls();
  const auto aia = air(kBothProcedures);
  ASSERT_EQ(aia.result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(aia.kme_prefetch, nullptr);
  EXPECT_NE(event_.reason.find("allows 2 or more IMEIs"), std::string::npos) << event_.reason;
  EXPECT_EQ(counting_->calls(), (Calls{"reserve_sqn"}));
}

TEST_F(StoreReadsTest, AnAirThatAsksNoMaterialDoesNotReadThePair) {
  kme_subscriber();
  count_calls(store::testing::CountingStore::PairReads::kDefault);
  ASSERT_EQ(air(0).result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(counting_->calls(), (Calls{"reserve_sqn", "get_subscriber", "advance_sqn"}));
}

TEST_F(StoreReadsTest, AKmeRequestReadsItsPairOnce) {
  kme_subscriber();
  count_calls();
  ASSERT_EQ(kmr(kImsi, kImei).result, s6a::kSuccess) << event_.reason;
  EXPECT_EQ(counting_->calls(), (Calls{"get_pair"}));
}

}  // namespace
}  // namespace kmebind::hss::testing
