// UEs cannot make the daemons write a log line each (docs/operations.md §4 "Lines triggered by
// remote input"): 60 binding-violation devices (`kmebind sim --violations`) are each rejected
// with #6, and the CNN's reject lines and the HSS's refusal lines stay within the rate limit
// (here 10 lines per kind per 2 s, KMEBIND_LOG_LIMIT=10/2) while every reject is either a line or
// in a suppressed count that matches the metrics. The Diameter side of the limit is tested in
// malformed_request_test.cpp (MalformedFlood).
#include <thread>

#include "apps/network_harness.h"
#include "system/log_lines.h"
#include "system/system_harness.h"

namespace kmebind::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kViolations = 60;
constexpr std::uint64_t kLinesPerWindow = 10;

class LogFlood : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_program("openssl")) GTEST_SKIP() << "needs the openssl command";
    ASSERT_TRUE(prepare_demo_dir(dir_, kViolations, kViolations));
    for (const char* role : {"hss", "cnn"}) {
      std::ofstream(dir_ / (std::string(role) + ".yaml"), std::ios::app)
          << "metrics: {address: 127.0.0.1, port: 0}\n";
    }
    ScopedEnv limit("KMEBIND_LOG_LIMIT", "10/2");
    std::string ready;
    hss_ = start_daemon(dir_, "hss", &ready);
    ASSERT_TRUE(hss_);
    hss_metrics_ = metrics_port_of(ready);
    cnn_ = start_daemon(dir_, "cnn", &ready);
    ASSERT_TRUE(cnn_);
    cnn_metrics_ = metrics_port_of(ready);
    ASSERT_NE(hss_metrics_, 0);
    ASSERT_NE(cnn_metrics_, 0);
  }

  // Polls until every event of `key` is accounted for in `log_file` as `expected` (the windows
  // close 2 s after they open; the daemon writes their counts within a second after that).
  std::uint64_t accounted(const fs::path& log_file, const std::string& line_text,
                          const std::string& key, std::uint64_t expected) {
    std::uint64_t events = 0;
    for (auto until = Clock::now() + 6s; Clock::now() < until; std::this_thread::sleep_for(100ms)) {
      events = events_in_log(slurp(log_file), line_text, key);
      if (events >= expected) break;
    }
    return events;
  }

  TempDir tmp_;
  fs::path dir_ = tmp_ / "work";
  std::unique_ptr<Process> hss_, cnn_;
  std::uint16_t hss_metrics_ = 0, cnn_metrics_ = 0;
};

TEST_F(LogFlood, RejectedUesCostAFewLinesPerKindAndEveryRejectIsAccountedFor) {
  CliResult sim = run_kmebind(dir_, "sim",
                              {"sim", "--config", (dir_ / "sim.yaml").string(), "--ues", "0",
                               "--violations", std::to_string(kViolations), "--no-retry",
                               "--no-save", "--json", "--quiet"},
                              60s);
  auto report = parse_json(sim.out);
  ASSERT_TRUE(report) << sim.out << sim.err;
  EXPECT_EQ((*report)["binding_violations_rejected"], kViolations) << report->dump();

  // CNN: the rejects of each kind (kmebind_cnn_attach_total{result}) are lines or counted.
  const std::string cnn_metrics = scrape_metrics(cnn_metrics_);
  double rejects = 0;
  for (const std::string kind : {"binding-violation", "device-authentication-failed"}) {
    const auto counted =
        metric_value(cnn_metrics, "kmebind_cnn_attach_total{result=\"" + kind + "\"}");
    if (!counted || *counted == 0) continue;
    rejects += *counted;
    const std::string line = "cnn: " + kind + " ue=";
    EXPECT_EQ(accounted(dir_ / "cnn.log", line, "cnn.event:" + kind,
                        static_cast<std::uint64_t>(*counted)),
              static_cast<std::uint64_t>(*counted))
        << kind << "\n" << slurp(dir_ / "cnn.log");
    // Without the limit each reject is a line; the run takes well under one 2 s window.
    EXPECT_LE(lines_with(slurp(dir_ / "cnn.log"), line).size(), 2 * kLinesPerWindow) << kind;
    EXPECT_LT(lines_with(slurp(dir_ / "cnn.log"), line).size(), *counted) << kind;
  }
  EXPECT_EQ(rejects, static_cast<double>(kViolations));
  EXPECT_FALSE(lines_with(slurp(dir_ / "cnn.log"), " suppressed in the last ").empty());

  // HSS: its binding-violation refusals (kmebind_hss_requests_total) likewise.
  const auto refused = metric_value(
      scrape_metrics(hss_metrics_),
      "kmebind_hss_requests_total{command=\"kme\",result=\"KME_ERROR_BINDING_VIOLATION\"}");
  ASSERT_TRUE(refused);
  EXPECT_GT(*refused, static_cast<double>(kLinesPerWindow)) << "too few to be limited";
  const std::string line = "kme refused imsi=";
  EXPECT_EQ(accounted(dir_ / "hss.log", line, "hss.refused:kme:KME_ERROR_BINDING_VIOLATION",
                      static_cast<std::uint64_t>(*refused)),
            static_cast<std::uint64_t>(*refused))
      << slurp(dir_ / "hss.log");
  EXPECT_LE(lines_with(slurp(dir_ / "hss.log"), line).size(), 2 * kLinesPerWindow);
  EXPECT_LT(lines_with(slurp(dir_ / "hss.log"), line).size(), *refused);

  cnn_->signal(SIGTERM);
  EXPECT_EQ(cnn_->wait(20s), 0) << cnn_->err();
  hss_->signal(SIGTERM);
  EXPECT_EQ(hss_->wait(20s), 0) << hss_->err();
}

}  // namespace
}  // namespace kmebind::test
