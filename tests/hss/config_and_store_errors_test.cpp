// HssConfig validation and the mapping of store failures to Diameter results (RFC 6733 §7.1).
#include "hss/refusal.h"
#include "hss_test_support.h"

namespace kmebind::hss::testing {
namespace {

TEST(HssConfig, DefaultsAreValidAndFollowTheSpecs) {
  const HssConfig config;
  EXPECT_TRUE(config.validate().has_value());
  EXPECT_EQ(config.cookie_lifetime_s, 300);
  EXPECT_EQ(config.sqn_step, 32u) << "TS 33.102 Annex C.3.2 with a 5-bit IND";
  EXPECT_FALSE(config.allow_procedure1);
  EXPECT_TRUE(config.kme_prefetch) << "KME material on the AIA when asked (docs/protocol.md)";
}

TEST(HssConfig, BadValuesAreRefusedNamingTheField) {
  const auto refused = [](auto mutate, std::string_view field) {
    HssConfig c;
    mutate(c);
    auto st = c.validate();
    ASSERT_FALSE(st.has_value()) << field;
    EXPECT_EQ(st.error().code(), Code::kInvalidArgument);
    EXPECT_NE(st.error().message().find(field), std::string::npos) << st.error().message();
  };
  refused([](HssConfig& c) { c.cookie_lifetime_s = 0; }, "cookie lifetime");
  refused([](HssConfig& c) { c.sqn_step = 0; }, "SQN step");
  refused([](HssConfig& c) { c.sqn_step = 24; }, "SQN step");
  refused([](HssConfig& c) { c.sqn_step = std::uint64_t{1} << 20; }, "SQN step");
  refused([](HssConfig& c) { c.max_vectors_per_air = 0; }, "max vectors");
  refused([](HssConfig& c) { c.max_vectors_per_air = 33; }, "max vectors");
  refused([](HssConfig& c) { c.msisdn = ""; }, "MSISDN");
  refused([](HssConfig& c) { c.msisdn = "+491701234567"; }, "MSISDN");
}

TEST(HssConfig, HssCreateRefusesAnInvalidConfig) {
  TempDir dir;
  auto store = take(store::open_store(dir.file("hss.db"), filled(1, 32)));
  crypto::CookieKeyRing ring;
  HssConfig config;
  config.cookie_lifetime_s = -1;
  EXPECT_FALSE(Hss::create(*store, ring, config).has_value());
}

TEST(StoreRefusal, TransientFailuresAreTooBusyOthersUnableToComply) {
  EXPECT_EQ(store_refusal(Error(Code::kUnavailable, "busy"), "advance_sqn").result, s6a::kTooBusy);
  EXPECT_EQ(store_refusal(Error(Code::kIo, "disk"), "get_kme").result, s6a::kUnableToComply);
  EXPECT_EQ(store_refusal(Error(Code::kCorruption, "x"), "get_kme").result, s6a::kUnableToComply);
  EXPECT_NE(store_refusal(Error(Code::kIo, "disk"), "get_kme").reason.find("get_kme"),
            std::string::npos);
}

class StoreBusyTest : public HssBench {};

TEST_F(StoreBusyTest, AirWhileAnotherWriterHoldsTheStoreIsTooBusy) {
  add_subscriber(kImsi, store::BindingMode::kNone, 64);
  // A second handle whose writes give up quickly, serving the Hss.
  store::StoreOptions quick;
  quick.busy_timeout_ms = 50;
  auto busy_store = take(store::open_store(dir_.file("hss.db"), master_key_.clone(), quick));
  Hss hss = take(Hss::create(*busy_store, ring_, config_));
  // The first handle holds the write lock in an open bulk import batch.
  auto import = take(store_->begin_bulk_import({}));
  store::SubscriberRecord other;
  other.imsi = std::string(kImsi2);
  other.k = filled(1, 16);
  other.opc = filled(2, 16);
  expect_ok(import->add_subscriber(other, {}));
  s6a::AuthenticationInformationRequest air{std::string(kImsi), kPlmn, 1, std::nullopt};
  HssEvent event;
  auto aia = hss.on_air(air, kNow, event);
  EXPECT_EQ(aia.result, s6a::kTooBusy) << event.reason;
  EXPECT_TRUE(aia.vectors.empty());
  import.reset();  // rolls the batch back, releasing the lock
  EXPECT_EQ(hss.on_air(air, kNow).result, s6a::kSuccess);
}

}  // namespace
}  // namespace kmebind::hss::testing
