// `kmebind sim --config sim.yaml --ues N [--rate R] [--procedure 1|2|mixed] [--violations K]
// [--json] [--retry|--no-retry|--storm]`: the load generator (DESIGN.md §1, docs/demo.md §4). Takes
// N devices of the device file (those whose subscription allows the chosen procedure), attaches
// them over the NAS link to a running `kmebind cnn`, and reports successes, failures by cause,
// procedures per second and latency percentiles. Exit code 0 when every outcome was the expected
// one (normal devices attached, attackers rejected with #6), 1 otherwise, 2 bad usage, 3 bad
// configuration.
#include <sys/stat.h>

#include <fstream>
#include <iostream>

#include "command.h"
#include "device_generate.h"
#include "net/logging.h"
#include "sim_config.h"
#include "sim_interrupt.h"
#include "sim_report.h"
#include "sim_runner.h"

namespace kmebind::app {
namespace {

struct SimArgs {
  std::string config;
  std::size_t ues = 0;  // 0: every matching device
  double rate = 0;
  std::size_t max_in_flight = 0;
  std::string procedure = "mixed";
  std::size_t violations = 0;
  bool json = false;
  bool quiet = false;
  bool no_save = false;
  std::string outcomes;
  std::int64_t hold_kme_response_ms = 0;
  unsigned timeout_s = 600;
  // Retry overrides of sim.yaml's ue section (sim_retry.h); unset: as configured.
  bool retry = false, no_retry = false, storm = false;
  std::optional<std::int64_t> t3411_ms, t3402_ms, t3346_jitter_ms;
  std::optional<std::uint32_t> max_attempts;
};

bool matches(const DeviceEntry& d, ProcedureMix mix) {
  if (d.role != DeviceRole::kNormal) return false;
  switch (mix) {
    case ProcedureMix::kProcedure1:
      return d.procedure == 1;
    case ProcedureMix::kProcedure2:
      return d.procedure == 2;
    case ProcedureMix::kMixed:
      return true;
  }
  return false;
}

nlohmann::json outcome_json(const DeviceEntry& d, const UeOutcome& o) {
  nlohmann::json j;
  j["imsi"] = d.profile.imsi;
  j["imei"] = d.profile.imei15;
  j["role"] = to_string(d.role);
  j["outcome"] = to_string(o.kind);
  j["emm_cause"] = o.emm_cause ? nlohmann::json(*o.emm_cause) : nlohmann::json(nullptr);
  j["kme_procedure"] = o.kme_procedure;
  j["kme_version"] = o.kme_version;
  j["device_authenticated"] = o.device_authenticated;
  j["latency_ms"] = o.latency_ms;
  j["attempts"] = o.attempts;
  j["congestion_rejects"] = o.congestion_rejects;
  j["network_failure_rejects"] = o.network_failure_rejects;
  j["t3410_expiries"] = o.t3410_expiries;
  j["link_losses"] = o.link_losses;
  if (!o.detail.empty()) j["detail"] = o.detail;
  return j;
}

int run_sim(const SimArgs& a) {
  auto mix = parse_procedure_mix(a.procedure);
  if (!mix) return usage_error("sim", "--procedure: must be 1, 2 or mixed");
  if (a.rate < 0) return usage_error("sim", "--rate: must be positive (attaches per second)");
  if (a.storm && (a.rate != 0 || a.max_in_flight != 0)) {
    return usage_error("sim", "--storm starts every UE at once: no --rate or --max-in-flight");
  }
  if (a.retry && a.no_retry) return usage_error("sim", "--retry and --no-retry exclude each other");
  if (a.no_retry && a.storm) return usage_error("sim", "--storm retries: no --no-retry");
  auto config = load_sim_config(a.config);
  if (!config) {
    std::cerr << "kmebind sim: " << config.error().message() << "\n";
    return kExitConfig;
  }
  if (a.retry || a.storm) config->retry.enabled = true;
  if (a.no_retry) config->retry.enabled = false;
  if (a.t3411_ms) config->retry.t3411_ms = *a.t3411_ms;
  if (a.t3402_ms) config->retry.t3402_ms = *a.t3402_ms;
  if (a.t3346_jitter_ms) config->retry.t3346_jitter_ms = *a.t3346_jitter_ms;
  if (a.max_attempts) config->retry.max_attempts = *a.max_attempts;
  if (auto log = net::setup_logging(config->log); !log) {
    std::cerr << "kmebind sim: " << log.error().message() << "\n";
    return kExitConfig;
  }
  auto file = read_device_file(config->devices_file);
  if (!file) {
    std::cerr << "kmebind sim: " << file.error().message() << "\n";
    return file.error().code() == Code::kIo ? kExitFailure : kExitConfig;
  }

  std::vector<std::size_t> chosen;
  std::vector<std::size_t> attackers;
  for (std::size_t i = 0; i < file->devices.size(); ++i) {
    const DeviceEntry& d = file->devices[i];
    if (matches(d, *mix) && (a.ues == 0 || chosen.size() < a.ues)) chosen.push_back(i);
    if (d.role != DeviceRole::kNormal && attackers.size() < a.violations) attackers.push_back(i);
  }
  if (a.ues != 0 && chosen.size() < a.ues) {
    return usage_error("sim", "--ues: the device file has " + std::to_string(chosen.size()) +
                                  " devices for procedure " + a.procedure + ", " +
                                  std::to_string(a.ues) +
                                  " asked for (generate more with `kmebind admin generate`)");
  }
  if (attackers.size() < a.violations) {
    return usage_error("sim", "--violations: the device file has " +
                                  std::to_string(attackers.size()) + " binding-violation devices");
  }
  std::vector<std::size_t> run = chosen;
  run.insert(run.end(), attackers.begin(), attackers.end());
  if (run.empty()) return usage_error("sim", "no device to attach");

  InterruptWatcher signals("sim");  // before the loop thread exists
  auto runner = SimRunner::create(*config, std::move(*file), run);
  if (!runner) {
    std::cerr << "kmebind sim: " << runner.error().message() << "\n";
    return kExitConfig;
  }
  if (auto st = (*runner)->connect(); !st) {
    std::cerr << "kmebind sim: " << st.error().message() << "\n";
    return kExitFailure;
  }
  PhaseOptions options;
  options.name = a.storm ? "storm" : "attach";
  options.rate = a.rate;
  options.max_in_flight = a.max_in_flight;
  options.progress = !a.quiet;
  options.hold_kme_response_ms = a.hold_kme_response_ms;
  options.timeout = std::chrono::seconds(a.timeout_s);
  options.cancel = &signals.interrupted();
  auto phase = (*runner)->run_phase(run, options);
  (*runner)->stop();
  if (!phase) {
    std::cerr << "kmebind sim: " << phase.error().message() << "\n";
    return kExitFailure;
  }

  const DeviceFile& devices = (*runner)->devices();
  SummaryBuilder builder;
  builder.add_seconds(phase->seconds);
  for (std::size_t k = 0; k < run.size(); ++k) {
    const DeviceEntry& d = devices.devices[run[k]];
    builder.add(phase->outcomes[k], expected_for_role(d),
                std::string(to_string(d.role)) + " device IMSI " + d.profile.imsi + " IMEI " +
                    d.profile.imei15);
  }
  builder.add_phase(*phase);
  const SimSummary summary = builder.finish();

  if (!a.outcomes.empty()) {
    std::ofstream out(a.outcomes, std::ios::trunc);
    for (std::size_t k = 0; k < run.size(); ++k) {
      out << outcome_json(devices.devices[run[k]], phase->outcomes[k]).dump() << "\n";
    }
    if (!out) std::cerr << "kmebind sim: cannot write " << a.outcomes << "\n";
    ::chmod(a.outcomes.c_str(), 0640);  // subscriber identities
  }
  if (config->save_devices && !a.no_save) {
    if (auto st = (*runner)->save_devices(config->devices_file); !st) {
      std::cerr << "kmebind sim: " << st.error().message() << "\n";
    }
  }
  if (a.json) {
    nlohmann::json j = to_json(summary);
    if (config->pcap_file) j["pcap_records"] = (*runner)->pcap_records();
    std::cout << j.dump() << "\n";
  } else {
    std::cout << "kmebind sim: " << run.size() << " UEs over " << config->connections
              << " connection" << (config->connections == 1 ? "" : "s") << " to "
              << config->cnn_address << ":" << config->cnn_port
              << (config->retry.enabled ? ", retrying as a UE does" : "") << "\n"
              << to_text(summary);
    if (config->pcap_file) {
      std::cout << "  pcap: " << config->pcap_file->string() << " (" << (*runner)->pcap_records()
                << " NAS PDUs)\n";
    }
  }
  return summary.unexpected == 0 ? kExitOk : kExitFailure;
}

// CLI11 reads "-1" into an unsigned option as 2^64 - 1: a count given with a sign is refused.
CLI::Validator no_sign() {
  return CLI::Validator(
      [](std::string& text) {
        return text.starts_with('-') ? "expected a count (0 or more), got " + text : std::string();
      },
      "");
}

void setup(CLI::App& root, int* exit_code) {
  auto a = std::make_shared<SimArgs>();
  CLI::App* cmd = root.add_subcommand(
      "sim",
      "Simulate UEs attaching to a running `kmebind cnn` (load generator): devices from the\n"
      "device file of `kmebind admin generate`, a report of outcomes, procedures per second and\n"
      "latency (docs/demo.md).\n"
      "Exit codes: 0 every outcome as expected, 1 some were not, 2 usage, 3 configuration.");
  cmd->add_option("--config", a->config, "sim.yaml (see config/sim.yaml)")->required();
  cmd->add_option("--ues", a->ues,
                  "Number of devices to attach (default: every device of the procedure)")
      ->check(no_sign());
  cmd->add_option("--rate", a->rate, "Attaches started per second (default: all at once)");
  cmd->add_option("--max-in-flight", a->max_in_flight,
                  "At most this many attaches running at a time (default: no limit)")
      ->check(no_sign());
  cmd->add_option(
      "--procedure", a->procedure,
      "Use devices whose subscription allows KME procedure 1, 2, or any (mixed, default)");
  cmd->add_option("--violations", a->violations,
                  "Also attach this many binding-violation devices (expected: Attach reject #6)")
      ->check(no_sign());
  cmd->add_flag("--json", a->json, "Print the report as one JSON object");
  cmd->add_flag("--quiet", a->quiet, "No progress line");
  cmd->add_option("--outcomes", a->outcomes,
                  "Write one JSON line per attach (IMSI, outcome, EMM cause, latency)");
  cmd->add_flag("--no-save", a->no_save,
                "Do not write the devices' KMEs and SQN stores back to the device file");
  cmd->add_option("--timeout", a->timeout_s, "Give up after this many seconds (default 600)")
      ->check(no_sign());
  cmd->add_flag("--retry", a->retry,
                "Retry as a real UE (ue.retry): after #22 wait T3346 + jitter; after T3410 or "
                "#17 (and other causes without a handling of their own) T3411/T3402; after a "
                "lost link reconnect and attach again");
  cmd->add_flag("--no-retry", a->no_retry, "Every first outcome is final (ue.retry: false)");
  cmd->add_flag("--storm", a->storm,
                "Attach storm: every UE powers on at once (no rate, no window) and retries");
  cmd->add_option("--t3411-ms", a->t3411_ms, "T3411 in ms (ue.t3411)")
      ->check(CLI::Range(10, 600000));
  cmd->add_option("--t3402-ms", a->t3402_ms, "T3402 in ms (ue.t3402)")
      ->check(CLI::Range(10, 3600000));
  cmd->add_option("--max-attempts", a->max_attempts,
                  "Attach attempts before T3402 (ue.max_attempts)")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--t3346-jitter-ms", a->t3346_jitter_ms,
                  "Random extra wait after T3346, 0..this ms (ue.t3346_jitter)")
      ->check(CLI::Range(0, 3600000));
  cmd->add_option("--hold-kme-response", a->hold_kme_response_ms,
                  "Hold each KME Provisioning Response this many ms (HSS restart test)")
      ->group("Test hooks");
  cmd->callback([a, exit_code] { *exit_code = run_sim(*a); });
}

KMEBIND_COMMAND("sim", 30, setup);

}  // namespace
}  // namespace kmebind::app
