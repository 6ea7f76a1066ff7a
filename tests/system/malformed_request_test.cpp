// One malformed Diameter message from an admitted peer must not stop a running `kmebind hss`
// (docs/diameter.md "Malformed messages from an admitted peer"). Each case starts the HSS of
// `kmebind demo --prepare`, opens the CNN's mutual-TLS link to it by hand (raw_diameter_peer.h),
// sends one malformed message and checks:
//   - the HSS answers with the expected Result-Code (RFC 6733 §7.1) on the message's Hop-by-Hop
//     identifier, or sends nothing back when freeDiameter drops octets it cannot split into AVPs;
//   - a valid AIR afterwards (on the same link, or on a new one if the HSS closed it) is answered
//     with DIAMETER_SUCCESS and vectors: the HSS still serves;
//   - the HSS log names the problem and holds no secret of the run;
//   - SIGTERM stops the HSS with exit code 0 (an abort would be 134, and freeDiameter shutting its
//     core down on its own would end the daemon with an error).
// Found by diameter_s6a_fuzz: fuzz/corpus/diameter_s6a_fuzz/regression-session-id-without-value.
// Before the receive guard (src/diameter/receive_guard.h) the Session-Id cases aborted the HSS
// (fd_msg_sess_get assertion) and the Proxy-Info case stopped its Diameter core.
//
// MalformedFlood: 200 such messages in a row cost the HSS log a bounded number of lines
// (common/log_limiter.h), every removal is counted in /metrics, and the HSS still serves.
#include <cstdlib>
#include <regex>
#include <thread>

#include "apps/network_harness.h"
#include "system/leak_scan.h"
#include "system/log_lines.h"
#include "system/raw_diameter_peer.h"
#include "system/system_harness.h"

namespace kmebind::test {
namespace {

using namespace diameter_wire;
using namespace std::chrono_literals;

constexpr const char* kHost = "cnn.kmebind.test";
constexpr const char* kRealm = "kmebind.test";
constexpr const char* kImsi = "001010000000001";  // device 0 of `kmebind demo --prepare`
constexpr std::uint32_t kS6a = 16777251;          // TS 29.272 §7.1.8
constexpr std::uint32_t k3gpp = 10415;
constexpr std::uint32_t kAir = 318, kUlr = 316, kDwr = 280;

std::string session_id(std::uint32_t id) {
  return avp(263, std::string(kHost) + ";1;" + std::to_string(id));
}

// An AIR (TS 29.272 §7.2.5) without its Session-Id: Auth-Session-State, Origin-Host/Realm,
// [Destination-Realm], User-Name, Visited-PLMN-Id 001-01, one E-UTRAN vector requested.
std::string air_body(bool destination_realm = true) {
  return avp(277, u32(1)) + avp(264, kHost) + avp(296, kRealm) +
         (destination_realm ? avp(283, kRealm) : std::string()) + avp(1, kImsi) +
         vavp(1407, std::string("\x00\xf1\x10", 3), k3gpp) +
         vavp(1408, vavp(1410, u32(1), k3gpp), k3gpp);
}

std::string air(std::uint32_t id, const std::string& head, const std::string& body,
                std::uint8_t flags = kCmdR | kCmdP) {
  return message(flags, kAir, kS6a, head + body, id);
}

// Session-Id (RFC 6733 §8.8) with the V bit and Vendor-Id 0; `value` may be empty.
std::string session_id_with_v_bit(const std::string& value) {
  return avp(263, value, kAvpV | kAvpM, 0);
}

// Proxy-Info (RFC 6733 §6.7.2) whose Proxy-State claims 99 octets in a 4-octet group.
std::string proxy_info_that_does_not_parse() {
  return avp(284, avp(280, "proxy.kmebind.test") + avp(33, "st", kAvpM, 0, 99));
}

// fuzz/corpus/diameter_s6a_fuzz/regression-session-id-without-value, octet for octet (168).
std::string fuzz_regression() {
  static const char* const kHex =
      "010000a0c000013c0100002300000000a2712fc000000107b500000c000000000000000000000008"
      "00000000000000173030313031303132333435363738390000000579c0000038000028af0000057a"
      "c000001a000028af333536393033383335363433383000000000057bc000000e000028af30c70000"
      "0000040880000010000028affaff02ec0000057dc0000010000028af000000220000057fc000000f"
      "000028af00f11000";
  std::string out;
  for (const char* p = kHex; p[0] != '\0' && p[1] != '\0'; p += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(p, 2), nullptr, 16)));
  return out;
}

