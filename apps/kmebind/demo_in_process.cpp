// `kmebind demo --in-process`: the UE, CNN and HSS cores wired together in one process
// (src/sim/demo_scenario.h), over a real SQLite store in a working directory. No sockets, no
// TLS: the pure procedure cost, and what the tests and benchmarks of src/sim use.
#include "demo_in_process.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "command.h"
#include "sim/demo_scenario.h"
#include "store/master_key.h"
#include "store/subscriber_store.h"

namespace kmebind::app {
namespace {

namespace fs = std::filesystem;

nlohmann::json to_json(const sim::DemoReport& r) {
  nlohmann::json j;
  j["ues"] = r.ues;
  j["attached"] = r.attached;
  j["rejected"] = r.rejected;
  j["kme_provisioned_procedure1"] = r.kme_provisioned_procedure1;
  j["kme_provisioned_procedure2"] = r.kme_provisioned_procedure2;
  j["device_authenticated"] = r.device_authenticated;
  j["binding_violations_rejected"] = r.binding_violations_rejected;
  j["errors"] = r.errors;
  j["attach_procedures"] = r.attach_procedures;
  j["nas_pdus"] = r.nas_pdus;
  j["nas_octets"] = r.nas_octets;
  j["s6a_round_trips"] = r.s6a_round_trips;
  j["seconds"] = r.seconds;
  j["procedures_per_second"] =
      r.seconds > 0 ? static_cast<double>(r.attach_procedures) / r.seconds : 0.0;
  j["error_details"] = r.error_details;
  return j;
}

void print_text(const sim::DemoReport& r, const fs::path& dir, bool kept) {
  std::cout << "kmebind demo — UE, CNN and HSS cores in one process over a real SQLite store\n";
  for (const auto& line : r.log) std::cout << "  " << line << "\n";
  std::cout << "\n"
            << "  UEs                                  " << r.ues << "\n"
            << "  attach procedures                    " << r.attach_procedures << "\n"
            << "  attached                             " << r.attached << "\n"
            << "  rejected                             " << r.rejected << "\n"
            << "  KME provisioned, procedure 1         " << r.kme_provisioned_procedure1 << "\n"
            << "  KME provisioned, procedure 2         " << r.kme_provisioned_procedure2 << "\n"
            << "  devices authenticated with KME       " << r.device_authenticated << "\n"
            << "  binding violations rejected (#6)     " << r.binding_violations_rejected << "\n"
            << "  errors                               " << r.errors << "\n"
            << "  NAS PDUs / octets                    " << r.nas_pdus << " / " << r.nas_octets
            << "\n"
            << "  S6a round trips                      " << r.s6a_round_trips << "\n"
            << "  time (attaches only)                 " << r.seconds << " s\n";
  for (const auto& e : r.error_details) std::cout << "  error: " << e << "\n";
  if (kept) {
    std::cout << "\n  working directory kept: " << dir.string()
              << " (inspect with: kmebind admin --store " << (dir / "kmebind.db").string()
              << " --key-file " << (dir / "kmebind.key").string() << " kme status)\n";
  }
}

}  // namespace

int run_in_process_demo(const InProcessDemoArgs& args) {
  if (args.ues == 0 || args.ues > 1'000'000) {
    return usage_error("demo", "--ues: must be between 1 and 1000000");
  }
  std::error_code ec;
  fs::path dir;
  if (!args.dir.empty()) {
    dir = args.dir;
    if (fs::exists(dir / "kmebind.db", ec)) {
      return usage_error("demo", "--dir: " + dir.string() +
                                     " already holds a demo store; remove it or pick another");
    }
    fs::create_directories(dir, ec);
  } else {
    std::string tmpl = (fs::temp_directory_path(ec) / "kmebind-demo-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::cerr << "kmebind demo: cannot create a working directory under /tmp\n";
      return kExitFailure;
    }
    dir = tmpl;
  }
  if (ec) {
    std::cerr << "kmebind demo: cannot create " << dir.string() << ": " << ec.message() << "\n";
    return kExitFailure;
  }
  const bool keep = args.keep || !args.dir.empty();
  auto cleanup = [&] {
    if (!keep) fs::remove_all(dir, ec);
  };

  auto key = store::generate_master_key();
  if (!key) {
    std::cerr << "kmebind demo: " << key.error().what() << "\n";
    cleanup();
    return kExitFailure;
  }
  if (auto st = store::write_master_key_file(dir / "kmebind.key", *key, false); !st) {
    std::cerr << "kmebind demo: " << st.error().what() << "\n";
    cleanup();
    return kExitFailure;
  }
  auto store = store::open_store((dir / "kmebind.db").string(), std::move(*key));
  if (!store) {
    std::cerr << "kmebind demo: " << store.error().what() << "\n";
    cleanup();
    return kExitFailure;
  }
  sim::DemoOptions options;
  options.ues = args.ues;
  options.verbose = !args.json;
  auto report = sim::run_demo(**store, options);
  store->reset();
  if (!report) {
    std::cerr << "kmebind demo: " << report.error().what() << "\n";
    cleanup();
    return kExitFailure;
  }
  if (args.json) {
    std::cout << to_json(*report).dump() << "\n";
  } else {
    print_text(*report, dir, keep);
  }
  cleanup();
  return report->errors == 0 ? kExitOk : kExitFailure;
}

}  // namespace kmebind::app
