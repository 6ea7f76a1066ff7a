// The YAML configuration of `kmebind hss` and `kmebind cnn` (docs/daemons.md, config/hss.yaml,
// config/cnn.yaml), parsed into the plain config structs of the layers they drive:
// diameter::DiameterConfig, hss::HssConfig, cnn::CnnConfig, net::LogOptions.
//
// Every error is kInvalidArgument (kIo when the file cannot be read) with a one-line message that
// names the file, the line and the key path (net/yaml_config.h), e.g.
//   hss.yaml:14: diameter.listen.port: expected an integer 1..65535, got 'x'
// Unknown and duplicate keys are errors in every section. The daemons exit with code 3 on any of
// them. The Cookie key files and the store master key are read by load_cookie_key_ring /
// load_store_master_key, whose errors name the key path too. The TLS files are checked while
// parsing (a PEM certificate, the unencrypted key of that certificate — parsed in memory, wiped,
// never kept — and a CA file under which it verifies; docs/daemons.md §1), and the certificate
// must name diameter.identity by the rule the peers apply (diameter/peer_identity.h: a
// subjectAltName dNSName, the CN only without one, no wildcard); log.file and pcap.file must be in
// an existing directory.
//
// Thread safety: plain functions and values.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cnn/cnn_config.h"
#include "common/error.h"
#include "common/secret.h"
#include "crypto/cookie.h"
#include "diameter/fd_config.h"
#include "hss/hss_config.h"
#include "net/logging.h"
#include "net/yaml_config.h"

namespace kmebind::app {

// `metrics: {address, port}`. Port 0: the kernel picks one (the ready line names it).
struct MetricsEndpoint {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
};

// `store:` of hss.yaml.
struct StoreSettings {
  std::string location;                 // SQLite file or sqlite:///abs/path
  std::optional<std::string> key_file;  // absent: $KMEBIND_MASTER_KEY
  std::string where;                    // "hss.yaml:2: store" for messages
};

// One entry of `cookie_keys:` (the HSS-only Cookie key ring, crypto/cookie.h).
enum class CookieKeyState { kActive, kAccepted, kRetired };
struct CookieKeyEntry {
  std::uint32_t id = 0;  // 1..2^32-1, unique; the Cookie's key id (in the clear)
  std::string key_file;  // 64 hex digits, mode 0600 or stricter; not read when retired
  CookieKeyState state = CookieKeyState::kAccepted;
  std::string where;  // "hss.yaml:6: cookie_keys[0].key_file" for messages
};

struct HssDaemonConfig {
  StoreSettings store;
  std::vector<CookieKeyEntry> cookie_keys;  // exactly one kActive
  diameter::DiameterConfig diameter;        // server: listen_port > 0, allowed_peers
  // Store worker threads. Most of a worker's life is waiting for a group commit (an AIR's SQN
  // advance is synced before its answer), so there are more workers than cores: as many as the
  // requests a busy CNN keeps in flight, so that one WAL sync covers all of them
  // (docs/performance-s6a.md).
  unsigned workers = 64;
  std::string workers_where;  // "hss.yaml:17: hss.workers" for messages (no line: the default)
  std::size_t queue_limit = 1024;           // requests waiting for a worker; beyond: TOO_BUSY
  hss::HssConfig hss;
  std::optional<MetricsEndpoint> metrics;
  net::LogOptions log;  // role "hss"
};

struct NasListen {
  std::string address = "127.0.0.1";
  std::uint16_t port = 36412;  // 0: the kernel picks one (the ready line names it)
  std::size_t max_connections = 1024;
};

struct CnnDaemonConfig {
  diameter::DiameterConfig diameter;  // client: listen_port 0, peers
  // How long start-up waits for a first HSS peer before announcing readiness (0: not at all).
  std::chrono::milliseconds connect_wait{5000};
  NasListen nas;
  cnn::CnnConfig cnn;
  std::string pcap_file;  // empty: no capture
  std::optional<MetricsEndpoint> metrics;
  net::LogOptions log;  // role "cnn"
};

// Parse an already loaded document (tests use net::parse_yaml on inline text).
Result<HssDaemonConfig> parse_hss_config(const net::YamlDoc& doc);
Result<CnnDaemonConfig> parse_cnn_config(const net::YamlDoc& doc);
// Read and parse a file.
Result<HssDaemonConfig> load_hss_config(const std::filesystem::path& path);
Result<CnnDaemonConfig> load_cnn_config(const std::filesystem::path& path);

// Reads every non-retired key file and builds the ring with the active key active. Fails
// (kInvalidArgument, kNotFound, kNotAllowed or kIo) naming the entry's file, line and key path:
// unreadable file, mode wider than 0600, not 64 hex digits. The digits are never echoed.
Result<crypto::CookieKeyRing> load_cookie_key_ring(const std::vector<CookieKeyEntry>& entries);

// The store master key: store.key_file when given, else $KMEBIND_MASTER_KEY. Fails naming the
// origin when neither is there or the key does not parse.
Result<SecretBytes> load_store_master_key(const StoreSettings& store);

std::string_view to_string(CookieKeyState state);  // "active" | "accepted" | "retired"

}  // namespace kmebind::app