struct Case {
  const char* name;
  std::string (*octets)(std::uint32_t id);
  std::vector<std::uint32_t> result_codes;  // acceptable answers; empty: no answer expected
  const char* logged;                       // regex the HSS log must match
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

const Case kCases[] = {
    // The fuzzer's input as stored: its header says 160 octets, 8 more follow and start a
    // second header that never completes; freeDiameter drops the first message (its last AVP
    // runs past 160) and then the link, on the bogus header the next octets make.
    {"FuzzRegressionAsStoredIsDroppedWithItsLink",
     [](std::uint32_t) { return fuzz_regression(); },
     {},
     "unparseable octets from cnn\\.kmebind\\.test"},
    // The octets the fuzzer parsed (header length = 168): a ULR whose Session-Id has the V bit,
    // Vendor-Id 0 and no value, and no Destination-Realm: freeDiameter's routing refuses it.
    {"FuzzRegressionWithItsLengthIsRefusedByRouting",
     [](std::uint32_t) {
       std::string m = fuzz_regression();
       m.replace(1, 3, u32(static_cast<std::uint32_t>(m.size())).substr(1));
       return m;
     },
     {3001},
     "request 316 from 'cnn\\.kmebind\\.test': removed 1 Session-Id AVP"},
    {"SessionIdWithVBitAndVendorZeroIsRefusedAsMissing",
     [](std::uint32_t id) {
       return air(id, session_id_with_v_bit("cnn.kmebind.test;1;" + std::to_string(id)),
                  air_body());
     },
     {5005},
     "removed 1 Session-Id AVP\\(s\\) with the V bit set"},
    {"SessionIdWithVBitAndNoValueIsRefusedAsMissing",
     [](std::uint32_t id) { return air(id, session_id_with_v_bit(""), air_body()); },
     {5005},
     "AIR from 'cnn\\.kmebind\\.test' refused with DIAMETER_MISSING_AVP: Session-Id missing"},
    {"SessionIdWithVBitAndNoDestinationRealmIsRefusedByRouting",
     [](std::uint32_t id) { return air(id, session_id_with_v_bit(""), air_body(false)); },
     {3001},
     "removed 1 Session-Id AVP"},
    {"SessionIdWithVBitAndRAndEBitsIsRefusedWithInvalidHeaderBits",
     [](std::uint32_t id) {
       return air(id, session_id_with_v_bit(""), air_body(), kCmdR | kCmdP | kCmdE);
     },
     {3008},
     "removed 1 Session-Id AVP"},
    // Found by a mutation run against the live HSS: fd_sess_fromsid_msg refuses the NUL, the
    // dispatch thread ended on that error and freeDiameter shut its core down (the process
    // stayed up, serving nothing).
    {"SessionIdWithNulOctetIsRefusedAsMissing",
     [](std::uint32_t id) {
       return air(id, avp(263, std::string("cnn.kmebind.test;1;\0", 20) + std::to_string(id)),
                  air_body());
     },
     {5005},
     "removed 1 Session-Id AVP\\(s\\) with a NUL octet in the value"},
    {"EmptySessionIdIsRefusedAsInvalidValue",
     [](std::uint32_t id) { return air(id, avp(263, ""), air_body()); },
     {5004},
     "refused with DIAMETER_INVALID_AVP_VALUE: Session-Id is empty"},
    // Code 263 of vendor 10415 is not Session-Id: an unknown AVP with the M bit (RFC 6733 §7.1.5).
    {"SessionIdCodeOfAnotherVendorIsRefusedAsUnsupported",
     [](std::uint32_t id) { return air(id, vavp(263, "cnn.kmebind.test;1;x", k3gpp), air_body()); },
     {5001},
     "does not parse"},
    {"DuplicatedSessionIdIsRefused",
     [](std::uint32_t id) { return air(id, session_id(id) + session_id(id + 1), air_body()); },
     {5009},
     "refused with DIAMETER_AVP_OCCURS_TOO_MANY_TIMES: Session-Id occurs more than once"},
    {"SessionIdAfterAnotherAvpIsRefused",
     [](std::uint32_t id) { return air(id, avp(277, u32(1)) + session_id(id), air_body()); },
     {5005},
     "Session-Id is not the first AVP"},
    {"MissingSessionIdIsRefused",
     [](std::uint32_t id) { return air(id, "", air_body()); },
     {5005},
     "refused with DIAMETER_MISSING_AVP: Session-Id missing"},
    {"AvpLengthBelowItsHeaderIsDropped",
     [](std::uint32_t id) { return air(id, avp(263, "", kAvpM, 0, 4), air_body()); },
     {},
     "unparseable octets from cnn\\.kmebind\\.test"},
    {"TruncatedAvpHeaderIsDropped",
     [](std::uint32_t id) { return air(id, session_id(id), air_body() + u32(1)); },
     {},
     "unparseable octets from cnn\\.kmebind\\.test"},
    {"AvpLengthBeyondTheMessageIsDropped",
     [](std::uint32_t id) {
       return air(id, session_id(id), air_body() + avp(1, "x", kAvpM, 0, 200));
     },
     {},
     "unparseable octets from cnn\\.kmebind\\.test"},
    // Before the guard: freeDiameter's routing thread failed to copy the Proxy-Info into its
    // error answer, ended, and shut the Diameter core down.
    {"ProxyInfoThatDoesNotParseWithoutDestinationRealmIsRefusedByRouting",
     [](std::uint32_t id) {
       return air(id, session_id(id), air_body(false) + proxy_info_that_does_not_parse());
     },
     {3001},
     "removed 1 Proxy-Info AVP\\(s\\) whose content does not parse"},
    // Proxy-Info is for the proxies on the path; the HSS serves the request without it.
    {"ProxyInfoThatDoesNotParseIsRemovedAndTheRequestServed",
     [](std::uint32_t id) {
       return air(id, session_id(id), air_body() + proxy_info_that_does_not_parse());
     },
     {2001},
     "removed 1 Proxy-Info AVP"},
    // Found by diameter_s6a_fuzz (fuzz/corpus/diameter_s6a_fuzz/regress-proxy-info-v-bit-no-
    // content): a Proxy-Info with the V bit, Vendor-Id 0 and no content has no model, and
    // freeDiameter cannot copy it into an answer. Before the guard removed it: no answer (and a
    // leaked answer), and on the routing thread the Diameter core stopped (the HSS exited 1).
    {"ProxyInfoWithVBitAndNoContentIsRemovedAndTheRequestServed",
     [](std::uint32_t id) { return air(id, session_id(id), air_body() + avp(284, "", kAvpV, 0)); },
     {2001},
     "removed 1 Proxy-Info AVP"},
    {"ProxyInfoWithVBitAndNoContentWithoutDestinationRealmIsRefusedByRouting",
     [](std::uint32_t id) {
       return air(id, session_id(id), air_body(false) + avp(284, "", kAvpV, 0));
     },
     {3001},
     "removed 1 Proxy-Info AVP"},
    {"ProxyInfoWithVBitAndNoContentInAnAirThatDoesNotDecodeIsRefused",
     [](std::uint32_t id) {
       return air(id, session_id(id),
                  avp(277, u32(1)) + avp(264, kHost) + avp(296, kRealm) + avp(283, kRealm) +
                      avp(284, "", kAvpV, 0));
     },
     {5005},
     "removed 1 Proxy-Info AVP"},
    // An AVP that does not parse and has no value: freeDiameter's own error answer copied it into
    // Failed-AVP without data, could not bufferize the answer, and dropped it and the link (the
    // parsing error hook now gives such an AVP 4 zero octets; regress-unknown-mandatory-avp-no-
    // value, regress-auth-session-state-no-value).
    {"UnknownMandatoryAvpWithNoValueIsRefusedAsUnsupported",
     [](std::uint32_t id) { return air(id, session_id(id), air_body() + avp(99999, "", kAvpM)); },
     {5001},
     "does not parse: DIAMETER_AVP_UNSUPPORTED"},
    {"UnknownVendorAvpWithNoValueIsRefusedAsUnsupported",
     [](std::uint32_t id) { return air(id, session_id(id), air_body() + vavp(263, "", k3gpp)); },
     {5001},
     "does not parse: DIAMETER_AVP_UNSUPPORTED"},
    {"NestedUnknownMandatoryAvpWithNoValueIsRefusedAsUnsupported",
     [](std::uint32_t id) {
       return air(id, session_id(id),
                  avp(277, u32(1)) + avp(264, kHost) + avp(296, kRealm) + avp(283, kRealm) +
                      avp(1, kImsi) + vavp(1407, std::string("\x00\xf1\x10", 3), k3gpp) +
                      vavp(1408, vavp(1410, u32(1), k3gpp) + avp(99999, "", kAvpM), k3gpp));
     },
     {5001},
     "does not parse: DIAMETER_AVP_UNSUPPORTED"},
    {"Unsigned32AvpWithNoValueIsRefusedWithInvalidLength",
     [](std::uint32_t id) {
       return air(id, session_id(id),
                  avp(277, "") + avp(264, kHost) + avp(296, kRealm) + avp(283, kRealm) +
                      avp(1, kImsi) + vavp(1407, std::string("\x00\xf1\x10", 3), k3gpp) +
                      vavp(1408, vavp(1410, u32(1), k3gpp), k3gpp));
     },
     {5014},
     "does not parse"},
    // A watchdog request (link-local, answered by freeDiameter itself) aborted the HSS the same
    // way.
    {"WatchdogRequestWithSessionIdWithVBitIsAnswered",
     [](std::uint32_t id) {
       return message(kCmdR, kDwr, 0,
                      session_id_with_v_bit("x") + avp(264, kHost) + avp(296, kRealm), id);
     },
     {2001},
     "request 280 from 'cnn\\.kmebind\\.test': removed 1 Session-Id AVP"},
};

class MalformedRequest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    if (!have_program("openssl")) GTEST_SKIP() << "needs the openssl command";
    ASSERT_TRUE(prepare_demo_dir(dir_, 1, 0));
    std::string ready;
    hss_ = start_daemon(dir_, "hss", &ready);
    ASSERT_TRUE(hss_);
    const std::string key = "diameter=127.0.0.1:";
    const std::size_t at = ready.find(key);
    ASSERT_NE(at, std::string::npos) << ready;
    port_ = static_cast<std::uint16_t>(std::stoi(ready.substr(at + key.size())));
  }

  std::unique_ptr<TlsLink> connect() {
    std::string why;
    auto peer = TlsLink::admitted_peer(port_, dir_ / "cnn.pem", dir_ / "cnn.key", kHost, kRealm,
                                       dir_ / "s_client.err", &why);
    EXPECT_TRUE(peer) << why << "\n" << slurp(dir_ / "s_client.err");
    return peer;
  }

  // A valid AIR on `peer` (or on a new link if the HSS closed it) gets vectors.
  void expect_valid_air_served(std::unique_ptr<TlsLink>& peer) {
    const std::uint32_t id = 0x600d0001;
    std::optional<Received> answer;
    if (peer && !peer->closed() && peer->send(air(id, session_id(id), air_body()))) {
      answer = peer->next(10s);
    }
    // The link was closed (or is closing): a new one. freeDiameter may still be tearing the old
    // connection of the same peer down; on a loaded machine a link opened meanwhile can go
    // unanswered (seen once in a ctest -j2 run), so a few links are tried, each from scratch.
    for (int attempt = 0; !answer && attempt < 3; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(1s);
      peer = connect();
      ASSERT_TRUE(peer) << "the HSS no longer admits the peer";
      ASSERT_TRUE(peer->send(air(id, session_id(id), air_body())));
      answer = peer->next(10s);
    }
    ASSERT_TRUE(answer) << "no AIA for a valid AIR after the malformed message; hss.log:\n"
                        << slurp(dir_ / "hss.log");
    EXPECT_EQ(answer->command, kAir);
    EXPECT_EQ(answer->hop_by_hop, id);
    EXPECT_EQ(answer->result_code, 2001u);
    EXPECT_NE(std::find(answer->avp_codes.begin(), answer->avp_codes.end(), 1413u),
              answer->avp_codes.end())
        << "no Authentication-Info";
  }

  // Every secret `kmebind demo --prepare` made that the HSS holds or could print.
  std::vector<Secret> secrets() {
    std::vector<Secret> out;
    auto add = [&out](std::optional<Secret> s) {
      if (s) out.push_back(std::move(*s));
    };
    for (const char* key : {"hss.key", "cnn.key", "ca.key"})
      add(pem_private_key(dir_ / key, "TLS private key"));
    add(hex_secret("store master key", "kmebind.key", slurp(dir_ / "kmebind.key")));
    add(hex_secret("Cookie key", "cookie-1.key", slurp(dir_ / "cookie-1.key")));
    auto devices = parse_json(slurp(dir_ / "devices.json"));
    if (devices) {
      for (const auto& d : (*devices)["devices"]) {
        add(hex_secret("K", "IMSI " + d["imsi"].get<std::string>(), d["k"]));
        add(hex_secret("OPc", "IMSI " + d["imsi"].get<std::string>(), d["opc"]));
      }
    }
    return out;
  }

  TempDir tmp_;
  fs::path dir_ = tmp_ / "work";
  std::unique_ptr<Process> hss_;
  std::uint16_t port_ = 0;
};

