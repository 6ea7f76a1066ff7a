// Attach storm (issue 6 item 4; docs/reliability.md "Attach storm"): thousands of UEs power on in
// the same instant against real hss and cnn daemons whose HSS worker queue is small, so that the
// network must shed load. It sheds with Attach reject #22 + T3346 (TS 24.301 §5.5.1.2.5) — from
// the HSS's DIAMETER_TOO_BUSY, which the CNN maps to #22 — never by letting T3410 expire; the
// UEs back off T3346 + jitter and retry (`kmebind sim --storm`), every UE ends attached, and both
// daemons still answer and stop cleanly. The full 100,000-UE storm is scripts/storm.sh.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "apps/network_harness.h"

namespace kmebind::test {
namespace {

using namespace std::chrono_literals;

class AttachStorm : public ::testing::Test {
 protected:
  // A demo directory for `ues` devices, HSS queue_limit `queue_limit` (2 workers, so a small
  // queue fills), CNN T3346 `t3346_s`.
  void prepare(std::size_t ues, std::size_t queue_limit, unsigned t3346_s) {
    dir_ = tmp_ / "storm";
    ASSERT_TRUE(prepare_demo_dir(dir_, ues, 0));
    ASSERT_TRUE(
        replace_in_file(dir_ / "hss.yaml", "hss: {workers: 64,",
                        "hss: {workers: 2, queue_limit: " + std::to_string(queue_limit) + ","));
    ASSERT_TRUE(
        replace_in_file(dir_ / "cnn.yaml", "t3346_s: 60", "t3346_s: " + std::to_string(t3346_s)));
    // Debug logging of every procedure would dominate a storm's CPU time on 2 cores.
    ASSERT_TRUE(replace_in_file(dir_ / "hss.yaml", "level: debug", "level: warn"));
    ASSERT_TRUE(replace_in_file(dir_ / "cnn.yaml", "level: debug", "level: warn"));
    prepared_ = true;
  }

