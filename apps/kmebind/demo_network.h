// The demo over real processes (docs/demo.md §1): `kmebind hss` and `kmebind cnn` as child
// processes talking S6a over mutual TLS, this process as the UE simulator on the NAS link, and
// the seed's procedures run in phases, each outcome checked against what it must be:
//   1. first attach of every device: KME provisioned, version 1, by the procedure its
//      subscription allows (TR 33.868 §5.4.4.2.3.3.1 / .2);
//   2. later attach of the same devices: device authenticated with the stored KME, version 1;
//   3. every fourth device after `kme renew` (its store flag set while the HSS runs): KME
//      provisioned again, version 2;
//   4. the binding-violation devices (UICC moved, cloned IMEI): Attach reject #6.
// Then both daemons get SIGTERM and must exit 0.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "demo_workdir.h"
#include "sim_report.h"

namespace kmebind::app {

struct NetworkDemoOptions {
  bool progress = false;                      // progress lines on stderr
  std::size_t max_in_flight = 200;            // attaches running at a time (0: all at once)
  const std::atomic<bool>* cancel = nullptr;  // set on SIGINT/SIGTERM: stop early
};

struct NetworkDemoReport {
  SimSummary summary;         // every attach of every phase
  std::uint64_t devices = 0;  // normal devices
  std::uint64_t errors = 0;   // unexpected outcomes + daemon failures
  std::vector<std::string> error_details;
  std::vector<std::string> log;  // one line per step
  std::uint64_t pcap_records = 0;
};

// Runs the demo in the prepared working directory. Fails only when a daemon does not start (the
// message holds its last stderr and log lines) or the simulator cannot connect; outcomes that
// differ from the expectation are counted in errors.
Result<NetworkDemoReport> run_network_demo(DemoSetup& setup, const NetworkDemoOptions& options);

}  // namespace kmebind::app
