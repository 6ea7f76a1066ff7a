// A refused KME confirm that says nothing against the device ends with Attach reject #17, and the
// UE attaches again after T3411 (docs/protocol.md §3; TS 24.301 §5.5.1.2.6 d) — between the real
// daemons, over TLS. The HSS's Cookie lifetime is cut to 1 s and the sim holds its device's KME
// Provisioning Response for 2 s, once: the first confirm reaches the HSS with an expired Cookie
// (KME_ERROR_COOKIE_EXPIRED), the CNN rejects with #17, the sim's UE retries after T3411 and is
// provisioned afresh. With #6 the device would have stayed off the network until switched off.
#include <fstream>
#include <sstream>

#include "apps/network_harness.h"
#include "system/system_harness.h"

namespace kmebind::test {
namespace {

using namespace std::chrono_literals;

class KmeConfirmRetry : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_program("openssl")) GTEST_SKIP() << "needs the openssl command";
    ASSERT_TRUE(prepare_demo_dir(dir_, 4, 0));  // procedure-1 and -2 devices
    const fs::path hss_yaml = dir_ / "hss.yaml";
    std::string yaml = slurp(hss_yaml);
    const std::string lifetime = "cookie_lifetime_s: 300";
    const auto at = yaml.find(lifetime);
    ASSERT_NE(at, std::string::npos) << yaml;
    yaml.replace(at, lifetime.size(), "cookie_lifetime_s: 1");
    std::ofstream(hss_yaml, std::ios::trunc) << yaml;
    hss_ = start_daemon(dir_, "hss", nullptr);
    ASSERT_TRUE(hss_);
    cnn_ = start_daemon(dir_, "cnn", nullptr);
    ASSERT_TRUE(cnn_);
  }

  CliResult sim(const std::string& tag, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"sim",         "--config", (dir_ / "sim.yaml").string(),
                                     "--ues",       "1",        "--procedure",
                                     "2",           "--json",   "--quiet",
                                     "--outcomes",  (dir_ / (tag + ".jsonl")).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_kmebind(dir_, "sim-" + tag, args, 90s);
  }

  TempDir tmp_;
  fs::path dir_ = tmp_ / "work";
  std::unique_ptr<Process> hss_, cnn_;
};

TEST_F(KmeConfirmRetry, ExpiredCookieRejectsWithNetworkFailureAndTheUeAttachesAfterT3411) {
  const CliResult r =
      sim("retry", {"--retry", "--t3411-ms", "200", "--hold-kme-response", "2000"});
  ASSERT_EQ(r.code, 0) << r.out << r.err << slurp(dir_ / "cnn.log");
  auto report = parse_json(r.out);
  ASSERT_TRUE(report) << r.out << r.err;
  EXPECT_EQ((*report)["attached"], 1) << report->dump();
  EXPECT_EQ((*report)["network_failure_rejects"], 1) << report->dump();
  EXPECT_EQ((*report)["attempts"], 2) << report->dump();
  EXPECT_EQ((*report)["kme_provisioned_procedure2"], 1) << report->dump();
  EXPECT_EQ((*report)["unexpected"], 0) << report->dump();
  const std::string hss_log = slurp(dir_ / "hss.log");
  EXPECT_NE(hss_log.find("KME_ERROR_COOKIE_EXPIRED"), std::string::npos) << hss_log;
}

TEST_F(KmeConfirmRetry, WithoutRetriesTheExpiredCookieIsAFinalNetworkFailureNotIllegalMe) {
  const CliResult r = sim("once", {"--no-retry", "--hold-kme-response", "2000"});
  auto report = parse_json(r.out);
  ASSERT_TRUE(report) << r.out << r.err;
  EXPECT_EQ((*report)["attached"], 0) << report->dump();
  std::ifstream outcomes(dir_ / "once.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(outcomes, line));
  auto outcome = parse_json(line);
  ASSERT_TRUE(outcome) << line;
  EXPECT_EQ((*outcome)["outcome"], "rejected") << line;
  EXPECT_EQ((*outcome)["emm_cause"], 17) << line;  // TS 24.301 #17, not #6
  EXPECT_EQ((*outcome)["network_failure_rejects"], 1) << line;
}

}  // namespace
}  // namespace kmebind::test