TEST_P(MalformedRequest, HssAnswersOrDropsItAndKeepsServing) {
  const Case& c = GetParam();
  auto peer = connect();
  ASSERT_TRUE(peer);
  const std::uint32_t id = 0xbad00001;
  std::string octets = c.octets(id);
  octets.replace(12, 4, u32(id));  // Hop-by-Hop: the stored fuzz input has its own
  ASSERT_TRUE(peer->send(octets));

  if (c.result_codes.empty()) {
    auto answer = peer->next(2s);
    EXPECT_FALSE(answer && answer->hop_by_hop == id)
        << "an answer with Result-Code " << answer->result_code
        << " to a message that cannot be split into AVPs";
  } else {
    auto answer = peer->next(10s);
    ASSERT_TRUE(answer) << "no answer; HSS stderr:\n" << hss_->err();
    EXPECT_FALSE(answer->flags & kCmdR);
    EXPECT_EQ(answer->hop_by_hop, id);
    EXPECT_NE(std::find(c.result_codes.begin(), c.result_codes.end(), answer->result_code),
              c.result_codes.end())
        << "Result-Code " << answer->result_code;
  }

  expect_valid_air_served(peer);
  peer.reset();

  const std::string log = slurp(dir_ / "hss.log");
  EXPECT_TRUE(std::regex_search(log, std::regex(c.logged))) << c.logged << "\n" << log;
  const auto found = scan_files({dir_ / "hss.log", dir_ / "hss.out", dir_ / "hss.err"}, secrets());
  for (const Finding& f : found) ADD_FAILURE() << f.describe();

  hss_->signal(SIGTERM);
  EXPECT_EQ(hss_->wait(20s), 0) << hss_->err();
  EXPECT_FALSE(contains(hss_->err(), "Assertion")) << hss_->err();
}

