#include "demo_network.h"

#include <cstdio>

#include "demo_process.h"
#include "sim_runner.h"
#include "store/master_key.h"
#include "store/subscriber_store.h"

namespace kmebind::app {
namespace {

using namespace std::chrono_literals;

constexpr auto kReadyTimeout = 20s;
constexpr auto kStopTimeout = 15s;
constexpr std::size_t kMaxErrorDetails = 10;

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

class Demo {
 public:
  Demo(DemoSetup& setup, const NetworkDemoOptions& options, NetworkDemoReport& report)
      : setup_(setup), options_(options), report_(report) {}

  Status run() {
    const DemoPaths& p = setup_.paths;
    ChildProcess hss("hss", p.hss_config(), p.file("hss.out"), p.file("hss.err"),
                     p.file("hss.log"));
    ChildProcess cnn("cnn", p.cnn_config(), p.file("cnn.out"), p.file("cnn.err"),
                     p.file("cnn.log"));
    auto hss_ready = hss.start(kReadyTimeout);
    if (!hss_ready) return std::unexpected(hss_ready.error());
    log(hss_ready->substr(8));  // without "kmebind "
    auto cnn_ready = cnn.start(kReadyTimeout);
    if (!cnn_ready) return std::unexpected(cnn_ready.error());
    log(cnn_ready->substr(8));
    if (cnn_ready->find("peers_up=0/") != std::string::npos) {
      return fail(Code::kUnavailable, "the CNN did not get a Diameter link to the HSS" +
                                          cnn.last_lines(8) + hss.last_lines(8));
    }

    if (auto st = run_phases(); !st) return st;

    for (ChildProcess* child : {&cnn, &hss}) {
      const auto code = child->stop(kStopTimeout);
      if (code != 0) {
        error("kmebind " + child->role() + " did not stop cleanly on SIGTERM (exit code " +
              (code ? std::to_string(*code) : std::string("unknown")) + ")" + child->last_lines(5));
      }
    }
    log("hss and cnn stopped on SIGTERM");
    return {};
  }

 private:
  Status run_phases() {
    auto config = load_sim_config(setup_.paths.sim_config());
    if (!config) return std::unexpected(config.error());
    std::vector<std::size_t> normal, attackers, all;
    std::size_t procedure1 = 0;
    for (std::size_t i = 0; i < setup_.devices.devices.size(); ++i) {
      const DeviceEntry& d = setup_.devices.devices[i];
      (d.role == DeviceRole::kNormal ? normal : attackers).push_back(i);
      if (d.role == DeviceRole::kNormal && d.procedure == 1) ++procedure1;
      all.push_back(i);
    }
    report_.devices = normal.size();
    auto runner = SimRunner::create(*config, std::move(setup_.devices), all);
    if (!runner) return std::unexpected(runner.error());
    if (auto st = (*runner)->connect(); !st) return st;
    const DeviceFile& file = (*runner)->devices();

    // 1. First attach: provisioning by the subscription's procedure.
    auto first = phase(**runner, "first attach", normal, [&](std::size_t i) {
      return Expected{Expected::Kind::kAttached, file.devices[i].procedure, false, 1};
    });
    if (!first) return std::unexpected(first.error());
    log("first attach: " + std::to_string(normal.size()) + " UEs (" + std::to_string(procedure1) +
        " procedure 1, " + std::to_string(normal.size() - procedure1) + " procedure 2): " + *first);
    // 2. Later attach: device authentication with the stored KME.
    auto later = phase(**runner, "later attach", normal, [](std::size_t) {
      return Expected{Expected::Kind::kAttached, 0, true, 1};
    });
    if (!later) return std::unexpected(later.error());
    log("later attach with device authentication: " + std::to_string(normal.size()) +
        " UEs: " + *later);
    // 3. Re-provisioning after `kme renew`, set in the store while the HSS runs.
    std::vector<std::size_t> renew;
    for (std::size_t k = 0; k < normal.size(); k += 4) renew.push_back(normal[k]);
    if (auto st = request_renewal(file, renew); !st) return st;
    auto again = phase(**runner, "re-provisioning", renew, [&](std::size_t i) {
      return Expected{Expected::Kind::kAttached, file.devices[i].procedure, false, 2};
    });
    if (!again) return std::unexpected(again.error());
    log("re-provisioning after `kmebind admin kme renew`: " + std::to_string(renew.size()) +
        " UEs, KME version 2: " + *again);
    // 4. Binding violations.
    if (!attackers.empty()) {
      auto violations = phase(**runner, "binding violations", attackers, [](std::size_t) {
        return Expected{Expected::Kind::kRejectedIllegalMe, 0, false, 0};
      });
      if (!violations) return std::unexpected(violations.error());
      log("binding violations (UICC moved, cloned IMEI): " + std::to_string(attackers.size()) +
          " attempts: " + *violations);
    }
    (*runner)->stop();
    report_.pcap_records = (*runner)->pcap_records();
    report_.summary = summary_.finish();
    report_.errors += report_.summary.unexpected;
    for (const std::string& d : report_.summary.unexpected_details) detail(d);
    return {};
  }