  CliResult sim(const std::string& name, std::vector<std::string> extra,
                std::chrono::seconds timeout = 90s) {
    std::vector<std::string> args{"sim", "--config", (dir_ / "sim.yaml").string(), "--quiet",
                                  "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_kmebind(tmp_.path(), name, std::move(args), timeout);
  }

  // SIGTERM → exit code 0 within 20 s (the daemon did not crash, hang or abort).
  static void expect_clean_stop(Process& p, const std::string& role) {
    p.signal(SIGTERM);
    const auto code = p.wait(20s);
    ASSERT_TRUE(code.has_value()) << role << " did not stop after SIGTERM";
    EXPECT_EQ(*code, 0) << role << " exit code (128 + signal if it crashed)\n" << p.err();
  }

  TempDir tmp_;
  fs::path dir_;
  bool prepared_ = false;
};

TEST_F(AttachStorm, ThreeThousandUesAtOnceAreShedWithCongestionAndT3346AndAllAttach) {
  constexpr std::size_t kUes = 3000;
  prepare(kUes, 16, 2);
  ASSERT_TRUE(prepared_);
  auto hss = start_daemon(dir_, "hss", nullptr);
  ASSERT_TRUE(hss);
  auto cnn = start_daemon(dir_, "cnn", nullptr);
  ASSERT_TRUE(cnn);

  const auto t0 = std::chrono::steady_clock::now();
  CliResult r = sim("storm", {"--ues", std::to_string(kUes), "--storm", "--t3346-jitter-ms", "2000",
                              "--timeout", "80", "--outcomes", (tmp_ / "outcomes.jsonl").string()});
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto report = parse_json(r.out);
  ASSERT_TRUE(report) << r.out;
  const nlohmann::json& j = *report;
  EXPECT_EQ(j["ues"], kUes) << j.dump();
  EXPECT_EQ(j["attached"], kUes) << j.dump();
  EXPECT_TRUE(j["failures"].empty()) << j.dump();
  EXPECT_FALSE(j["all_attached_seconds"].is_null()) << j.dump();
  // Load was shed with #22, each carrying T3346, and the UEs came back after it.
  EXPECT_GT(j["congestion_rejects"].get<std::uint64_t>(), 0u) << j.dump();
  EXPECT_EQ(j["t3346_backoffs"], j["congestion_rejects"]) << j.dump();
  EXPECT_GE(j["retries"].get<std::uint64_t>(), j["congestion_rejects"].get<std::uint64_t>())
      << j.dump();
  // ... and never by silence: no attempt timed out.
  EXPECT_EQ(j["t3410_expiries"], 0) << j.dump();
  EXPECT_EQ(j["connection_losses"], 0) << j.dump();

  // Per UE: a UE rejected with #22 attached on a later attempt, no earlier than T3346 (2 s)
  // after its first Attach request.
  std::size_t rejected_then_attached = 0;
  for (const nlohmann::json& o : read_outcomes(tmp_ / "outcomes.jsonl")) {
    EXPECT_EQ(o["outcome"], "attached") << o.dump();
    if (o["congestion_rejects"].get<int>() > 0) {
      ++rejected_then_attached;
      EXPECT_GT(o["attempts"].get<int>(), o["congestion_rejects"].get<int>()) << o.dump();
      EXPECT_GE(o["latency_ms"].get<double>(), 2000.0) << o.dump();
    }
  }
  EXPECT_GT(rejected_then_attached, 0u);

  // The HSS shed with TOO_BUSY; the CNN turned that into #22 (its log says so per reject).
  EXPECT_TRUE(contains(slurp(dir_ / "hss.log"), "answering DIAMETER_TOO_BUSY"))
      << slurp(dir_ / "hss.log").substr(0, 2000);

  // Both daemons still serve: the first devices attach again (device authentication with the
  // KME the storm provisioned, saved in the device file), within the HSS's queue, no retry.
  CliResult after = sim("after", {"--ues", "20", "--max-in-flight", "4", "--no-retry"});
  ASSERT_EQ(after.code, 0) << after.out << after.err;
  auto again = parse_json(after.out);
  ASSERT_TRUE(again) << after.out;
  EXPECT_EQ((*again)["attached"], 20) << again->dump();
  EXPECT_EQ((*again)["device_authenticated"], 20) << again->dump();

  expect_clean_stop(*cnn, "cnn");
  expect_clean_stop(*hss, "hss");
  RecordProperty("storm_wall_seconds", std::to_string(wall));
}

TEST_F(AttachStorm, UesReattachAfterTheCnnIsKilledAndRestartedMidStorm) {
  // Enough UEs, a small enough HSS queue and a long enough T3346 that the storm is still running
  // a second in, even on a fast idle machine.
  constexpr std::size_t kUes = 2000;
  prepare(kUes, 8, 2);
  ASSERT_TRUE(prepared_);
  auto hss = start_daemon(dir_, "hss", nullptr);
  ASSERT_TRUE(hss);
  auto cnn = start_daemon(dir_, "cnn", nullptr);
  ASSERT_TRUE(cnn);

  Process storm({"sim", "--config", (dir_ / "sim.yaml").string(), "--json", "--ues",
                 std::to_string(kUes), "--storm", "--t3346-jitter-ms", "1000", "--timeout", "80"},
                tmp_ / "storm.out", tmp_ / "storm.err");
  // Kill the CNN once the storm is under way (its first progress line), as a power failure
  // would, and bring it back two seconds later on the same port.
  ASSERT_TRUE(storm.wait_for_stderr("kmebind sim: storm:", 30s)) << storm.err();
  cnn->kill();
  std::this_thread::sleep_for(2s);
  cnn = start_daemon(dir_, "cnn", nullptr, "-restarted");
  ASSERT_TRUE(cnn);

  const auto code = storm.wait(90s);
  ASSERT_TRUE(code.has_value()) << storm.err();
  EXPECT_EQ(*code, 0) << storm.out() << storm.err();
  auto report = parse_json(storm.out());
  ASSERT_TRUE(report) << storm.out() << storm.err();
  const nlohmann::json& j = *report;
  EXPECT_EQ(j["attached"], kUes) << j.dump();
  EXPECT_TRUE(j["failures"].empty()) << j.dump();
  // Every connection was lost once and re-established; every UE was on one of them (attached or
  // not yet) and came back.
  EXPECT_EQ(j["connection_losses"], 2) << j.dump();
  EXPECT_EQ(j["reconnects"], 2) << j.dump();
  EXPECT_EQ(j["ue_link_losses"], kUes) << j.dump();
  ASSERT_FALSE(j["recovery_seconds"].is_null()) << j.dump();
  EXPECT_GT(j["recovery_seconds"].get<double>(), 1.5) << j.dump();  // the CNN was down 2 s

  expect_clean_stop(*cnn, "cnn");
  expect_clean_stop(*hss, "hss");
}

}  // namespace
}  // namespace kmebind::test
