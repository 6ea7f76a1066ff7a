// A malformed message from its HSS must not stop a running `kmebind cnn` (docs/diameter.md
// "Malformed messages from an admitted peer"). The HSS here is made by hand: `openssl s_server`
// with the demo HSS's certificate (raw_diameter_peer.h) that the CNN connects to. It answers the
// CNN's CER and then, when a UE attaches (`kmebind sim`), the CNN's AIR. Before the receive guard
// (src/diameter/receive_guard.h) the CNN aborted on an AIA whose Session-Id had the V bit and
// Vendor-Id 0 (`fd_msg_parse_or_error: Assertion 'ahdr->avp_value' failed`) and on such a DWR
// (`fd_msg_sess_get: Assertion 'avp->avp_public.avp_value' failed`). Each case checks that the
// CNN reads the next AIA, rejects the UE as that AIA says, logs the problem, counts the removal
// in its metrics (kmebind_diameter_received_avps_removed_total) and exits 0 on SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <functional>
#include <regex>
#include <thread>

#include "apps/network_harness.h"
#include "system/raw_diameter_peer.h"
#include "system/system_harness.h"
#include "test_ports.h"

namespace kmebind::test {
namespace {

using namespace diameter_wire;
using namespace std::chrono_literals;

constexpr const char* kHss = "hss.kmebind.test";
constexpr const char* kRealm = "kmebind.test";
constexpr std::uint32_t kAir = 318;

// The value of the request's Session-Id (RFC 6733 §8.8), empty if it has none.
std::string session_id_value(const Received& request) {
  const std::string& m = request.octets;
  for (std::size_t p = 20; p + 8 <= m.size();) {
    const std::uint32_t code = be(m, p, 4), length = be(m, p + 5, 3);
    if (length < 8 || p + length > m.size()) break;
    if (code == 263 && (m[p + 4] & kAvpV) == 0) return m.substr(p + 8, length - 8);
    p += (length + 3) & ~std::size_t{3};
  }
  return {};
}

// AIA (TS 29.272 §7.2.6) with DIAMETER_UNABLE_TO_COMPLY: the CNN rejects the UE with #17.
std::string aia_unable_to_comply(const Received& air, const std::string& session_id_avp) {
  return answer_to(air.octets, session_id_avp + avp(277, u32(1)) + avp(264, kHss) +
                                   avp(296, kRealm) + avp(268, u32(5012)));
}

class MalformedFromHss : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_program("openssl")) GTEST_SKIP() << "needs the openssl command";
    ASSERT_TRUE(prepare_demo_dir(dir_, 1, 0));
    const std::uint16_t port = free_loopback_port();
    ASSERT_NE(port, 0);
    // The CNN's HSS peer becomes the hand-made one.
    std::string cnn_yaml = slurp(dir_ / "cnn.yaml");
    const std::string peer = "identity: hss.kmebind.test, address: 127.0.0.1, port: ";
    const std::size_t at = cnn_yaml.find(peer);
    ASSERT_NE(at, std::string::npos) << cnn_yaml;
    const std::size_t digits = at + peer.size();
    cnn_yaml.replace(digits, cnn_yaml.find('}', digits) - digits, std::to_string(port));
    cnn_yaml += "metrics: {address: 127.0.0.1, port: 0}\n";
    write_file(dir_ / "cnn.yaml", cnn_yaml);

