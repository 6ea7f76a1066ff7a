// The HSS keeps no state between the KME-Request and the ULR (DESIGN.md §3, docs/protocol.md §1):
// an HSS killed with SIGKILL and started again while the device works on its KME Provisioning
// Command still completes the procedure. The sim holds the device's KME Provisioning Response
// (--hold-kme-response), which it announces on stderr once the KME-Answer has reached the CNN
// (the CNN sent the command); the test then kills the HSS, restarts it on the same store and
// Cookie key, and the held response goes out: the CNN sends the ULR (Cookie + signature for
// procedure 2, KME for procedure 1) to the new HSS process, which stores the KME.
//
// What is asserted: that very attach ends attached with the KME provisioned (version 1) by the
// expected procedure, the new HSS process logs "kme stored", and a later attach of the same
// device is authenticated with that KME.
#include "network_harness.h"

namespace kmebind::test {
namespace {

class NetworkHssRestart : public ::testing::TestWithParam<int> {};

TEST_P(NetworkHssRestart, ProcedureCompletesAcrossAnHssKilledBetweenKmeRequestAndUlr) {
  const int procedure = GetParam();
  TempDir tmp;
  const fs::path dir = tmp / "work";
  ASSERT_TRUE(prepare_demo_dir(dir, 2, 1));  // device 0: procedure 1, device 1: procedure 2
  auto hss = start_daemon(dir, "hss", nullptr);
  ASSERT_TRUE(hss);
  std::string cnn_ready;
  auto cnn = start_daemon(dir, "cnn", &cnn_ready);
  ASSERT_TRUE(cnn);
  ASSERT_TRUE(contains(cnn_ready, "peers_up=1/1")) << cnn_ready;

  // 9 s: longer than the CNN's KME guard timer (6 s; its retransmitted command is answered and
  // held too), shorter than T3410 (15 s); the restart and the CNN's reconnection (TcTimer 2 s)
  // fit in it.
  Process sim({"sim", "--config", (dir / "sim.yaml").string(), "--ues", "1", "--procedure",
               std::to_string(procedure), "--hold-kme-response", "9000", "--json", "--quiet"},
              dir / "sim.out", dir / "sim.err");
  ASSERT_TRUE(sim.wait_for_stderr("kmebind sim: holding the KME Provisioning Response",
                                  std::chrono::seconds(20)))
      << sim.err() << slurp(dir / "cnn.log");
  hss->kill();  // SIGKILL: no clean shutdown, nothing flushed but what the store made durable
  const auto killed_log_size = slurp(dir / "hss.log").size();
  auto restarted = start_daemon(dir, "hss", nullptr, "-2");
  ASSERT_TRUE(restarted);

  const auto code = sim.wait(std::chrono::seconds(40));
  ASSERT_TRUE(code) << sim.err();
  EXPECT_EQ(*code, 0) << sim.out() << sim.err();
  auto report = parse_json(sim.out());
  ASSERT_TRUE(report) << sim.out() << sim.err();
  EXPECT_EQ((*report)["attached"], 1) << report->dump();
  EXPECT_EQ((*report)[procedure == 1 ? "kme_provisioned_procedure1" : "kme_provisioned_procedure2"],
            1)
      << report->dump();
  // The KME was stored by the restarted process.
  const std::string after_restart = slurp(dir / "hss.log").substr(killed_log_size);
  EXPECT_TRUE(contains(after_restart, "kme stored")) << after_restart;
  EXPECT_TRUE(contains(after_restart, "procedure=" + std::to_string(procedure))) << after_restart;

  // The device saved its KME: a later attach is a device authentication with version 1.
  CliResult later = run_kmebind(dir, "sim-later",
                                {"sim", "--config", (dir / "sim.yaml").string(), "--ues", "1",
                                 "--procedure", std::to_string(procedure), "--json", "--quiet",
                                 "--outcomes", (dir / "later.jsonl").string()},
                                std::chrono::seconds(40));
  EXPECT_EQ(later.code, 0) << later.out << later.err;
  auto outcomes = read_outcomes(dir / "later.jsonl");
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0]["outcome"], "attached");
  EXPECT_EQ(outcomes[0]["device_authenticated"], true);
  EXPECT_EQ(outcomes[0]["kme_version"], 1);
}

INSTANTIATE_TEST_SUITE_P(Procedures, NetworkHssRestart, ::testing::Values(1, 2),
                         [](const auto& p) { return "Procedure" + std::to_string(p.param); });

}  // namespace
}  // namespace kmebind::test
