// kill -9 of the CNN in the middle of a sim run of 2,000 UEs (issue 6 item 3): the sim's links
// break, the CNN is started again on the same ports (it must accept UEs again at once), the sim
// reconnects with back-off and attaches every UE the dead CNN held again. UEs whose ULA stored a
// KME but whose Attach accept was lost keep the KME pending and commit it at the device challenge
// of their next attach. Afterwards: every UE attached, every device KME equal to the stored one,
// no half-written record. Prints the recovery time.
#include "system/crash_harness.h"

namespace kmebind::test {
namespace {

constexpr std::size_t kUes = 2000;
constexpr double kRate = 400;

class CrashCnn : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pg_.url().empty()) options_.store_url = pg_.url();
    options_.ues = kUes;
  }
  PgDatabase pg_;
  DeploymentOptions options_;
  TempDir tmp_;
};

TEST_F(CrashCnn, CnnKilledMidRunAndRestartedEveryUeAttachesAndTheStoreMatchesTheDevices) {
  Deployment d(tmp_ / "work", options_);
  ASSERT_TRUE(d.prepare());
  auto hss0 = d.start_hss(0);
  auto hss1 = d.start_hss(1);
  ASSERT_TRUE(hss0 && hss1);
  auto cnn = d.start_cnn(2);
  ASSERT_TRUE(cnn);

  Process sim(d.sim_args(kUes, kRate, "outcomes.jsonl"), d.dir() / "sim.out", d.dir() / "sim.err");
  ASSERT_TRUE(wait_attached(d, kUes / 3.0, std::chrono::seconds(30))) << sim.err();
  const std::int64_t fault_ms = wall_ms(WallClock::now());
  cnn->kill();
  const auto killed = Clock::now();
  cnn = d.start_cnn(2);  // same NAS and metrics configuration: the ports must be free again
  ASSERT_TRUE(cnn) << "a kill -9'd CNN must start again on its own ports";
  const double restart_s = std::chrono::duration<double>(Clock::now() - killed).count();

  const auto code = sim.wait(std::chrono::seconds(90));
  ASSERT_TRUE(code) << "sim did not finish";
  const CliResult result{*code, sim.out(), sim.err()};
  expect_survived(d, result, kUes);

  const auto outcomes = read_outcomes(d.dir() / "outcomes.jsonl");
  ASSERT_EQ(outcomes.size(), kUes);
  auto start = sim_start_ms(d.cnn_log(), fault_ms);
  ASSERT_TRUE(start) << "no NAS link line in the CNN log";
  const RecoveryFigures f = recovery_from(outcomes, kRate, *start, fault_ms);
  print_recovery("CNN kill -9 and restart", f, kUes);
  std::cout << "[ recovery ] CNN ready again " << restart_s << " s after the kill\n";
  EXPECT_GT(f.affected, 0u) << "the UEs on the dead CNN's links must have noticed";
  EXPECT_TRUE(f.all_affected_attached);
  EXPECT_LT(f.recovery_s, 30.0);
}

}  // namespace
}  // namespace kmebind::test
