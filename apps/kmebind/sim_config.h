// sim.yaml: the configuration of `kmebind sim` (docs/demo.md §4). Errors follow
// docs/operations.md §5 ("sim.yaml:3: nas.connections: expected an integer 1..1024, got '0'").
//
//   nas:
//     connect: {address: 127.0.0.1, port: 36412}   # the CNN's NAS listener
//     connections: 4                               # UEs are spread over them (UE i → i mod 4)
//     reconnect: {min: 100ms, max: 5s}             # back-off of a lost link (with ue.retry)
//   ue:
//     plmn: "001-01"                               # serving network of KASME (TS 33.401 A.2)
//     apn: internet                                # optional; none lets the network choose
//     t3410: 15s                                   # attach guard (TS 24.301 §10.2)
//     retry: true                                  # retry as a real UE (sim_retry.h)
//     t3411: 10s                                   # between attempts after T3410 expiry
//     t3402: 60s                                   # after max_attempts failed attempts
//     max_attempts: 5                              # TS 24.301 §5.5.1.2.6 attempt counter limit
//     t3346_jitter: 10s                            # random extra wait after T3346 (#22)
//   devices:
//     file: devices.json                           # from `kmebind admin generate`
//     save: true                                   # write KMEs and SQN stores back after a run
//   pcap: {file: sim.pcap}                         # optional ("" = off): every NAS PDU sent
//                                                  # and received
//   log: {level: warn, file: sim.log}              # optional ("" = stderr)
// Paths are used as written (relative ones from the working directory), as in the daemons'
// configurations.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/error.h"
#include "net/logging.h"
#include "sim_retry.h"

namespace kmebind::app {

struct SimConfig {
  std::string cnn_address = "127.0.0.1";
  std::uint16_t cnn_port = 0;
  std::size_t connections = 1;
  std::string plmn = "001-01";
  std::optional<std::string> apn;
  std::int64_t t3410_ms = 15'000;
  RetryConfig retry;  // ue.retry, ue.t3411, ue.t3402, ue.max_attempts, ue.t3346_jitter,
                      // nas.reconnect
  std::filesystem::path devices_file;
  bool save_devices = true;
  std::optional<std::filesystem::path> pcap_file;
  net::LogOptions log;  // role "sim"; level "warn" unless configured
};

// Reads and checks sim.yaml. kIo when unreadable, kInvalidArgument with file:line: key: problem.
Result<SimConfig> load_sim_config(const std::filesystem::path& path);

// The YAML text of a configuration (what `kmebind demo` writes into its working directory).
std::string render_sim_config(const SimConfig& config);

}  // namespace kmebind::app
