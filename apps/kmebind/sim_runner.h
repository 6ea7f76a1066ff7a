// The UE simulator over the real NAS link (DESIGN.md §1, `kmebind sim`, docs/demo.md §4): the
// UE cores (src/ue) of the devices of a device file, driven by one event-loop thread that owns
// them all, over C TCP connections to the CNN (one net::NasClient each; UE i of the run uses
// connection i mod C, its link UE id is i + 1). The UE timers (T3410, T3411, T3402) and the
// sim's own back-off timers (T3346) of every UE share one deadline heap and one loop timer.
//
// A run is made of phases (run_phase): each starts the attach of a list of devices, at a target
// rate (a token bucket: attach k starts k/rate seconds after the first) or all at once, and waits
// until every one of them has an outcome:
//   attached      Attach accept taken, Attach complete sent
//   rejected      Attach reject (with its EMM cause) or Authentication reject
//   timeout       T3410 expired (only without retries)
//   link-lost     the connection carrying the UE closed (only without retries)
// With SimConfig::retry.enabled the UEs retry as a real UE does (sim_retry.h): #22 with T3346 →
// wait T3346 + jitter and attach again; T3410 expiry → the UE core's own T3411/T3402 retries; a
// lost link → reconnect with back-off (from the owner's thread, while run_phase waits) and attach
// every affected UE again, those already attached in this phase included (the CNN that lost the
// link lost their contexts). Then an outcome is final only when attached or rejected for good.
// The latency of an attach runs from its first Attach request to its outcome. The UEs keep state
// between phases (KME, SQN store, GUTI), so a later phase attaches the same devices again: the
// demo's "later attach" authenticates them with the KME provisioned in the first.
//
// Thread safety: run_phase, save_devices and stop are called from one (the owner's) thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "device_file.h"
#include "sim_config.h"

namespace kmebind::app {

struct UeOutcome {
  enum class Kind { kPending, kAttached, kRejected, kAuthenticationRejected, kTimeout, kLinkLost };
  Kind kind = Kind::kPending;
  std::optional<std::uint8_t> emm_cause;  // kRejected: the EMM cause of the Attach reject
  std::uint8_t kme_procedure = 0;         // 1 or 2 when this attach provisioned a KME
  std::uint32_t kme_version = 0;          // provisioned or device-authenticated version
  bool device_authenticated = false;      // this attach answered a device challenge
  double latency_ms = 0;                  // first Attach request → outcome
  std::string detail;                     // UE events worth showing (KME/SMC rejects), no secret
  std::uint32_t attempts = 0;             // Attach requests sent (retries = attempts - 1)
  std::uint32_t congestion_rejects = 0;   // Attach reject #22 received
  std::uint32_t network_failure_rejects = 0;  // Attach reject #17 received (retried or final)
  std::uint32_t t3346_backoffs = 0;       // of which carried T3346 (the UE waited it)
  std::uint32_t t3410_expiries = 0;       // attempts that timed out (T3410)
  std::uint32_t link_losses = 0;          // times its link to the CNN was lost while in the phase
};
std::string_view to_string(UeOutcome::Kind kind);  // "pending", "attached", "rejected", ...

struct PhaseOptions {
  std::string name = "attach";  // shown in the progress line
  double rate = 0;              // attaches started per second; 0 = all at once
  // At most this many attaches without an outcome at a time (a window: the next starts when
  // one ends); 0 = no limit. With a rate, both apply.
  std::size_t max_in_flight = 0;
  bool progress = false;  // one progress line per second on stderr
  // Test hook (docs/demo.md §7): send a UE's KME Provisioning Response only this long after the
  // UE produced it, and say so on stderr ("kmebind sim: holding ..."), so that a test can restart
  // the HSS between the KME request and the ULR.
  std::int64_t hold_kme_response_ms = 0;
  // Give up waiting after this long (outcomes still pending are reported as pending).
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  // When set and true, the phase ends early the same way (checked every 200 ms).
  const std::atomic<bool>* cancel = nullptr;
};

struct PhaseResult {
  std::vector<UeOutcome> outcomes;      // one per device of the phase, in the order given
  double seconds = 0;                   // first Attach request → last outcome
  std::uint64_t connection_losses = 0;  // NAS connections that closed during the phase
  std::uint64_t reconnects = 0;         // NAS connections re-established
  // First link loss → the last UE it affected attached again; nullopt without a link loss or
  // when some affected UE did not end attached.
  std::optional<double> recovery_seconds;
};

class SimRunner {
 public:
  // Builds the UEs of `devices` (indexes into file.devices) from the file: USIM with its saved
  // SQN store, ME with its keys and committed KME. kInvalidArgument for an index out of range or
  // a device that does not build; nothing is connected yet.
  static Result<std::unique_ptr<SimRunner>> create(const SimConfig& config, DeviceFile file,
                                                   const std::vector<std::size_t>& devices);
  ~SimRunner();
  SimRunner(const SimRunner&) = delete;
  SimRunner& operator=(const SimRunner&) = delete;

  // Opens the pcap file (if configured), starts the loop and connects to the CNN. kIo naming the
  // address when the CNN cannot be reached.
  Status connect();

  // Runs one phase over `devices` (a subset of those given to create, each at most once).
  // kInvalidArgument for a device not in the run; kUnavailable when not connected.
  Result<PhaseResult> run_phase(const std::vector<std::size_t>& devices,
                                const PhaseOptions& options);

  // Stops the loop and closes the connections (idempotent). The UEs stay readable.
  void stop();

  // Copies each UE's committed KME and SQN store into the device file and writes it atomically
  // to `path` (device_file.h). REQUIRES: stop() was called.
  Status save_devices(const std::filesystem::path& path);

  const DeviceFile& devices() const;
  std::uint64_t pcap_records() const;

  struct Impl;

 private:
  explicit SimRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kmebind::app
