// Subscriber exchange files: CSV and JSON round trips, bad rows reported with their line and
// reason while reading goes on, and files that cannot be read on refused as a whole.
#include <gtest/gtest.h>

#include <sstream>

#include "store/exchange.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::sample_device;
using testing::sample_subscriber;

struct Collected {
  std::vector<std::pair<std::size_t, ExchangeSubscriber>> subscribers;
  std::vector<std::pair<std::size_t, DeviceRecord>> devices;
  std::vector<RowError> errors;
  ExchangeHandler handler() {
    return {[this](std::size_t line, ExchangeSubscriber&& s) -> Status {
              subscribers.emplace_back(line, std::move(s));
              return {};
            },
            [this](std::size_t line, DeviceRecord&& d) -> Status {
              devices.emplace_back(line, std::move(d));
              return {};
            },
            [this](RowError&& e) -> Status {
              errors.push_back(std::move(e));
              return {};
            }};
  }
};

std::string write_sample(ExchangeFormat format, bool with_keys) {
  std::ostringstream out;
  auto w = make_exchange_writer(format, out);
  auto a = sample_subscriber("001010000000001", 1);
  auto b = sample_subscriber("001010000000002", 2);
  b.binding_mode = BindingMode::kNone;
  b.procedure1_allowed = b.procedure2_allowed = false;
  b.kme_renewal_requested = true;
  b.amf = {0x12, 0x34};
  b.sqn = 0xFFFFFFFFFFFF;
  if (!with_keys) {
    a.k.wipe(); a.opc.wipe(); b.k.wipe(); b.opc.wipe();
  }
  const std::vector<std::string> imeis{"35209900176148", "35693803564380"};
  EXPECT_TRUE(w->subscriber(a, imeis));
  EXPECT_TRUE(w->subscriber(b, {}));
  auto d = sample_device("35209900176148");
  EXPECT_TRUE(w->device(d));
  EXPECT_TRUE(w->finish());
  return out.str();
}

class ExchangeRoundTrip : public ::testing::TestWithParam<ExchangeFormat> {};

TEST_P(ExchangeRoundTrip, WrittenFileReadsBackIdentically) {
  std::istringstream in(write_sample(GetParam(), true));
  Collected c;
  auto st = read_exchange(GetParam(), in, c.handler());
  ASSERT_TRUE(st) << st.error().what();
  EXPECT_TRUE(c.errors.empty()) << c.errors[0].line << ": " << c.errors[0].reason;
  ASSERT_EQ(c.subscribers.size(), 2u);
  const auto& a = c.subscribers[0].second;
  EXPECT_EQ(a.record.imsi, "001010000000001");
  EXPECT_EQ(a.record.k, key_of(1, 16));
  EXPECT_EQ(a.record.opc, key_of(101, 16));
  EXPECT_EQ(a.record.binding_mode, BindingMode::kKmeRequired);
  EXPECT_TRUE(a.record.procedure1_allowed);
  EXPECT_FALSE(a.record.procedure2_allowed);
  EXPECT_EQ(a.imeis, (std::vector<std::string>{"35209900176148", "35693803564380"}));
  const auto& b = c.subscribers[1].second;
  EXPECT_EQ(b.record.amf, (std::array<std::uint8_t, 2>{0x12, 0x34}));
  EXPECT_EQ(b.record.sqn, 0xFFFFFFFFFFFFu);
  EXPECT_EQ(b.record.binding_mode, BindingMode::kNone);
  EXPECT_FALSE(b.record.procedure1_allowed || b.record.procedure2_allowed);
  EXPECT_TRUE(b.record.kme_renewal_requested);
  EXPECT_TRUE(b.imeis.empty());
  ASSERT_EQ(c.devices.size(), 1u);
  EXPECT_EQ(c.devices[0].second.sig_public_key, sample_device("35209900176148").sig_public_key);
  EXPECT_LT(c.subscribers[0].first, c.subscribers[1].first);
  EXPECT_LT(c.subscribers[1].first, c.devices[0].first);
}

TEST_P(ExchangeRoundTrip, FileWithoutKeysCannotBeImported) {
  std::istringstream in(write_sample(GetParam(), false));
  Collected c;
  ASSERT_TRUE(read_exchange(GetParam(), in, c.handler()));
  EXPECT_TRUE(c.subscribers.empty());
  ASSERT_EQ(c.errors.size(), 2u);
  EXPECT_NE(c.errors[0].reason.find("--reveal-keys"), std::string::npos) << c.errors[0].reason;
  EXPECT_EQ(c.devices.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Formats, ExchangeRoundTrip,
                         ::testing::Values(ExchangeFormat::kCsv, ExchangeFormat::kJson));

const std::string kK = "000102030405060708090a0b0c0d0e0f";

TEST(ExchangeCsvTest, BadRowsAreReportedWithLineAndReason) {
  std::istringstream in(
      "# comment\n"
      "imsi,k,opc,imeis\n"                                       // line 2
      "001010000000001," + kK + "," + kK + ",35209900176148\n"   // 3 ok
      "00101000000000x," + kK + "," + kK + ",\n"                 // 4 bad imsi
      "001010000000003,00," + kK + ",\n"                         // 5 short k
      "\n"                                                       // 6 blank
      "001010000000004," + kK + "," + kK + ",352099001761482\n"  // 7 bad check digit
      "001010000000005," + kK + "," + kK + "\n"                  // 8 too few fields
      "001010000000006," + kK + "," + kK + ",\"x\"\n"            // 9 quotes
      "imei,enc_profile,enc_public_key,sig_alg,sig_public_key\n" // 10
      "35209900176148,C,00,ed25519,00\r\n");                      // 11 bad profile, CRLF
  Collected c;
  ASSERT_TRUE(read_exchange(ExchangeFormat::kCsv, in, c.handler()));
  ASSERT_EQ(c.subscribers.size(), 1u);
  EXPECT_EQ(c.subscribers[0].first, 3u);
  EXPECT_EQ(c.subscribers[0].second.record.amf, (std::array<std::uint8_t, 2>{0x80, 0x00}));
  std::vector<std::size_t> lines;
  for (const auto& e : c.errors) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<std::size_t>{4, 5, 7, 8, 9, 11}));
  EXPECT_EQ(c.errors[0].reason.substr(0, 5), "imsi:");
  EXPECT_EQ(c.errors[1].reason, "k: must be 32 hex digits");
  EXPECT_NE(c.errors[2].reason.find("check digit"), std::string::npos);
  EXPECT_NE(c.errors[5].reason.find("enc_profile"), std::string::npos);
}