INSTANTIATE_TEST_SUITE_P(FromAdmittedPeer, MalformedRequest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return std::string(param.param.name);
                         });

class MalformedFlood : public ::testing::Test {
 protected:
  static constexpr int kMessages = 200;
  static constexpr std::uint64_t kLinesPerWindow = 10;

  void SetUp() override {
    if (!have_program("openssl")) GTEST_SKIP() << "needs the openssl command";
    ASSERT_TRUE(prepare_demo_dir(dir_, 1, 0));
    std::ofstream(dir_ / "hss.yaml", std::ios::app) << "metrics: {address: 127.0.0.1, port: 0}\n";
    std::string ready;
    {
      // 10 lines per 2 s instead of 10 s, so that a window closes within the test.
      ScopedEnv limit("KMEBIND_LOG_LIMIT", "10/2");
      hss_ = start_daemon(dir_, "hss", &ready);
    }
    ASSERT_TRUE(hss_);
    const std::string key = "diameter=127.0.0.1:";
    const std::size_t at = ready.find(key);
    ASSERT_NE(at, std::string::npos) << ready;
    port_ = static_cast<std::uint16_t>(std::stoi(ready.substr(at + key.size())));
    metrics_port_ = metrics_port_of(ready);
    ASSERT_NE(metrics_port_, 0) << ready;
  }

