// Test support for the crash-survival tests (tests/system/crash_*_test.cpp, issue 6 item 3): a
// sim run of thousands of UEs at a fixed rate against a Deployment (system_harness.h), a fault
// injected once a given number of UEs attached, and what is checked afterwards:
//   - every UE ends attached after its retries (the sim's report: attached = ues, unexpected 0);
//   - every KME a device committed (it got the Attach accept that follows the ULA) is in the
//     store and equal to the device's, and every stored KME is the device's
//     (check_devices_match_store on the device file the sim saved);
//   - no half-written record (check_store_integrity);
//   - recovery time: from the fault to the moment the last affected UE (one that needed more than
//     one attempt or lost its link) attached. The sim starts attach k of the run at t0 + k/rate
//     (its token bucket) and reports each UE's latency from its first Attach request; t0 is the
//     time the CNN logged the sim's NAS links opening. So the end of UE k is t0 + k/rate + latency.
#pragma once

#include <ctime>

#include "system/system_harness.h"

namespace kmebind::test {

using WallClock = std::chrono::system_clock;

inline std::int64_t wall_ms(WallClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Unix ms of a log line "2026-11-27T23:56:43.123+0000 …" (net/logging.h kLogPattern, UTC).
inline std::optional<std::int64_t> log_line_ms(const std::string& line) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(line.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000 + ms;
}

// Time of the last "NAS link … from" line of the CNN log at or before `before_ms`: when the sim's
// connections opened, just before its first Attach request.
inline std::optional<std::int64_t> sim_start_ms(const fs::path& cnn_log, std::int64_t before_ms) {
  std::istringstream in(slurp(cnn_log));
  std::optional<std::int64_t> last;
  for (std::string line; std::getline(in, line);) {
    if (line.find("NAS link ") == std::string::npos || line.find(" from ") == std::string::npos)
      continue;
    auto t = log_line_ms(line);
    if (t && *t <= before_ms) last = t;
  }
  return last;
}

// Polls the CNN's attach counter until `n` UEs attached (or the timeout).
inline bool wait_attached(const Deployment& d, double n, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto v = metric_value(d.cnn_metrics(), "kmebind_cnn_attach_total{result=\"attached\"}");
    if (v && *v >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

struct RecoveryFigures {
  std::size_t affected = 0;  // UEs with more than one attempt or a lost link
  std::size_t retried = 0;   // UEs with more than one attempt
  std::uint64_t extra_attempts = 0;
  double recovery_s = 0;  // fault → last affected UE attached (0 when none affected)
  bool all_affected_attached = true;
};

// From the sim's outcomes file (in run order), its rate, its start and the fault's time.
inline RecoveryFigures recovery_from(const std::vector<nlohmann::json>& outcomes, double rate,
                                     std::int64_t start_ms, std::int64_t fault_ms) {
  RecoveryFigures f;
  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    const auto& o = outcomes[k];
    const std::uint32_t attempts = o.value("attempts", 1u);
    const std::uint32_t losses = o.value("link_losses", 0u);
    if (attempts <= 1 && losses == 0) continue;
    ++f.affected;
    if (attempts > 1) {
      ++f.retried;
      f.extra_attempts += attempts - 1;
    }
    if (o["outcome"] != "attached") {
      f.all_affected_attached = false;
      continue;
    }
    const double end_ms = static_cast<double>(start_ms) + 1000.0 * static_cast<double>(k) / rate +
                          o["latency_ms"].get<double>();
    f.recovery_s = std::max(f.recovery_s, (end_ms - static_cast<double>(fault_ms)) / 1000.0);
  }
  return f;
}

// The checks every crash test ends with (see the file comment).
inline void expect_survived(Deployment& d, const CliResult& sim, std::size_t ues) {
  EXPECT_EQ(sim.code, 0) << sim.out << sim.err;
  auto report = parse_json(sim.out);
  ASSERT_TRUE(report) << "sim exit " << sim.code << " in " << d.dir() << ":\n"
                      << sim.out << sim.err;
  EXPECT_EQ((*report)["attached"], ues) << report->dump();
  EXPECT_EQ((*report)["unexpected"], 0) << report->dump();
  auto s = d.open_store();
  ASSERT_TRUE(s) << s.error().what();
  const StoreIntegrity integrity = check_store_integrity(**s);
  for (const auto& p : integrity.problems) ADD_FAILURE() << "store: " << p;
  const DeviceComparison devices = check_devices_match_store(**s, d.devices(), 1'000'000);
  for (const auto& p : devices.problems) ADD_FAILURE() << "device: " << p;
  EXPECT_EQ(devices.matching, integrity.kmes);
  EXPECT_EQ(integrity.kmes, ues) << "one KME per UE of the run";
  // One audit row per stored KME version: a UE whose provisioning lost a race with its own
  // earlier one (protocol.md §2 "Racing provisionings") is provisioned version 2 when it retries
  // after #17, so its pair has two.
  EXPECT_EQ(integrity.kme_audit_rows, integrity.kme_versions) << "one audit row per stored version";
}

inline void print_recovery(const std::string& what, const RecoveryFigures& f, std::size_t ues) {
  std::cout << "[ recovery ] " << what << ": " << f.affected << " of " << ues << " UEs affected ("
            << f.retried << " retried, " << f.extra_attempts
            << " extra attempts); fault → last affected UE attached: " << f.recovery_s << " s\n";
}

}  // namespace kmebind::test