TEST(ExchangeCsvTest, HeaderProblemsStopTheRead) {
  for (const std::string text : {"001010000000001,a,b\n", "imsi,k,opc,colour\n",
                                 "imsi,k\n", "imsi,k,opc,k\n", "imei,enc_profile\n"}) {
    std::istringstream in(text);
    Collected c;
    auto st = read_exchange(ExchangeFormat::kCsv, in, c.handler());
    ASSERT_FALSE(st) << text;
    EXPECT_EQ(st.error().code(), Code::kMalformed);
    EXPECT_EQ(st.error().message().substr(0, 7), "line 1:") << st.error().message();
  }
}

TEST(ExchangeCsvTest, HandlerErrorStopsTheRead) {
  std::istringstream in("imsi,k,opc\n001010000000001," + kK + "," + kK + "\n001010000000002," +
                        kK + "," + kK + "\n");
  int seen = 0;
  ExchangeHandler h{[&](std::size_t, ExchangeSubscriber&&) -> Status {
                      ++seen;
                      return fail(Code::kIo, "stop");
                    },
                    nullptr, nullptr};
  auto st = read_exchange(ExchangeFormat::kCsv, in, h);
  ASSERT_FALSE(st);
  EXPECT_EQ(seen, 1);
}

TEST(ExchangeJsonTest, BadElementsAreReportedWithTheirLine) {
  std::istringstream in(
      "{\n"                                                                   // 1
      "  \"format\": \"kmebind-subscribers\", \"version\": 1,\n"              // 2
      "  \"subscribers\": [\n"                                                // 3
      "    {\"imsi\": \"001010000000001\", \"k\": \"" + kK + "\", \"opc\": \"" + kK + "\"},\n"  // 4
      "    {\"imsi\": \"001010000000002\", \"k\": \"" + kK + "\",\n"          // 5 (no opc)
      "     \"imeis\": [\"35209900176148\"]},\n"                              // 6
      "    7,\n"                                                              // 7
      "    {\"imsi\": \"001010000000003\", \"k\": \"" + kK + "\", \"opc\": \"" + kK +
      "\", \"sqn\": -1},\n"                                                   // 8
      "    {\"imsi\": \"001010000000004\", \"k\": \"" + kK + "\", \"opc\": \"" + kK +
      "\", \"colour\": \"red\"}\n"                                            // 9
      "  ],\n"
      "  \"devices\": [\n"
      "    {\"imei\": \"35209900176148\", \"enc_profile\": \"A\"}\n"          // 12
      "  ]\n"
      "}\n");
  Collected c;
  auto st = read_exchange(ExchangeFormat::kJson, in, c.handler());
  ASSERT_TRUE(st) << st.error().what();
  ASSERT_EQ(c.subscribers.size(), 1u);
  EXPECT_EQ(c.subscribers[0].first, 4u);
  std::vector<std::size_t> lines;
  for (const auto& e : c.errors) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<std::size_t>{5, 7, 8, 9, 12}));
  EXPECT_EQ(c.errors[0].reason.substr(0, 4), "opc:");
  EXPECT_NE(c.errors[3].reason.find("colour"), std::string::npos);
  EXPECT_NE(c.errors[4].reason.find("enc_public_key: missing"), std::string::npos);
}

TEST(ExchangeJsonTest, SyntaxErrorsAndForeignFilesStopTheRead) {
  for (const std::string text :
       {"{\"format\": \"kmebind-subscribers\", \"subscribers\": [ {\"imsi\": }]}",
        "[1, 2]", "{\"format\": \"other\"}", "{\"subscribers\": []}",
        "{\"format\": \"kmebind-subscribers\", \"version\": 2}",
        "{\"format\": \"kmebind-subscribers\", \"subscribers\": [ {\"imsi\": \"1\"}"}) {
    std::istringstream in(text);
    Collected c;
    auto st = read_exchange(ExchangeFormat::kJson, in, c.handler());
    ASSERT_FALSE(st) << text;
    EXPECT_EQ(st.error().code(), Code::kMalformed) << text;
  }
}

}  // namespace
}  // namespace kmebind::store