  TempDir tmp_;
  fs::path dir_ = tmp_ / "work";
  std::unique_ptr<Process> hss_;
  std::uint16_t port_ = 0, metrics_port_ = 0;
};

TEST_F(MalformedFlood, TwoHundredMalformedRequestsCostAFewLogLinesAndAreAllCounted) {
  std::string why;
  auto peer = TlsLink::admitted_peer(port_, dir_ / "cnn.pem", dir_ / "cnn.key", kHost, kRealm,
                                     dir_ / "s_client.err", &why);
  ASSERT_TRUE(peer) << why;
  for (std::uint32_t i = 0; i < kMessages; ++i) {
    const std::uint32_t id = 0xf1000000 + i;
    const std::string head = session_id_with_v_bit("cnn.kmebind.test;1;" + std::to_string(id));
    ASSERT_TRUE(peer->send(air(id, head, air_body())));
  }
  for (int i = 0; i < kMessages; ++i) {
    auto answer = peer->next(10s);
    ASSERT_TRUE(answer) << "answer " << i << " missing; HSS stderr:\n" << hss_->err();
    EXPECT_EQ(answer->result_code, 5005u) << i;  // Session-Id removed: DIAMETER_MISSING_AVP
  }

  // /metrics: every removal counted (the daemon adds the guard's totals once a second).
  const std::string series =
      "kmebind_diameter_received_avps_removed_total{reason=\"session_id_v_bit\"}";
  std::optional<double> removed;
  for (auto until = Clock::now() + 5s; Clock::now() < until; std::this_thread::sleep_for(100ms)) {
    removed = metric_value(scrape_metrics(metrics_port_), series);
    if (removed && *removed >= kMessages) break;
  }
  EXPECT_EQ(removed, std::optional<double>(kMessages));
  const std::string metrics = scrape_metrics(metrics_port_);
  for (const char* other : {"session_id_nul", "proxy_info"}) {
    EXPECT_EQ(metric_value(metrics, "kmebind_diameter_received_avps_removed_total{reason=\"" +
                                        std::string(other) + "\"}"),
              std::optional<double>(0))
        << other;
  }

  // The log: each removal a line or part of a suppressed count, once the windows closed.
  const std::string guard_line = "removed 1 Session-Id AVP(s) with the V bit set";
  const std::string guard_key = "diameter.receive_guard:session_id_v_bit:cnn.kmebind.test";
  const std::string refused_line = "AIR from 'cnn.kmebind.test' refused with DIAMETER_MISSING_AVP";
  const std::string refused_key = "diameter.s6a_refused:cnn.kmebind.test";
  std::string log;
  for (auto until = Clock::now() + 6s; Clock::now() < until; std::this_thread::sleep_for(100ms)) {
    log = slurp(dir_ / "hss.log");
    if (events_in_log(log, guard_line, guard_key) >= kMessages &&
        events_in_log(log, refused_line, refused_key) >= kMessages) {
      break;
    }
  }
  EXPECT_EQ(events_in_log(log, guard_line, guard_key), kMessages) << log;
  EXPECT_EQ(events_in_log(log, refused_line, refused_key), kMessages) << log;
  // At most 10 lines per 2 s window: the flood and its answers take well under 4 s.
  const std::size_t guard_lines = lines_with(log, guard_line).size();
  EXPECT_GE(guard_lines, kLinesPerWindow);
  EXPECT_LE(guard_lines, 2 * kLinesPerWindow) << log;
  EXPECT_LE(lines_with(log, refused_line).size(), 2 * kLinesPerWindow) << log;
  EXPECT_FALSE(lines_with(log, "suppressed").empty()) << log;

  // Still serving: a valid AIR gets vectors.
  const std::uint32_t id = 0x600d0001;
  ASSERT_TRUE(peer->send(air(id, session_id(id), air_body())));
  auto answer = peer->next(10s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->result_code, 2001u);
  peer.reset();
  hss_->signal(SIGTERM);
  EXPECT_EQ(hss_->wait(20s), 0) << hss_->err();
}