  // Runs one phase, counts it, and returns its one-line result.
  template <class ExpectFn>
  Result<std::string> phase(SimRunner& runner, const std::string& name,
                            const std::vector<std::size_t>& devices, ExpectFn expect) {
    if (options_.cancel != nullptr && options_.cancel->load())
      return fail(Code::kUnavailable, "interrupted");
    PhaseOptions o;
    o.name = name;
    o.progress = options_.progress;
    o.max_in_flight = options_.max_in_flight;
    o.cancel = options_.cancel;
    o.timeout = 5min;
    auto result = runner.run_phase(devices, o);
    if (!result) return std::unexpected(result.error());
    if (options_.cancel != nullptr && options_.cancel->load())
      return fail(Code::kUnavailable, "interrupted");
    std::size_t attached = 0, rejected6 = 0, as_expected = 0;
    for (std::size_t k = 0; k < devices.size(); ++k) {
      const UeOutcome& o2 = result->outcomes[k];
      const DeviceEntry& d = runner.devices().devices[devices[k]];
      const Expected e = expect(devices[k]);
      summary_.add(
          o2, e, name + " of " + std::string(to_string(d.role)) + " device IMSI " + d.profile.imsi);
      if (o2.kind == UeOutcome::Kind::kAttached) ++attached;
      if (o2.kind == UeOutcome::Kind::kRejected && o2.emm_cause == 6) ++rejected6;
      if (meets(o2, e)) ++as_expected;
    }
    summary_.add_seconds(result->seconds);
    return std::to_string(attached) + " attached, " + std::to_string(rejected6) + " rejected #6, " +
           std::to_string(devices.size() - as_expected) + " unexpected, " + fixed(result->seconds) +
           " s";
  }

  Status request_renewal(const DeviceFile& file, const std::vector<std::size_t>& devices) {
    auto key = store::read_master_key_file(setup_.paths.master_key());
    if (!key) return std::unexpected(key.error());
    store::StoreOptions so;
    so.create_if_missing = false;
    auto s = store::open_store(setup_.paths.store().string(), std::move(*key), so);
    if (!s) return std::unexpected(s.error());
    for (std::size_t i : devices) {
      if (auto st = (*s)->request_kme_renewal(file.devices[i].profile.imsi, "demo"); !st) return st;
    }
    return {};
  }

  void log(std::string line) { report_.log.push_back(std::move(line)); }
  void detail(std::string line) {
    if (report_.error_details.size() < kMaxErrorDetails)
      report_.error_details.push_back(std::move(line));
  }
  void error(std::string line) {
    ++report_.errors;
    detail(std::move(line));
  }

  DemoSetup& setup_;
  const NetworkDemoOptions& options_;
  NetworkDemoReport& report_;
  SummaryBuilder summary_;
};

}  // namespace

Result<NetworkDemoReport> run_network_demo(DemoSetup& setup, const NetworkDemoOptions& options) {
  NetworkDemoReport report;
  Demo demo(setup, options, report);
  if (auto st = demo.run(); !st) return std::unexpected(st.error());
  return report;
}

}  // namespace kmebind::app
