// The simulator's report (docs/demo.md §4): outcomes of one or more phases checked against what
// each device was expected to do, counted, with attach latency percentiles, rendered as text or
// as one JSON object.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "device_file.h"
#include "sim_runner.h"

namespace kmebind::app {

// What an attach should end in.
struct Expected {
  enum class Kind { kAttached, kRejectedIllegalMe };
  Kind kind = Kind::kAttached;
  std::uint8_t procedure = 0;         // non-zero: the attach must provision a KME by this procedure
  bool device_authenticated = false;  // the attach must answer a device challenge
  std::uint32_t kme_version = 0;      // non-zero: the version provisioned or authenticated
};

// The expectation a device's role implies: normal devices attach, attackers are rejected #6.
Expected expected_for_role(const DeviceEntry& device);

bool meets(const UeOutcome& outcome, const Expected& expected);

struct SimSummary {
  std::uint64_t ues = 0;  // attaches run
  std::uint64_t attached = 0;
  std::uint64_t rejected = 0;  // Attach reject or Authentication reject
  std::uint64_t failed = 0;    // every attach that did not attach (rejected included)
  // Failures by cause: "emm-cause-6", "authentication-reject", "timeout", "link-lost", "pending".
  std::map<std::string, std::uint64_t> failures;
  std::uint64_t kme_provisioned_procedure1 = 0;
  std::uint64_t kme_provisioned_procedure2 = 0;
  std::uint64_t device_authenticated = 0;
  std::uint64_t binding_violations_rejected = 0;  // expected #6 and got it
  std::uint64_t unexpected = 0;                   // outcomes that differ from the expectation
  std::vector<std::string> unexpected_details;    // the first few, no secrets
  // Retries (sim_retry.h): Attach requests sent, of which re-attempts; #22 rejects received and
  // of them those with T3346; #17 rejects received (a KME version conflict or an expired Cookie
  // among other network failures, retried after T3411); T3410 expiries; UEs whose link was lost
  // (per loss), connections lost and re-established.
  std::uint64_t attempts = 0;
  std::uint64_t retries = 0;
  std::uint64_t congestion_rejects = 0;
  std::uint64_t network_failure_rejects = 0;
  std::uint64_t t3346_backoffs = 0;
  std::uint64_t t3410_expiries = 0;
  std::uint64_t ue_link_losses = 0;
  std::uint64_t connection_losses = 0;
  std::uint64_t reconnects = 0;
  // First Attach request → every UE attached (the last phase's; nullopt unless all attached).
  std::optional<double> all_attached_seconds;
  // First link loss → the last affected UE attached again (nullopt: no loss, or not recovered).
  std::optional<double> recovery_seconds;
  double seconds = 0;  // sum of the phases' durations
  double procedures_per_second = 0;
  double latency_ms_p50 = 0, latency_ms_p90 = 0, latency_ms_p99 = 0, latency_ms_max = 0;
};

class SummaryBuilder {
 public:
  // Counts one outcome; `what` names the attach in an unexpected-outcome line ("IMSI ... first
  // attach").
  void add(const UeOutcome& outcome, const Expected& expected, const std::string& what);
  void add_seconds(double seconds) { summary_.seconds += seconds; }
  // Counts a whole phase: its outcomes must have been add()ed. Sets all_attached_seconds when
  // every outcome is attached, and the link figures.
  void add_phase(const PhaseResult& phase);
  SimSummary finish() const;

 private:
  SimSummary summary_;
  std::vector<double> latencies_;
};

// The failure-cause key of an outcome that did not attach ("emm-cause-6", "timeout", ...).
std::string failure_key(const UeOutcome& outcome);

nlohmann::json to_json(const SimSummary& summary);
std::string to_text(const SimSummary& summary);

}  // namespace kmebind::app