// A stop right after a flood: the windows still open are reported before "stopped", so every
// removal is a line or part of a logged count even though no window closed by itself.
TEST_F(MalformedFlood, StopRightAfterAFloodStillLogsEverySuppressedCount) {
  std::string why;
  auto peer = TlsLink::admitted_peer(port_, dir_ / "cnn.pem", dir_ / "cnn.key", kHost, kRealm,
                                     dir_ / "s_client.err", &why);
  ASSERT_TRUE(peer) << why;
  constexpr int kFlood = 50;
  for (std::uint32_t i = 0; i < kFlood; ++i) {
    const std::uint32_t id = 0xf2000000 + i;
    const std::string head = session_id_with_v_bit("cnn.kmebind.test;1;" + std::to_string(id));
    ASSERT_TRUE(peer->send(air(id, head, air_body())));
  }
  for (int i = 0; i < kFlood; ++i) ASSERT_TRUE(peer->next(10s)) << "answer " << i << " missing";
  peer.reset();
  hss_->signal(SIGTERM);
  ASSERT_EQ(hss_->wait(20s), 0) << hss_->err();
  const std::string log = slurp(dir_ / "hss.log");
  const std::string guard_line = "removed 1 Session-Id AVP(s) with the V bit set";
  const std::string guard_key = "diameter.receive_guard:session_id_v_bit:cnn.kmebind.test";
  EXPECT_EQ(events_in_log(log, guard_line, guard_key), std::uint64_t{kFlood}) << log;
  EXPECT_LE(lines_with(log, guard_line).size(), 2 * kLinesPerWindow) << log;
}

