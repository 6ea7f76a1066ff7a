// `kmebind demo`: the README's main job (docs/demo.md). On a fresh machine, with no arguments:
// creates a working directory (certificates, master key, SQLite store with generated
// subscribers, bindings and device keys, configurations), starts `kmebind hss` and `kmebind cnn`
// as child processes talking mutual TLS, runs the simulator in this process through both KME
// procedures, later attaches with device authentication, re-provisioning and binding
// violations, prints the report and stops everything cleanly. Exit 0 only when every outcome was
// the expected one. `--in-process` runs the same scenario with the three cores in one process.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command.h"
#include "demo_in_process.h"
#include "demo_network.h"
#include "demo_workdir.h"
#include "net/logging.h"
#include "sim_interrupt.h"

namespace kmebind::app {
namespace {

namespace fs = std::filesystem;

struct DemoArgs {
  // Options only the network demo uses, given on the command line (refused with --in-process).
  std::vector<std::string> network_only;
  std::size_t ues = 20;
  std::size_t violations = 0;  // 0: max(2, ues / 10), at most ues
  std::size_t max_in_flight = 200;
  bool json = false;
  bool keep = false;
  bool prepare = false;
  bool in_process = false;
  bool quiet = false;
  std::string dir;
  std::string pcap;
  std::string log_level = "info";
  std::string diameter_port;  // "" = a free one
  std::string nas_port;
};

// A port given on the command line: 1..65535, digits only; 0 when not given.
Result<std::uint16_t> parse_port(const char* option, const std::string& text) {
  if (text.empty()) return std::uint16_t{0};
  unsigned long value = 0;
  const bool digits = text.size() <= 5 && text.find_first_not_of("0123456789") == std::string::npos;
  if (digits) value = std::stoul(text);
  if (!digits || value < 1 || value > 65535) {
    return fail(Code::kInvalidArgument,
                std::string(option) + ": expected a port 1..65535, got '" + text + "'");
  }
  return static_cast<std::uint16_t>(value);
}

// The ports given with --diameter-port and --nas-port (0: not given), checked before anything is
// created: in range, different, and free now on 127.0.0.1 (a daemon would fail on a taken one
// only after the working directory is made; with --prepare, later still).
Result<std::pair<std::uint16_t, std::uint16_t>> given_ports(const DemoArgs& args) {
  auto diameter = parse_port("--diameter-port", args.diameter_port);
  if (!diameter) return std::unexpected(diameter.error());
  auto nas = parse_port("--nas-port", args.nas_port);
  if (!nas) return std::unexpected(nas.error());
  if (*diameter != 0 && *diameter == *nas) {
    return fail(Code::kInvalidArgument, "--diameter-port and --nas-port: the same port " +
                                            std::to_string(*nas) +
                                            "; the HSS and the CNN each listen on their own");
  }
  for (auto [option, port] :
       {std::pair{"--diameter-port", *diameter}, std::pair{"--nas-port", *nas}}) {
    if (port == 0) continue;
    if (auto st = check_loopback_port_free(port); !st) {
      return fail(Code::kInvalidArgument,
                  std::string(option) + ": " + st.error().message() + "; pick another port");
    }
  }
  return std::pair{*diameter, *nas};
}

nlohmann::json to_json(const NetworkDemoReport& r) {
  const SimSummary& s = r.summary;
  nlohmann::json j;
  j["ues"] = r.devices;
  j["attached"] = s.attached;
  j["rejected"] = s.rejected;
  j["kme_provisioned_procedure1"] = s.kme_provisioned_procedure1;
  j["kme_provisioned_procedure2"] = s.kme_provisioned_procedure2;
  j["device_authenticated"] = s.device_authenticated;
  j["binding_violations_rejected"] = s.binding_violations_rejected;
  j["errors"] = r.errors;
  j["procedures_per_second"] = s.procedures_per_second;
  j["latency_ms_p99"] = s.latency_ms_p99;
  j["attach_procedures"] = s.ues;
  j["failures"] = s.failures;
  j["latency_ms_p50"] = s.latency_ms_p50;
  j["latency_ms_p90"] = s.latency_ms_p90;
  j["latency_ms_max"] = s.latency_ms_max;
  j["seconds"] = s.seconds;
  j["error_details"] = r.error_details;
  return j;
}

void print_text(const NetworkDemoReport& r, const DemoSetup& setup, const DemoArgs& args,
                bool kept) {
  std::cout
      << "kmebind demo: hss and cnn as processes (S6a over mutual TLS), UEs simulated here over "
         "the NAS link\n";
  for (const auto& line : r.log) std::cout << "  " << line << "\n";
  std::cout << "\n  devices                               " << r.devices << "\n"
            << to_text(r.summary);
  std::cout << "  errors                                " << r.errors << "\n";
  for (const auto& e : r.error_details) std::cout << "  error: " << e << "\n";
  if (!args.pcap.empty()) std::cout << "  pcap (written by the cnn): " << args.pcap << "\n";
  if (kept)
    std::cout << "\n  working directory kept: " << setup.paths.dir.string()
              << " (docs/demo.md §2)\n";
}

int fail_with(const std::string& message, const fs::path& dir, bool keep) {
  std::cerr << "kmebind demo: " << message << "\n";
  std::error_code ec;
  if (keep) {
    std::cerr << "kmebind demo: working directory kept: " << dir.string() << "\n";
  } else {
    fs::remove_all(dir, ec);
  }
  return kExitFailure;
}

int run_network(const DemoArgs& args) {
  if (args.ues == 0 || args.ues > 100'000)
    return usage_error("demo", "--ues: must be between 1 and 100000");
  // Checked here rather than by the daemons, which would fail to start with it (exit 3) only
  // after the working directory is made.
  if (auto level = net::parse_log_level(args.log_level); !level) {
    return usage_error("demo", "--log-level: " + level.error().message());
  }
  if (!args.pcap.empty()) {
    std::error_code dir_ec;
    const fs::path pcap_dir = fs::absolute(args.pcap, dir_ec).parent_path();
    if (!fs::is_directory(pcap_dir, dir_ec)) {
      return usage_error("demo", "--pcap: directory " + pcap_dir.string() + " does not exist");
    }
  }
  const std::size_t violations = args.violations != 0
                                     ? args.violations
                                     : std::min(args.ues, std::max<std::size_t>(2, args.ues / 10));
  if (violations > args.ues) return usage_error("demo", "--violations: at most --ues");
  auto ports = given_ports(args);
  if (!ports) return usage_error("demo", ports.error().message());
  std::error_code ec;
  fs::path dir;
  if (!args.dir.empty()) {
    dir = fs::absolute(args.dir, ec);
    if (fs::exists(dir / "kmebind.db", ec)) {
      return usage_error("demo", "--dir: " + dir.string() +
                                     " already holds a demo store; remove it or pick another");
    }
    fs::create_directories(dir, ec);
    if (ec)
      return usage_error("demo", "--dir: cannot create " + dir.string() + ": " + ec.message());
  } else {
    std::string tmpl = (fs::temp_directory_path(ec) / "kmebind-demo-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::cerr << "kmebind demo: cannot create a working directory under "
                << fs::temp_directory_path(ec) << "\n";
      return kExitFailure;
    }
    dir = tmpl;
  }
  const bool keep = args.keep || args.prepare || !args.dir.empty();

  DemoSetupOptions so;
  so.ues = args.ues;
  so.violations = violations;
  so.log_level = args.log_level;
  so.diameter_port = ports->first;
  so.nas_port = ports->second;
  if (!args.pcap.empty()) so.pcap = fs::absolute(args.pcap, ec);
  auto setup = prepare_demo(dir, so);
  if (!setup) return fail_with(setup.error().message(), dir, keep);
  if (args.prepare) {
    std::cout << "kmebind demo: working directory prepared: " << dir.string() << "\n"
              << "  kmebind hss --config " << setup->paths.hss_config().string() << "\n"
              << "  kmebind cnn --config " << setup->paths.cnn_config().string() << "\n"
              << "  kmebind sim --config " << setup->paths.sim_config().string() << " --ues "
              << args.ues << " --violations " << violations << "\n";
    return kExitOk;
  }

  InterruptWatcher signals("demo");
  NetworkDemoOptions options;
  options.progress = !args.quiet && !args.json;
  options.cancel = &signals.interrupted();
  options.max_in_flight = args.max_in_flight;
  auto report = run_network_demo(*setup, options);
  if (!report) return fail_with(report.error().message(), dir, keep);
  if (signals.interrupted().load()) return fail_with("interrupted", dir, keep);
  if (args.json) {
    nlohmann::json j = to_json(*report);
    if (keep) j["work_dir"] = dir.string();
    std::cout << j.dump() << "\n";
  } else {
    print_text(*report, *setup, args, keep);
  }
  if (!keep) fs::remove_all(dir, ec);
  return report->errors == 0 ? kExitOk : kExitFailure;
}

int run_demo_command(const DemoArgs& args) {
  if (args.in_process) {
    if (!args.pcap.empty() || args.prepare) {
      return usage_error("demo", "--pcap and --prepare need the daemons: not with --in-process");
    }
    if (!args.network_only.empty()) {
      return usage_error("demo", args.network_only.front() +
                                     " applies to the daemons' demo only: not with --in-process");
    }
    return run_in_process_demo({args.ues, args.json, args.keep, args.dir});
  }
  return run_network(args);
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
  auto args = std::make_shared<DemoArgs>();
  CLI::App* cmd = root.add_subcommand(
      "demo",
      "Run both KME procedures end to end (TR 33.868 §5.4.4.2.3.3): creates a working directory "
      "with\n"
      "certificates, a master key and a SQLite store of generated subscribers and devices, starts\n"
      "`kmebind hss` and `kmebind cnn` as child processes (S6a over mutual TLS), simulates the "
      "UEs\n"
      "through first attaches with procedure 1 and 2, later attaches with device authentication,\n"
      "re-provisioning and binding violations, prints a summary and stops everything "
      "(docs/demo.md).\n"
      "Exit codes: 0 every outcome as expected, 1 otherwise, 2 bad arguments.");
  cmd->add_option("--ues", args->ues, "number of simulated devices (default 20)")
      ->check(no_sign());
  cmd->add_option(
      "--violations", args->violations,
      "binding-violation devices (default max(2, ues/10)), each to be rejected with #6")
      ->check(no_sign());
  cmd->add_option("--max-in-flight", args->max_in_flight,
                  "attaches running at a time (default 200; 0: every UE of a phase at once)")
      ->check(no_sign());
  cmd->add_flag("--json", args->json, "print one JSON object instead of the text summary");
  cmd->add_option("--pcap", args->pcap,
                  "the cnn writes every NAS message and every S6a Diameter message (KASME and KME "
                  "blanked) it sends and receives to this pcap file (docs/operations.md §2)");
  cmd->add_flag("--keep", args->keep,
                "keep the working directory afterwards (its path is printed)");
  cmd->add_option(
      "--dir", args->dir,
      "working directory to create and keep (default: a new one under /tmp, removed afterwards)");
  cmd->add_flag(
      "--prepare", args->prepare,
      "only create the working directory (certificates, store, configurations) and print how to "
      "run the daemons and the sim by hand");
  cmd->add_option("--log-level", args->log_level,
                  "log level of the daemons' log files: trace, debug, info (default), warn, "
                  "error, critical or off");
  cmd->add_option("--diameter-port", args->diameter_port,
                  "port of the hss's Diameter listener on 127.0.0.1 (1..65535; default: a free "
                  "one)")
      ->type_name("PORT");
  cmd->add_option("--nas-port", args->nas_port,
                  "port of the cnn's NAS listener on 127.0.0.1 (1..65535; default: a free one)")
      ->type_name("PORT");
  cmd->add_flag("--quiet", args->quiet, "no progress lines");
  cmd->add_flag("--in-process", args->in_process,
                "run the UE, CNN and HSS cores in this one process, without daemons or sockets");
  cmd->callback([cmd, args, exit_code] {
    for (const char* name :
         {"--violations", "--max-in-flight", "--log-level", "--diameter-port", "--nas-port"}) {
      if (cmd->get_option(name)->count() > 0) args->network_only.emplace_back(name);
    }
    *exit_code = run_demo_command(*args);
  });
}

KMEBIND_COMMAND("demo", 10, setup);

}  // namespace
}  // namespace kmebind::app
