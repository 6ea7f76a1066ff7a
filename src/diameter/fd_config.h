// Configuration of the process's Diameter node, and its rendering as freeDiameter 1.2 .conf text
// (docs/diameter.md §5). Clear TCP must be asked for explicitly; TLS is mutual (both sides present
// a certificate whose CN and SAN are their Diameter Identity, signed by the one CA in `ca_file`).
// SCTP is always off (this kernel has none; shared/notes/freediameter.md trap 2).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "diameter/dictionary.h"

namespace kmebind::diameter {

struct TlsFiles {
  std::string cert_file;  // PEM certificate of this node (CN = SAN = identity)
  std::string key_file;   // PEM private key
  std::string ca_file;    // PEM of the one CA that signs every peer (freeDiameter: TLS_CA)
};

// A peer this node connects to (the client's HSS peers).
struct PeerConfig {
  std::string identity;  // its Diameter Identity (FQDN)
  std::string address;   // IPv4 or IPv6 literal
  std::uint16_t port = 5868;
  bool tls = true;       // false: clear TCP (No_TLS), allowed only when explicitly chosen
};

struct DiameterConfig {
  std::string identity;  // Diameter Identity of this node (FQDN), Origin-Host
  std::string realm;     // Origin-Realm
  // Local address: bound by a server, and advertised as Host-IP-Address in CER/CEA.
  std::string listen_address = "127.0.0.1";
  // 0: no listener (a client). Otherwise the server's port: TLS on it (SecPort) when `tls` is
  // set, clear TCP (Port) when `clear_tcp`.
  std::uint16_t listen_port = 0;
  std::optional<TlsFiles> tls;
  bool clear_tcp = false;  // explicit choice of no TLS; exactly one of `tls` / `clear_tcp`
  std::vector<PeerConfig> peers;
  // Destination-Realm of requests (the HSS realm); empty = `realm`.
  std::string destination_realm;
  // Server: Diameter Identities accepted as peers (CER Origin-Host); everyone else is refused
  // with DIAMETER_UNKNOWN_PEER. Compared case-insensitively.
  std::vector<std::string> allowed_peers;
  // Reconnect timer in seconds (freeDiameter's default 30 s makes recovery slow; trap 8).
  unsigned tc_timer_s = 2;
  unsigned dispatch_threads = 4;  // freeDiameter AppServThreads
  std::uint32_t kme_command_code = kDefaultKmeCommandCode;
  std::chrono::milliseconds request_timeout{3000};  // client: no answer by then → kUnavailable
  // Where the generated .conf goes (created if missing, mode 0700).
  std::filesystem::path runtime_dir = "/tmp/kmebind-diameter";
  // Lowest freeDiameter log level forwarded to spdlog: 1 debug, 3 notice (default), 5 error,
  // 6 fatal.
  int fd_log_level = 3;

  // Destination-Realm actually used.
  const std::string& request_realm() const {
    return destination_realm.empty() ? realm : destination_realm;
  }
};

// Checks the fields above: identities and realms are DiameterIdentity FQDNs (letters, digits,
// '-', '.'); exactly one of tls / clear_tcp; TLS files exist and are readable; a TLS peer needs
// `tls`; peer identities unique; addresses are IP literals; paths hold no quote or newline;
// tc_timer_s 1..300; dispatch_threads 1..64; request_timeout 10 ms..10 min. kInvalidArgument
// naming the first bad field.
Status validate(const DiameterConfig& config);

// freeDiameter .conf text for `config`. REQUIRES: validate(config) succeeded.
std::string render_freediameter_conf(const DiameterConfig& config);

// Writes the .conf to runtime_dir/freeDiameter-<identity>.conf (mode 0600) and returns its path.
// kIo on failure.
Result<std::filesystem::path> write_freediameter_conf(const DiameterConfig& config);

}  // namespace kmebind::diameter