// Any TCP client can reach the Diameter port: each connection that fails its TLS handshake made
// freeDiameter log an error and the logging hook a warning.
TEST_F(MalformedFlood, ConnectionsThatFailTheirHandshakeCostAFewLogLines) {
  constexpr int kConnections = 40;
  for (int i = 0; i < kConnections; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    const std::string garbage = "not a TLS client hello\r\n";
    EXPECT_EQ(::write(fd, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
    ::shutdown(fd, SHUT_WR);
    char buf[256];
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, 2000) > 0 && ::read(fd, buf, sizeof buf) > 0) {
    }
    ::close(fd);
  }
  const std::string failed_line = "link with (unidentified peer) failed: TLS handshake failed";
  std::string log;
  for (auto until = Clock::now() + 6s; Clock::now() < until; std::this_thread::sleep_for(100ms)) {
    log = slurp(dir_ / "hss.log");
    if (events_in_log(log, failed_line, "diameter.link_failed:unidentified") >= kConnections) break;
  }
  EXPECT_EQ(events_in_log(log, failed_line, "diameter.link_failed:unidentified"),
            std::uint64_t{kConnections})
      << log;
  EXPECT_LE(lines_with(log, failed_line).size(), 2 * kLinesPerWindow) << log;
  EXPECT_LE(lines_with(log, "freeDiameter: TLS ERROR").size(), 2 * kLinesPerWindow) << log;
  EXPECT_FALSE(lines_with(log, "of kind 'freediameter.error' suppressed").empty()) << log;
  std::optional<double> failures;
  for (auto until = Clock::now() + 3s; Clock::now() < until; std::this_thread::sleep_for(100ms)) {
    failures = metric_value(scrape_metrics(metrics_port_), "kmebind_diameter_link_failures_total");
    if (failures && *failures >= kConnections) break;
  }
  EXPECT_EQ(failures, std::optional<double>(kConnections));
  hss_->signal(SIGTERM);
  EXPECT_EQ(hss_->wait(20s), 0) << hss_->err();
}

TEST_F(MalformedFlood, LogLimitThatDoesNotParseIsAConfigurationError) {
  hss_->signal(SIGTERM);
  ASSERT_EQ(hss_->wait(20s), 0);
  Process p({"hss", "--config", (dir_ / "hss.yaml").string()}, dir_ / "bad.out", dir_ / "bad.err",
            {"KMEBIND_LOG_LIMIT=10 per second"});
  EXPECT_EQ(p.wait(20s), 3);
  EXPECT_TRUE(contains(p.err(), "KMEBIND_LOG_LIMIT='10 per second': expected <lines>/<seconds>"))
      << p.err();
}

}  // namespace
}  // namespace kmebind::test