    hss_ = TlsLink::listener(port, dir_ / "hss.pem", dir_ / "hss.key", dir_ / "ca.pem", kHss,
                             kRealm, dir_ / "s_server.err");
    ASSERT_TRUE(hss_);
    std::this_thread::sleep_for(300ms);  // s_server listening
    cnn_ = std::make_unique<Process>(
        std::vector<std::string>{"cnn", "--config", (dir_ / "cnn.yaml").string()}, dir_ / "cnn.out",
        dir_ / "cnn.err");
    auto cer = hss_->next(15s);
    ASSERT_TRUE(cer && cer->command == 257) << "no CER from the CNN\n"
                                            << slurp(dir_ / "s_server.err") << cnn_->err();
    ASSERT_TRUE(hss_->answer_cer(*cer));
    auto ready = cnn_->wait_for_stdout("kmebind cnn ready:", 25s);
    ASSERT_TRUE(ready) << cnn_->err();
    metrics_port_ = metrics_port_of(*ready);
    ASSERT_NE(metrics_port_, 0) << *ready;
  }

  // One UE attaches; the hand-made HSS answers its AIR with `answer(air)`. Returns the UE's
  // outcome line from `kmebind sim --outcomes`.
  nlohmann::json attach_answering(const std::string& tag,
                                  const std::function<std::string(const Received&)>& answer) {
    Process sim({"sim", "--config", (dir_ / "sim.yaml").string(), "--ues", "1", "--quiet",
                 "--no-save", "--no-retry", "--outcomes", (dir_ / (tag + ".jsonl")).string()},
                dir_ / (tag + ".out"), dir_ / (tag + ".err"));
    auto air = hss_->next(20s);
    EXPECT_TRUE(air && air->command == kAir && (air->flags & kCmdR) != 0) << "no AIR from the CNN\n"
                                                                          << cnn_->err();
    if (air) {
      EXPECT_TRUE(hss_->send(answer(*air)));
    }
    EXPECT_TRUE(sim.wait(30s).has_value()) << sim.err();
    auto lines = read_outcomes(dir_ / (tag + ".jsonl"));
    EXPECT_EQ(lines.size(), 1u) << sim.out() << sim.err();
    return lines.empty() ? nlohmann::json::object() : lines[0];
  }

  void expect_rejected_for_network_failure(const nlohmann::json& outcome) {
    EXPECT_EQ(outcome.value("outcome", ""), "rejected") << outcome.dump();
    EXPECT_EQ(outcome.value("emm_cause", 0), 17) << outcome.dump();  // TS 24.301 #17
  }

  // The CNN still runs and stops cleanly; its log matches `logged`; its metrics count the
  // `removed` V-bit Session-Ids (refreshed once a second).
  void expect_cnn_healthy(const std::string& logged, double removed) {
    const std::string log = slurp(dir_ / "cnn.log");
    EXPECT_TRUE(std::regex_search(log, std::regex(logged))) << logged << "\n" << log;
    const std::string series =
        "kmebind_diameter_received_avps_removed_total{reason=\"session_id_v_bit\"}";
    std::optional<double> counted;
    for (auto until = Clock::now() + 3s; Clock::now() < until; std::this_thread::sleep_for(100ms)) {
      counted = metric_value(scrape_metrics(metrics_port_), series);
      if (counted && *counted >= removed) break;
    }
    EXPECT_EQ(counted, std::optional<double>(removed));
    cnn_->signal(SIGTERM);
    (void)hss_->next(2s);  // answers the CNN's DPR
    EXPECT_EQ(cnn_->wait(20s), 0) << cnn_->err();
    EXPECT_FALSE(contains(cnn_->err(), "Assertion")) << cnn_->err();
  }

  TempDir tmp_;
  fs::path dir_ = tmp_ / "work";
  std::unique_ptr<TlsLink> hss_;
  std::unique_ptr<Process> cnn_;
  std::uint16_t metrics_port_ = 0;
};

TEST_F(MalformedFromHss, AiaWhoseSessionIdHasTheVBitIsReadAndTheNextAiaToo) {
  auto first = attach_answering("sim-1", [](const Received& air) {
    return aia_unable_to_comply(air, avp(263, session_id_value(air), kAvpV | kAvpM, 0));
  });
  expect_rejected_for_network_failure(first);
  auto second = attach_answering("sim-2", [](const Received& air) {
    return aia_unable_to_comply(air, avp(263, session_id_value(air)));
  });
  expect_rejected_for_network_failure(second);
  expect_cnn_healthy("answer 318 from 'hss\\.kmebind\\.test': removed 1 Session-Id AVP", 1);
}

TEST_F(MalformedFromHss, WatchdogWhoseSessionIdHasTheVBitIsAnsweredAndAttachesGoOn) {
  ASSERT_TRUE(hss_->send(
      message(kCmdR, 280, 0, avp(263, "x", kAvpV | kAvpM, 0) + avp(264, kHss) + avp(296, kRealm),
              0xd0d0d0d0)));
  auto dwa = hss_->next(10s);
  ASSERT_TRUE(dwa) << "no DWA\n" << cnn_->err();
  EXPECT_EQ(dwa->command, 280u);
  EXPECT_EQ(dwa->hop_by_hop, 0xd0d0d0d0u);
  EXPECT_EQ(dwa->result_code, 2001u);
  auto outcome = attach_answering("sim", [](const Received& air) {
    return aia_unable_to_comply(air, avp(263, session_id_value(air)));
  });
  expect_rejected_for_network_failure(outcome);
  expect_cnn_healthy("request 280 from 'hss\\.kmebind\\.test': removed 1 Session-Id AVP", 1);
}

}  // namespace
}  // namespace kmebind::test
