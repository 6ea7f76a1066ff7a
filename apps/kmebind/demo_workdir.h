// The demo's working directory (docs/demo.md §2): everything `kmebind hss`, `kmebind cnn` and the
// simulator need, created from nothing:
//
//   ca.pem ca.key                 demo CA (ECDSA P-256)
//   hss.pem hss.key               HSS certificate, CN = SAN = hss.kmebind.test
//   cnn.pem cnn.key               CNN certificate, CN = SAN = cnn.kmebind.test
//   kmebind.key                   store master key (64 hex digits, 0600)
//   kmebind.db                    SQLite store: generated subscribers, bindings, device keys
//   cookie-1.key                  the HSS's Cookie key (64 hex digits, 0600)
//   devices.json                  the device file (secrets, 0600)
//   hss.yaml cnn.yaml sim.yaml    configurations on loopback ports (given or free), mutual TLS
//   hss.log cnn.log               the daemons' logs; hss.out/.err, cnn.out/.err their stdout/stderr
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/error.h"
#include "device_file.h"
#include "device_generate.h"

namespace kmebind::app {

inline constexpr const char* kDemoRealm = "kmebind.test";
inline constexpr const char* kDemoHssIdentity = "hss.kmebind.test";
inline constexpr const char* kDemoCnnIdentity = "cnn.kmebind.test";

struct DemoPaths {
  std::filesystem::path dir;
  std::filesystem::path file(const char* name) const { return dir / name; }
  std::filesystem::path store() const { return dir / "kmebind.db"; }
  std::filesystem::path master_key() const { return dir / "kmebind.key"; }
  std::filesystem::path devices() const { return dir / "devices.json"; }
  std::filesystem::path hss_config() const { return dir / "hss.yaml"; }
  std::filesystem::path cnn_config() const { return dir / "cnn.yaml"; }
  std::filesystem::path sim_config() const { return dir / "sim.yaml"; }
};

struct DemoSetupOptions {
  std::size_t ues = 20;
  std::size_t violations = 2;
  ProcedureMix procedure = ProcedureMix::kMixed;
  std::optional<std::filesystem::path> pcap;  // the CNN's capture
  std::size_t connections = 2;                // NAS connections of the sim
  std::string log_level = "info";
  std::uint16_t diameter_port = 0;  // the HSS's Diameter listener; 0: a free one
  std::uint16_t nas_port = 0;       // the CNN's NAS listener; 0: a free one
};

struct DemoSetup {
  DemoPaths paths;
  std::uint16_t diameter_port = 0;
  std::uint16_t nas_port = 0;
  DeviceFile devices;
};

// Fills `dir` (which must exist and hold no store) as above. Errors name the step that failed.
Result<DemoSetup> prepare_demo(const std::filesystem::path& dir, const DemoSetupOptions& options);

// The demo's two ports, {Diameter, NAS}: `diameter` and `nas` where given (not 0), each other
// one found free by binding port 0 of 127.0.0.1 and releasing it (an ephemeral port: another
// process could take it before the daemons bind it, which then fail with "address in use"), and
// never equal to the other port.
Result<std::pair<std::uint16_t, std::uint16_t>> demo_ports(std::uint16_t diameter,
                                                           std::uint16_t nas);

// Ok when a server could listen on 127.0.0.1:`port` now (bind with SO_REUSEADDR, as the daemons
// do, so a closed connection's TIME_WAIT does not count); kAlreadyExists when something is bound
// to it, naming the port.
Status check_loopback_port_free(std::uint16_t port);

}  // namespace kmebind::app
