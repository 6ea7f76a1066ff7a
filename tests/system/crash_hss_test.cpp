// kill -9 of HSS front-ends in the middle of a sim run of 2,000 UEs (issue 6 item 3): the CNN
// moves the requests of the dead front-end to the other one (freeDiameter re-sends those in
// flight on the broken link; new ones are routed to the open peer), the killed front-end is
// started again and rejoins, and afterwards every UE is attached, every KME a device committed is
// the stored one, and the store holds no half-written record. Prints the recovery time.
#include "system/crash_harness.h"

namespace kmebind::test {
namespace {

constexpr std::size_t kUes = 2000;
constexpr double kRate = 200;  // attaches started per second: the run lasts ~10 s

class CrashHss : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pg_.url().empty()) options_.store_url = pg_.url();
    options_.ues = kUes;
  }
  PgDatabase pg_;
  DeploymentOptions options_;
  TempDir tmp_;
};

TEST_F(CrashHss, FrontEndsKilledMidRunEveryUeAttachesAndTheStoreMatchesTheDevices) {
  Deployment d(tmp_ / "work", options_);
  ASSERT_TRUE(d.prepare());
  std::unique_ptr<Process> hss[2] = {d.start_hss(0), d.start_hss(1)};
  ASSERT_TRUE(hss[0] && hss[1]);
  auto cnn = d.start_cnn(2);
  ASSERT_TRUE(cnn);

  Process sim(d.sim_args(kUes, kRate, "outcomes.jsonl"), d.dir() / "sim.out", d.dir() / "sim.err");
  // Four kills, alternating between the front-ends, each once the previous victim is back: the
  // CNN always has one open peer, and each kill can catch requests queued in the victim and store
  // transactions between their commit and their answer.
  std::int64_t first_fault_ms = 0;
  double detected_max_s = 0, rejoin_max_s = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    const std::size_t victim = k % 2;
    ASSERT_TRUE(wait_attached(d, static_cast<double>(kUes) * static_cast<double>(k + 1) / 6.0,
                              std::chrono::seconds(30)))
        << sim.err();
    if (k == 0) first_fault_ms = wall_ms(WallClock::now());
    hss[victim]->kill();  // SIGKILL: queued requests and open store transactions die with it
    const auto killed = Clock::now();
    // The CNN notices at once (the kernel closes the TCP link of a killed process).
    double detected_s = -1;
    while (Clock::now() - killed < std::chrono::seconds(10)) {
      if (d.cnn_peers_up() <= 1) {
        detected_s = std::chrono::duration<double>(Clock::now() - killed).count();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_GE(detected_s, 0) << "the CNN still counts the killed front-end as up";
    detected_max_s = std::max(detected_max_s, detected_s);
    // The front-end comes back (same identity, same store) and rejoins.
    hss[victim] = d.start_hss(victim);
    ASSERT_TRUE(hss[victim]);
    const auto restarted = Clock::now();
    ASSERT_TRUE(d.wait_cnn_peers_up(2, std::chrono::seconds(15))) << slurp(d.cnn_log());
    rejoin_max_s =
        std::max(rejoin_max_s, std::chrono::duration<double>(Clock::now() - restarted).count());
  }
  const std::int64_t fault_ms = first_fault_ms;

  const auto code = sim.wait(std::chrono::seconds(90));
  ASSERT_TRUE(code) << "sim did not finish";
  const CliResult result{*code, sim.out(), sim.err()};
  expect_survived(d, result, kUes);

  const auto outcomes = read_outcomes(d.dir() / "outcomes.jsonl");
  ASSERT_EQ(outcomes.size(), kUes);
  auto start = sim_start_ms(d.cnn_log(), fault_ms);
  ASSERT_TRUE(start) << "no NAS link line in the CNN log";
  const RecoveryFigures f = recovery_from(outcomes, kRate, *start, fault_ms);
  print_recovery("HSS front-end kill -9 (2 front-ends)", f, kUes);
  std::cout << "[ recovery ] 4 kills: the CNN saw the front-end down within " << detected_max_s
            << " s; restarted front-end back in the peer set within " << rejoin_max_s << " s\n";
  EXPECT_TRUE(f.all_affected_attached);
  EXPECT_LT(f.recovery_s, 30.0);
  EXPECT_LT(detected_max_s, 2.0);
  EXPECT_LT(rejoin_max_s, 10.0);
}

}  // namespace
}  // namespace kmebind::test
