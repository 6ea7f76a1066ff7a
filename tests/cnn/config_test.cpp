// CnnConfig validation and the IPv4 pool.
#include "cnn/ipv4_pool.h"
#include "cnn_bench.h"

namespace kmebind::cnn::testing {
namespace {

TEST(CnnConfigTest, DefaultsValidate) { EXPECT_TRUE(CnnConfig{}.validate()); }

TEST(CnnConfigTest, DefaultTimersAreThoseOfTs24301) {
  CnnConfig c;
  EXPECT_EQ(c.t3450_ms, 6000);
  EXPECT_EQ(c.t3460_ms, 6000);
  EXPECT_EQ(c.t3470_ms, 6000);
  EXPECT_EQ(c.kme_guard_ms, c.t3460_ms);
  EXPECT_EQ(c.max_retransmissions, 4);
  EXPECT_EQ(c.s6a_answer_timeout_ms, 5000);
  EXPECT_EQ(c.ciphering_preference, std::vector{nas::CipheringAlgorithm::kEea2});
  EXPECT_EQ(c.integrity_preference, std::vector{nas::IntegrityAlgorithm::kEia2});
}

TEST(CnnConfigTest, EachBadFieldIsNamed) {
  const auto field_of = [](auto mutate) {
    CnnConfig c;
    mutate(c);
    auto st = c.validate();
    return st ? std::string("ok") : st.error().message();
  };
  const auto names = [&](auto mutate, const std::string& field) {
    const std::string msg = field_of(mutate);
    EXPECT_NE(msg.find(field), std::string::npos) << msg;
  };
  names([](CnnConfig& c) { c.plmn = "0010-1"; }, "plmn");
  names([](CnnConfig& c) { c.tacs = {}; }, "tacs");
  names([](CnnConfig& c) { c.tacs = {1, 1}; }, "tacs");
  names([](CnnConfig& c) { c.tacs = std::vector<std::uint16_t>(17, 0); }, "tacs");
  names([](CnnConfig& c) { c.ciphering_preference = {nas::CipheringAlgorithm::kEea0}; }, "EEA0");
  names([](CnnConfig& c) { c.integrity_preference = {nas::IntegrityAlgorithm::kEia0}; }, "EIA0");
  names([](CnnConfig& c) { c.integrity_preference = {nas::IntegrityAlgorithm::kEia1}; }, "integrity");
  names([](CnnConfig& c) { c.ciphering_preference = {}; }, "ciphering");
  names([](CnnConfig& c) { c.t3460_ms = 0; }, "t3460_ms");
  names([](CnnConfig& c) { c.s6a_answer_timeout_ms = -1; }, "s6a_answer_timeout_ms");
  names([](CnnConfig& c) { c.max_retransmissions = 11; }, "max_retransmissions");
  names([](CnnConfig& c) { c.supported_kme_procedures = 0; }, "supported_kme_procedures");
  names([](CnnConfig& c) { c.supported_kme_procedures = 4; }, "supported_kme_procedures");
  names([](CnnConfig& c) { c.apn = "a..b"; }, "apn");
  names([](CnnConfig& c) { c.ipv4_pool = "10.0.0.0/31"; }, "ipv4_pool");
  names([](CnnConfig& c) { c.max_ues = 0; }, "max_ues");
  CnnConfig null_ok;
  null_ok.allow_null_algorithms = true;
  null_ok.ciphering_preference = {nas::CipheringAlgorithm::kEea2, nas::CipheringAlgorithm::kEea0};
  EXPECT_TRUE(null_ok.validate());
}

TEST(Ipv4PoolTest, HandsOutHostAddressesOnceAndTakesThemBack) {
  auto pool = take(Ipv4Pool::parse("192.168.7.0/29"));
  EXPECT_EQ(pool.size(), 6u);
  std::vector<std::uint32_t> got;
  while (auto a = pool.allocate()) got.push_back(*a);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(Ipv4Pool::octets(got.front()), (std::array<std::uint8_t, 4>{192, 168, 7, 1}));
  EXPECT_EQ(Ipv4Pool::octets(got.back()), (std::array<std::uint8_t, 4>{192, 168, 7, 6}));
  pool.release(got[2]);
  pool.release(got[2]);       // twice: ignored
  pool.release(0x0a000001);  // outside: ignored
  EXPECT_EQ(pool.in_use(), 5u);
  EXPECT_EQ(pool.allocate(), got[2]);
  EXPECT_FALSE(pool.allocate());
}

TEST(Ipv4PoolTest, ParsesOnlyCidrBlocks) {
  EXPECT_TRUE(Ipv4Pool::parse("10.45.3.9/16"));  // host bits are ignored
  for (const char* bad : {"", "10.45.0.0", "10.45.0/16", "10.45.0.0.1/16", "256.0.0.0/16",
                          "10.45.0.0/7", "10.45.0.0/31", "10.45.0.0/x", "10.45.0.0/16/2",
                          "a.b.c.d/16", "10.45.0.0/ 16"}) {
    EXPECT_FALSE(Ipv4Pool::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace kmebind::cnn::testing
