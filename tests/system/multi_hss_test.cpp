// Several stateless HSS front-ends on one store (issue 6 item 2, docs/reliability.md "Crash
// survival and HSS front-ends"): the CNN spreads its S6a requests over them, a KME-Request
// (procedure 2: the Cookie) answered by one front-end is confirmed by the ULR at another — the
// Cookie key ring is shared through configuration —, and a front-end killed and started again
// rejoins. The store is PostgreSQL when the fixture's server is there (KMEBIND_TEST_PG_URL), else
// one SQLite file that every front-end opens (WAL across processes).
#include <regex>

#include "system/system_harness.h"

namespace kmebind::test {
namespace {

// IMSIs of the log lines "<what> imsi=<IMSI>" (e.g. "kme ok", "kme stored").
std::set<std::string> imsis_logged(const fs::path& log, const std::string& what) {
  std::set<std::string> out;
  const std::regex re(what + " imsi=([0-9]+)");
  const std::string text = slurp(log);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out.insert((*it)[1].str());
  }
  return out;
}

// IMSIs whose procedure-2 material (the Cookie) this front-end issued: at a KME-Request ("kme ok
// imsi=…"), or on the AIA (KME material on the AIA, the default: "air ok imsi=… KME material …
// attached").
std::set<std::string> material_issued(const fs::path& log) {
  std::set<std::string> out = imsis_logged(log, "kme ok");
  const std::regex re("air ok imsi=([0-9]+)[^\n]*KME material for IMEI [0-9]+ attached");
  const std::string text = slurp(log);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out.insert((*it)[1].str());
  }
  return out;
}

class MultiHss : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pg_.url().empty()) options_.store_url = pg_.url();
    options_.hss_log_level = "debug";  // "kme ok imsi=…" tells which front-end answered a KMR
  }
  void expect_store_consistent(Deployment& d) {
    auto s = d.open_store();
    ASSERT_TRUE(s) << s.error().what();
    const StoreIntegrity integrity = check_store_integrity(**s);
    for (const auto& p : integrity.problems) ADD_FAILURE() << "store: " << p;
    const DeviceComparison devices = check_devices_match_store(**s, d.devices(), 1'000'000);
    for (const auto& p : devices.problems) ADD_FAILURE() << "device: " << p;
    EXPECT_EQ(devices.matching, integrity.kmes);
  }
  PgDatabase pg_;
  DeploymentOptions options_;
  TempDir tmp_;
};

TEST_F(MultiHss, RequestsAreSpreadOverTheFrontEndsAndACookieOpensAtAnyOfThem) {
  options_.ues = 600;  // 300 of them allow procedure 2
  Deployment d(tmp_ / "work", options_);
  ASSERT_TRUE(d.prepare());
  auto hss0 = d.start_hss(0);
  auto hss1 = d.start_hss(1);
  ASSERT_TRUE(hss0 && hss1);
  auto cnn = d.start_cnn(2);
  ASSERT_TRUE(cnn);

  CliResult run = run_kmebind(
      d.dir(), "sim",
      d.sim_args(300, 0, "outcomes.jsonl", {"--procedure", "2", "--max-in-flight", "100"}));
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  auto report = parse_json(run.out);
  ASSERT_TRUE(report) << run.out;
  EXPECT_EQ((*report)["attached"], 300);
  EXPECT_EQ((*report)["kme_provisioned_procedure2"], 300);

  // Both front-ends answered KME-Requests and stored KMEs.
  const auto kmr0 = material_issued(d.hss_log(0)), kmr1 = material_issued(d.hss_log(1));
  const auto ulr0 = imsis_logged(d.hss_log(0), "kme stored"),
             ulr1 = imsis_logged(d.hss_log(1), "kme stored");
  EXPECT_EQ(ulr0.size() + ulr1.size(), 300u);
  EXPECT_GE(kmr0.size(), 10u) << "front-end 0 answered " << kmr0.size() << " of 300 KMRs";
  EXPECT_GE(kmr1.size(), 10u) << "front-end 1 answered " << kmr1.size() << " of 300 KMRs";
  // Cookies sealed by one front-end and opened by the other (the requests of one attach are
  // routed independently).
  std::size_t crossed = 0;
  for (const auto& imsi : kmr0) crossed += ulr1.count(imsi);
  for (const auto& imsi : kmr1) crossed += ulr0.count(imsi);
  std::cout << "[ multi-hss ] KMRs " << kmr0.size() << " / " << kmr1.size() << ", stored "
            << ulr0.size() << " / " << ulr1.size() << ", confirmed at the other front-end "
            << crossed << "\n";
  EXPECT_GT(crossed, 0u);
  expect_store_consistent(d);
}

