// The database goes away in the middle of a sim run of 2,000 UEs (issue 6 item 3), with two HSS
// front-ends on one PostgreSQL database:
//   - every backend of the HSS front-ends is killed (pg_terminate_backend from a side connection),
//     three times: store calls on a broken connection fail kUnavailable, the front-end answers
//     DIAMETER_TOO_BUSY, the CNN retries on the other front-end or rejects with #22 + T3346, and
//     the next store call opens a new connection;
//   - the database server itself is stopped and started again (a private server: the fixture's
//     is shared by the tests running beside this one).
// Afterwards every UE is attached, every device KME equals the stored one, the store holds no
// half-written record, and the recovery time is printed. A KME whose commit was acknowledged by
// the server but whose answer was lost with the connection is confirmed again by the re-sent ULR
// (answered as stored, ThreatTest.TheSameConfirmAgainIsAnsweredAsStoredWithoutWritingAgain).
// Without a PostgreSQL server (KMEBIND_TEST_PG_URL) the tests are skipped: a SQLite file has no
// connection to lose.
#include "system/crash_harness.h"

namespace kmebind::test {
namespace {

constexpr std::size_t kUes = 2000;
constexpr double kRate = 200;

const fs::path kPgServerScript = fs::path(KMEBIND_TEST_VECTORS_DIR).parent_path().parent_path() /
                                 "scripts" / "pg-test-server.sh";

class CrashDb : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test_pg_url()) GTEST_SKIP() << "no PostgreSQL server (KMEBIND_TEST_PG_URL)";
    options_.ues = kUes;
  }
  // Two front-ends and the CNN on the store at `url`; the sim started.
  void start(const std::string& url) {
    options_.store_url = url;
    d_ = std::make_unique<Deployment>(tmp_ / "work", options_);
    ASSERT_TRUE(d_->prepare());
    hss_[0] = d_->start_hss(0);
    hss_[1] = d_->start_hss(1);
    ASSERT_TRUE(hss_[0] && hss_[1]);
    cnn_ = d_->start_cnn(2);
    ASSERT_TRUE(cnn_);
    sim_ = std::make_unique<Process>(d_->sim_args(kUes, kRate, "outcomes.jsonl"),
                                     d_->dir() / "sim.out", d_->dir() / "sim.err");
  }
  void finish(const std::string& what, std::int64_t fault_ms) {
    const auto code = sim_->wait(std::chrono::seconds(120));
    ASSERT_TRUE(code) << "sim did not finish";
    const CliResult result{*code, sim_->out(), sim_->err()};
    expect_survived(*d_, result, kUes);
    const auto outcomes = read_outcomes(d_->dir() / "outcomes.jsonl");
    ASSERT_EQ(outcomes.size(), kUes);
    auto start = sim_start_ms(d_->cnn_log(), fault_ms);
    ASSERT_TRUE(start) << "no NAS link line in the CNN log";
    const RecoveryFigures f = recovery_from(outcomes, kRate, *start, fault_ms);
    print_recovery(what, f, kUes);
    EXPECT_TRUE(f.all_affected_attached);
    EXPECT_LT(f.recovery_s, 40.0);
    // Both front-ends are still serving, on new connections.
    EXPECT_EQ(d_->cnn_peers_up(), 2);
  }
  PgDatabase pg_;
  DeploymentOptions options_;
  TempDir tmp_;
  std::unique_ptr<Deployment> d_;
  std::unique_ptr<Process> hss_[2], cnn_, sim_;
};

TEST_F(CrashDb, HssDatabaseConnectionsKilledMidRunEveryUeAttaches) {
  ASSERT_FALSE(pg_.url().empty());
  start(pg_.url());
  ASSERT_FALSE(HasFatalFailure());
  std::int64_t first_fault_ms = 0;
  int terminated = 0;
  for (int k = 1; k <= 3; ++k) {
    ASSERT_TRUE(wait_attached(*d_, static_cast<double>(kUes) * k / 4.0, std::chrono::seconds(40)))
        << sim_->err();
    if (k == 1) first_fault_ms = wall_ms(WallClock::now());
    const int n = pg_.terminate_connections();
    ASSERT_GE(n, 0);
    terminated += n;
  }
  std::cout << "[ recovery ] " << terminated
            << " HSS database connections terminated in 3 rounds\n";
  EXPECT_GT(terminated, 0) << "the front-ends had no connection to kill";
  finish("HSS database connections terminated (3 rounds)", first_fault_ms);
  EXPECT_GT(pg_.connections(), 0) << "the front-ends reconnected";
}

TEST_F(CrashDb, DatabaseServerRestartedMidRunEveryUeAttaches) {
  // A private server: stopping the fixture's would break the tests running beside this one.
  const fs::path server = tmp_ / "pg";
  const std::string start_cmd = "'" + kPgServerScript.string() + "' start '" + server.string() +
                                "' 0 > '" + (tmp_ / "pg-start.out").string() + "' 2>&1";
  ASSERT_TRUE(shell(start_cmd)) << slurp(tmp_ / "pg-start.out");
  const std::string url = slurp(server / "url").substr(0, slurp(server / "url").find('\n'));
  ASSERT_FALSE(url.empty());
  struct StopServer {
    std::string cmd;
    ~StopServer() { shell(cmd); }
  } stop{"'" + kPgServerScript.string() + "' stop '" + server.string() + "' >/dev/null 2>&1"};

  start(url);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(wait_attached(*d_, kUes / 3.0, std::chrono::seconds(40))) << sim_->err();
  const std::int64_t fault_ms = wall_ms(WallClock::now());
  const auto halted = Clock::now();
  ASSERT_TRUE(
      shell("'" + kPgServerScript.string() + "' halt '" + server.string() + "' >/dev/null 2>&1"));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_TRUE(
      shell("'" + kPgServerScript.string() + "' resume '" + server.string() + "' >/dev/null 2>&1"));
  const double outage_s = std::chrono::duration<double>(Clock::now() - halted).count();
  std::cout << "[ recovery ] database server down for " << outage_s << " s\n";
  finish("database server stopped and started again", fault_ms);
}

}  // namespace
}  // namespace kmebind::test
