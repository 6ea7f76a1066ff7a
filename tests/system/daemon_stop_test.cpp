// Orderly stop under load (docs/daemons.md "Orderly stop", docs/reliability.md "HSS abort at
// SIGTERM under heavy load"): `kmebind hss` and `kmebind cnn`, each with 16 freeDiameter dispatch
// threads, are stopped with SIGTERM while `kmebind sim` attaches UEs through them and CPU hogs
// keep both cores busy. Every stop must exit 0: before diameter/fd_quiesce.h, freeDiameter 1.2's
// teardown aborted (fifo.c:192 "Assertion '++loops < 20'", exit 134) in about 1 stop in 6 of this
// kind.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "system/system_harness.h"

namespace kmebind::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kUes = 1500;
constexpr int kCycles = 6;

// Busy loops on every core, as a loaded machine (the abort needed a woken thread to wait > 20 ms).
class CpuHog {
 public:
  explicit CpuHog(unsigned threads) {
    for (unsigned i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        volatile std::uint64_t spin = 0;
        while (!stop_.load(std::memory_order_relaxed)) spin = spin + 1;
      });
    }
  }
  ~CpuHog() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }
  CpuHog(const CpuHog&) = delete;
  CpuHog& operator=(const CpuHog&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// SIGTERM → exit code 0 within 45 s, and no abort message on stderr. The stop itself is bounded
// at about 7 s plus freeDiameter's teardown; the margin is for 4 CPU hogs on 2 cores.
::testing::AssertionResult stops_cleanly(Process& p, const std::string& role) {
  p.signal(SIGTERM);
  const auto code = p.wait(45s);
  if (!code) return ::testing::AssertionFailure() << role << " did not stop within 45 s";
  if (*code != 0 || p.err().find("Assertion") != std::string::npos) {
    return ::testing::AssertionFailure()
           << role << " exit code " << *code << " (134 = abort)\n" << p.err();
  }
  return ::testing::AssertionSuccess();
}

TEST(DaemonStop, LoadedHssAndCnnStopWithExitZeroUnderCpuHog) {
  TempDir tmp;
  DeploymentOptions options;
  options.ues = kUes;
  options.front_ends = 1;
  options.hss_log_level = "warn";
  Deployment d(tmp / "work", options);
  ASSERT_TRUE(d.prepare());
  // 16 dispatch threads wait on freeDiameter's local queue: 16 of fd_fifo_del's 20 wake-ups.
  for (const fs::path& yaml : {d.hss_config(0), d.dir() / "cnn.yaml"}) {
    ASSERT_TRUE(replace_in_file(yaml, "  transport: tls\n",
                                "  transport: tls\n  dispatch_threads: 16\n"));
  }
  ASSERT_TRUE(replace_in_file(d.dir() / "cnn.yaml", "level: info", "level: warn"));

  CpuHog hog(4);
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    auto hss = d.start_hss(0);
    ASSERT_TRUE(hss);
    auto cnn = d.start_cnn(1);
    ASSERT_TRUE(cnn);
    Process sim(d.sim_args(kUes, 0, "outcomes-" + std::to_string(cycle) + ".jsonl"),
                d.dir() / "sim.out", d.dir() / "sim.err");
    // Requests in flight on both daemons when the signal arrives.
    std::this_thread::sleep_for(1200ms);
    // Alternate which daemon is stopped under load; the other one stops right after.
    const bool hss_first = cycle % 2 == 0;
    Process& first = hss_first ? *hss : *cnn;
    Process& second = hss_first ? *cnn : *hss;
    EXPECT_TRUE(stops_cleanly(first, hss_first ? "hss" : "cnn")) << "cycle " << cycle;
    EXPECT_TRUE(stops_cleanly(second, hss_first ? "cnn" : "hss")) << "cycle " << cycle;
    sim.kill();
  }
}

}  // namespace
}  // namespace kmebind::test
