// The HSS answers only configured, authenticated Diameter peers (DESIGN.md §4, §6; issue
// "network" §7), shown with real `kmebind hss` / `kmebind cnn` / `kmebind sim` processes on
// loopback: a CNN whose certificate comes from another CA, and a CNN whose identity is not on
// allowed_peers, never get an S6a link, and their UEs are rejected with #22 (congestion, T3346:
// TS 29.272 Annex A / docs/protocol.md §3) instead of being served.
#include "network_harness.h"

namespace kmebind::test {
namespace {

// The sim's report for `ues` devices of `dir`.
nlohmann::json attach(const fs::path& dir, const std::string& name, std::size_t ues,
                      int expected_code) {
  CliResult r = run_kmebind(
      dir, name,
      {"sim", "--config", (dir / "sim.yaml").string(), "--ues", std::to_string(ues), "--json",
       "--quiet", "--no-save", "--outcomes", (dir / (name + ".jsonl")).string()},
      std::chrono::seconds(60));
  EXPECT_EQ(r.code, expected_code) << r.out << r.err;
  auto j = parse_json(r.out);
  EXPECT_TRUE(j) << r.out << r.err;
  return j.value_or(nlohmann::json::object());
}

class NetworkPeers : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(prepare_demo_dir(dir_, 2, 1));
    // The CNN's start-up wait for an HSS link: a refused link never comes, so keep it short.
    ASSERT_TRUE(
        replace_in_file(dir_ / "cnn.yaml", "connect_wait_ms: 10000", "connect_wait_ms: 4000"));
  }
  TempDir tmp_;
  fs::path dir_ = tmp_ / "work";
};

TEST_F(NetworkPeers, ControlCnnWithTheRightCertificateIsServed) {
  std::string cnn_ready;
  auto hss = start_daemon(dir_, "hss", nullptr);
  ASSERT_TRUE(hss);
  auto cnn = start_daemon(dir_, "cnn", &cnn_ready);
  ASSERT_TRUE(cnn);
  EXPECT_TRUE(contains(cnn_ready, "peers_up=1/1")) << cnn_ready;
  auto report = attach(dir_, "sim", 2, 0);
  EXPECT_EQ(report["attached"], 2);
}

TEST_F(NetworkPeers, CnnWithACertificateFromAnotherCaGetsNoLink) {
  // A second demo PKI: a CA with the same name and another key, and a "cnn.kmebind.test"
  // certificate from it. The CNN trusts only that CA, as a rogue node would.
  const fs::path rogue = tmp_ / "rogue";
  ASSERT_TRUE(prepare_demo_dir(rogue, 1, 1));
  ASSERT_TRUE(replace_in_file(dir_ / "cnn.yaml", (dir_ / "cnn.pem").string(),
                              (rogue / "cnn.pem").string()));
  ASSERT_TRUE(replace_in_file(dir_ / "cnn.yaml", (dir_ / "cnn.key").string(),
                              (rogue / "cnn.key").string()));
  ASSERT_TRUE(
      replace_in_file(dir_ / "cnn.yaml", (dir_ / "ca.pem").string(), (rogue / "ca.pem").string()));

  auto hss = start_daemon(dir_, "hss", nullptr);
  ASSERT_TRUE(hss);
  std::string cnn_ready;
  auto cnn = start_daemon(dir_, "cnn", &cnn_ready);
  ASSERT_TRUE(cnn);
  EXPECT_TRUE(contains(cnn_ready, "peers_up=0/1")) << cnn_ready;

  auto report = attach(dir_, "sim", 1, 1);
  EXPECT_EQ(report["attached"], 0);
  EXPECT_EQ(report["failures"]["emm-cause-22"], 1) << report.dump();
  // The TLS handshake fails: the CNN finds no known issuer for the HSS's certificate and aborts,
  // so the HSS sees a failed handshake from an unidentified peer. (A freeDiameter node cannot
  // trust one CA while presenting a certificate of another: it refuses to start. That the HSS
  // itself refuses a client certificate of another CA is shown with a bare TLS peer in
  // tests/diameter/live_tls_test.cpp.) Nothing reached the HSS's S6a handler.
  const std::string hss_log = slurp(dir_ / "hss.log");
  EXPECT_TRUE(contains(hss_log, "link with (unidentified peer) failed: TLS handshake failed"))
      << hss_log;
  EXPECT_FALSE(contains(hss_log, "air ok")) << hss_log;
  EXPECT_FALSE(contains(hss_log, "accepted peer")) << hss_log;
  EXPECT_TRUE(contains(slurp(dir_ / "cnn.log"), "TLS Handshake failed")) << slurp(dir_ / "cnn.log");
}

TEST_F(NetworkPeers, UnknownPeerIdentityIsRefusedByTheHss) {
  ASSERT_TRUE(replace_in_file(dir_ / "hss.yaml", "allowed_peers: [cnn.kmebind.test]",
                              "allowed_peers: [other-cnn.kmebind.test]"));
  auto hss = start_daemon(dir_, "hss", nullptr);
  ASSERT_TRUE(hss);
  std::string cnn_ready;
  auto cnn = start_daemon(dir_, "cnn", &cnn_ready);
  ASSERT_TRUE(cnn);
  EXPECT_TRUE(contains(cnn_ready, "peers_up=0/1")) << cnn_ready;

  auto report = attach(dir_, "sim", 1, 1);
  EXPECT_EQ(report["attached"], 0);
  EXPECT_EQ(report["failures"]["emm-cause-22"], 1) << report.dump();
  // The HSS admitted the TLS link (the certificate is good) and refused the CER: CEA 3010.
  const std::string hss_log = slurp(dir_ / "hss.log");
  EXPECT_TRUE(contains(hss_log, "refused peer 'cnn.kmebind.test': not on the allow-list"))
      << hss_log;
  EXPECT_TRUE(contains(hss_log, "DIAMETER_UNKNOWN_PEER")) << hss_log;
  EXPECT_FALSE(contains(hss_log, "air ok")) << hss_log;
}

}  // namespace
}  // namespace kmebind::test