// Deterministic form of the Cookie hand-over: the sim holds the device's KME Provisioning
// Response, the front-end that answered the KME-Request is killed, and the ULR (Cookie +
// signature) can only be confirmed by the other one.
TEST_F(MultiHss, KmeRequestAnsweredByAKilledFrontEndIsConfirmedAtAnother) {
  options_.ues = 2;  // device 1 allows procedure 2
  Deployment d(tmp_ / "work", options_);
  ASSERT_TRUE(d.prepare());
  std::unique_ptr<Process> hss[2] = {d.start_hss(0), d.start_hss(1)};
  ASSERT_TRUE(hss[0] && hss[1]);
  auto cnn = d.start_cnn(2);
  ASSERT_TRUE(cnn);

  Process sim(
      d.sim_args(1, 0, "outcomes.jsonl", {"--procedure", "2", "--hold-kme-response", "4000"}),
      d.dir() / "sim.out", d.dir() / "sim.err");
  ASSERT_TRUE(sim.wait_for_stderr("kmebind sim: holding the KME Provisioning Response",
                                  std::chrono::seconds(20)))
      << sim.err();
  const bool zero = !material_issued(d.hss_log(0)).empty();
  ASSERT_NE(zero, !material_issued(d.hss_log(1)).empty())
      << "exactly one front-end answered";
  const std::size_t issuer = zero ? 0 : 1, other = 1 - issuer;
  hss[issuer]->kill();

  const auto code = sim.wait(std::chrono::seconds(40));
  ASSERT_TRUE(code) << sim.err();
  EXPECT_EQ(*code, 0) << sim.out() << sim.err();
  auto report = parse_json(sim.out());
  ASSERT_TRUE(report) << sim.out();
  EXPECT_EQ((*report)["kme_provisioned_procedure2"], 1) << report->dump();
  EXPECT_EQ(imsis_logged(d.hss_log(other), "kme stored").size(), 1u) << slurp(d.hss_log(other));
  expect_store_consistent(d);
}

TEST_F(MultiHss, AFrontEndKilledAndStartedAgainRejoins) {
  options_.ues = 200;
  Deployment d(tmp_ / "work", options_);
  ASSERT_TRUE(d.prepare());
  auto hss0 = d.start_hss(0);
  auto hss1 = d.start_hss(1);
  ASSERT_TRUE(hss0 && hss1);
  auto cnn = d.start_cnn(2);
  ASSERT_TRUE(cnn);

  hss1->kill();
  ASSERT_TRUE(d.wait_cnn_peers_up(1, std::chrono::seconds(5)));
  const auto down = Clock::now() + std::chrono::seconds(3);
  while (Clock::now() < down && d.cnn_peers_up() > 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(d.cnn_peers_up(), 1) << "the CNN still counts the killed front-end";
  // Served by the survivor meanwhile.
  CliResult first = run_kmebind(d.dir(), "sim-1", d.sim_args(100, 0, "first.jsonl"));
  EXPECT_EQ(first.code, 0) << first.out << first.err;

  const auto restarted_at = Clock::now();
  hss1 = d.start_hss(1);
  ASSERT_TRUE(hss1);
  ASSERT_TRUE(d.wait_cnn_peers_up(2, std::chrono::seconds(15))) << slurp(d.cnn_log());
  const double rejoin_s = std::chrono::duration<double>(Clock::now() - restarted_at).count();
  std::cout << "[ multi-hss ] restarted front-end back in the CNN's peer set after " << rejoin_s
            << " s\n";
  const std::size_t before = imsis_logged(d.hss_log(1), "air ok").size();
  CliResult second =
      run_kmebind(d.dir(), "sim-2", d.sim_args(200, 0, "second.jsonl", {"--max-in-flight", "100"}));
  EXPECT_EQ(second.code, 0) << second.out << second.err;
  EXPECT_GT(imsis_logged(d.hss_log(1), "air ok").size(), before)
      << "the restarted front-end takes requests again";
  expect_store_consistent(d);
}

}  // namespace
}  // namespace kmebind::test
