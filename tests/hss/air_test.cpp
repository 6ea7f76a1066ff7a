// AIR/AIA (TS 29.272 §5.2.3.1): vectors the test's own USIM accepts, SQN handling of
// TS 33.102 Annex C, re-synchronisation with AUTS (§6.3.5), and refusals.
#include <set>
#include <thread>
#include <vector>

#include "hss_test_support.h"

namespace kmebind::hss::testing {
namespace {

class AirTest : public HssBench {
 protected:
  s6a::AuthenticationInformationAnswer air(std::string_view imsi, std::uint32_t vectors = 1,
                                           std::optional<s6a::ResyncInfo> resync = {}) {
    s6a::AuthenticationInformationRequest req{std::string(imsi), kPlmn, vectors,
                                              std::move(resync)};
    return hss_->on_air(req, kNow, event_);
  }
  std::uint64_t stored_sqn(std::string_view imsi) { return take(store_->get_subscriber(imsi)).sqn; }
};

TEST_F(AirTest, VectorIsAcceptedByTheUsimWithMatchingResAndKasme) {
  add_subscriber(kImsi, store::BindingMode::kNone, 64);
  const Usim usim = usim_of(1);
  auto aia = air(kImsi);
  ASSERT_EQ(aia.result, s6a::kSuccess) << event_.reason;
  ASSERT_EQ(aia.vectors.size(), 1u);
  const s6a::EutranVector& v = aia.vectors[0];
  ASSERT_EQ(v.rand.size(), 16u);
  ASSERT_EQ(v.autn.size(), 16u);
  EXPECT_EQ(usim.check_autn(v.rand, v.autn), std::optional<std::uint64_t>(64 + 32));
  EXPECT_EQ(v.autn[6] & 0x80, 0x80) << "AMF separation bit, TS 33.401 §6.1.1";
  EXPECT_EQ(v.xres, usim.res(v.rand));
  EXPECT_TRUE(v.kasme == usim.kasme(v.rand, v.autn, kPlmn));
  EXPECT_EQ(v.kasme.size(), 32u);
}

TEST_F(AirTest, KasmeDependsOnTheVisitedPlmn) {
  add_subscriber(kImsi, store::BindingMode::kNone);
  const Usim usim = usim_of(1);
  auto aia = air(kImsi);
  ASSERT_EQ(aia.result, s6a::kSuccess);
  const Bytes other_plmn{0x13, 0x00, 0x14};
  EXPECT_FALSE(aia.vectors[0].kasme == usim.kasme(aia.vectors[0].rand, aia.vectors[0].autn,
                                                  other_plmn));
}

TEST_F(AirTest, AVectorFromAnotherSubscribersKeysIsRejectedByTheUsim) {
  add_subscriber(kImsi, store::BindingMode::kNone, 0, 1);
  auto aia = air(kImsi);
  ASSERT_EQ(aia.result, s6a::kSuccess);
  EXPECT_FALSE(usim_of(2).check_autn(aia.vectors[0].rand, aia.vectors[0].autn).has_value());
}

TEST_F(AirTest, SqnAdvancesBy32PerVectorOldestFirst) {
  add_subscriber(kImsi, store::BindingMode::kNone, 320);
  const Usim usim = usim_of(1);
  auto aia = air(kImsi, 3);
  ASSERT_EQ(aia.result, s6a::kSuccess);
  ASSERT_EQ(aia.vectors.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(usim.check_autn(aia.vectors[i].rand, aia.vectors[i].autn),
              std::optional<std::uint64_t>(320 + 32 * (i + 1)));
  }
  EXPECT_NE(aia.vectors[0].rand, aia.vectors[1].rand);
  EXPECT_EQ(stored_sqn(kImsi), 320u + 96u);
  auto next = air(kImsi);
  ASSERT_EQ(next.result, s6a::kSuccess);
  EXPECT_EQ(usim.check_autn(next.vectors[0].rand, next.vectors[0].autn),
            std::optional<std::uint64_t>(320 + 128));
}

TEST_F(AirTest, ConfiguredSqnStepIsUsed) {
  config_.sqn_step = 1;
  rebuild_hss();
  add_subscriber(kImsi, store::BindingMode::kNone, 10);
  auto aia = air(kImsi, 2);
  ASSERT_EQ(aia.result, s6a::kSuccess);
  EXPECT_EQ(usim_of(1).check_autn(aia.vectors[1].rand, aia.vectors[1].autn),
            std::optional<std::uint64_t>(12));
}

TEST_F(AirTest, MoreVectorsThanTheMaximumAreCapped) {
  config_.max_vectors_per_air = 2;
  rebuild_hss();
  add_subscriber(kImsi, store::BindingMode::kNone);
  auto aia = air(kImsi, 1000);
  ASSERT_EQ(aia.result, s6a::kSuccess);
  EXPECT_EQ(aia.vectors.size(), 2u);
  EXPECT_EQ(stored_sqn(kImsi), 64u);
}

TEST_F(AirTest, ConcurrentAirsNeverShareAnSqn) {
  add_subscriber(kImsi, store::BindingMode::kNone);
  const Usim usim = usim_of(1);
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::vector<std::vector<s6a::EutranVector>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        s6a::AuthenticationInformationRequest req{std::string(kImsi), kPlmn, 1, std::nullopt};
        auto aia = hss_->on_air(req, kNow);
        if (aia.result == s6a::kSuccess) got[t].push_back(aia.vectors[0].clone());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> sqns;
  for (const auto& list : got) {
    for (const auto& v : list) {
      auto sqn = usim.check_autn(v.rand, v.autn);
      ASSERT_TRUE(sqn.has_value());
      sqns.insert(*sqn);
    }
  }
  EXPECT_EQ(sqns.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(stored_sqn(kImsi), 32u * kThreads * kEach);
}

TEST_F(AirTest, AiaCarriesTheSubscribersBindingRequirement) {
  add_subscriber(kImsi, store::BindingMode::kKmeRequired);
  add_subscriber(kImsi2, store::BindingMode::kImeiCheck);
  EXPECT_EQ(air(kImsi).binding, s6a::BindingRequirement::kKmeRequired);
  EXPECT_EQ(air(kImsi2).binding, s6a::BindingRequirement::kImeiCheck);
}

TEST_F(AirTest, UnknownImsiIsUserUnknown) {
  auto aia = air(kImsi);
  EXPECT_EQ(aia.result, s6a::kErrorUserUnknown);
  EXPECT_TRUE(aia.vectors.empty());
  EXPECT_EQ(event_.result, s6a::kErrorUserUnknown);
}

TEST_F(AirTest, MalformedRequestsAreRefusedWithoutTouchingSqn) {
  add_subscriber(kImsi, store::BindingMode::kNone, 64);
  EXPECT_EQ(air("").result, s6a::kMissingAvp);
  EXPECT_EQ(air("00101abc").result, s6a::kInvalidAvpValue);
  EXPECT_EQ(air("0010100000000011234").result, s6a::kInvalidAvpValue);
  EXPECT_EQ(air(kImsi, 0).result, s6a::kInvalidAvpValue);
  s6a::AuthenticationInformationRequest bad_plmn{std::string(kImsi), Bytes{0x00, 0xf1}, 1, {}};
  EXPECT_EQ(hss_->on_air(bad_plmn, kNow).result, s6a::kInvalidAvpValue);
  s6a::AuthenticationInformationRequest no_plmn{std::string(kImsi), Bytes{}, 1, {}};
  EXPECT_EQ(hss_->on_air(no_plmn, kNow).result, s6a::kMissingAvp);
  EXPECT_EQ(stored_sqn(kImsi), 64u);
}

TEST_F(AirTest, ExhaustedSqnSpaceIsAuthenticationDataUnavailable) {
  add_subscriber(kImsi, store::BindingMode::kNone, (std::uint64_t{1} << 48) - 40);
  auto aia = air(kImsi, 2);
  EXPECT_EQ(aia.result, s6a::kAuthenticationDataUnavailable);
  EXPECT_TRUE(aia.vectors.empty());
  EXPECT_EQ(stored_sqn(kImsi), (std::uint64_t{1} << 48) - 40);
}

// --- re-synchronisation, TS 33.102 §6.3.5 ---------------------------------------------------

TEST_F(AirTest, ValidAutsMovesSqnToSqnMsAndVectorsContinueAboveIt) {
  add_subscriber(kImsi, store::BindingMode::kNone, 64);
  const Usim usim = usim_of(1);
  const std::uint64_t sqn_ms = 32 * 5000 + 3;  // the USIM saw far more than the HSS issued
  const Bytes rand = take(crypto::random_bytes(16));
  auto aia = air(kImsi, 1, s6a::ResyncInfo{rand, usim.auts(rand, sqn_ms)});
  ASSERT_EQ(aia.result, s6a::kSuccess) << event_.reason;
  EXPECT_NE(event_.reason.find("re-synchronised"), std::string::npos) << event_.reason;
  EXPECT_EQ(usim.check_autn(aia.vectors[0].rand, aia.vectors[0].autn),
            std::optional<std::uint64_t>(sqn_ms + 32));
  EXPECT_EQ(stored_sqn(kImsi), sqn_ms + 32);
}

TEST_F(AirTest, AutsWithWrongMacSResynchronisesNothing) {
  add_subscriber(kImsi, store::BindingMode::kNone, 64);
  const Usim usim = usim_of(1);
  const Bytes rand = take(crypto::random_bytes(16));
  Bytes auts = usim.auts(rand, 32 * 5000);
  auts[13] ^= 0x01;
  auto aia = air(kImsi, 1, s6a::ResyncInfo{rand, auts});
  ASSERT_EQ(aia.result, s6a::kSuccess);
  EXPECT_NE(event_.reason.find("did not verify"), std::string::npos) << event_.reason;
  EXPECT_EQ(usim.check_autn(aia.vectors[0].rand, aia.vectors[0].autn),
            std::optional<std::uint64_t>(96));
  EXPECT_EQ(stored_sqn(kImsi), 96u);
}

TEST_F(AirTest, AutsFromAnotherSubscribersUsimResynchronisesNothing) {
  add_subscriber(kImsi, store::BindingMode::kNone, 64, 1);
  const Bytes rand = take(crypto::random_bytes(16));
  auto aia = air(kImsi, 1, s6a::ResyncInfo{rand, usim_of(9).auts(rand, 32 * 5000)});
  ASSERT_EQ(aia.result, s6a::kSuccess);
  EXPECT_EQ(stored_sqn(kImsi), 96u);
}

TEST_F(AirTest, AutsBelowSqnHeDoesNotLowerIt) {
  add_subscriber(kImsi, store::BindingMode::kNone, 32 * 100);
  const Usim usim = usim_of(1);
  const Bytes rand = take(crypto::random_bytes(16));
  auto aia = air(kImsi, 1, s6a::ResyncInfo{rand, usim.auts(rand, 32 * 10)});
  ASSERT_EQ(aia.result, s6a::kSuccess);
  EXPECT_EQ(usim.check_autn(aia.vectors[0].rand, aia.vectors[0].autn),
            std::optional<std::uint64_t>(32 * 101));
}

TEST_F(AirTest, ResyncInfoOfWrongLengthIsInvalidAvpValue) {
  add_subscriber(kImsi, store::BindingMode::kNone, 64);
  const Usim usim = usim_of(1);
  const Bytes rand = take(crypto::random_bytes(16));
  Bytes auts = usim.auts(rand, 32 * 5000);
  Bytes short_auts(auts.begin(), auts.end() - 1);
  EXPECT_EQ(air(kImsi, 1, s6a::ResyncInfo{rand, short_auts}).result, s6a::kInvalidAvpValue);
  EXPECT_EQ(air(kImsi, 1, s6a::ResyncInfo{Bytes(15, 0), auts}).result, s6a::kInvalidAvpValue);
  EXPECT_EQ(air(kImsi, 1, s6a::ResyncInfo{Bytes{}, Bytes{}}).result, s6a::kInvalidAvpValue);
  EXPECT_EQ(stored_sqn(kImsi), 64u);
}

}  // namespace
}  // namespace kmebind::hss::testing
