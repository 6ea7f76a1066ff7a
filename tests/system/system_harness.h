// Test support for the whole-system tests (tests/system/multi_hss_*, crash_*): one CNN in front of
// several stateless HSS front-ends that share one store (a SQLite file, or a PostgreSQL database
// when KMEBIND_TEST_PG_URL names a server), all real `kmebind` processes on 127.0.0.1 over mutual
// TLS, driven by `kmebind sim`. Builds on tests/apps/network_harness.h (processes, temp dirs).
//
// Deployment::prepare makes the working directory with `kmebind demo --prepare` (CA, CNN and first
// HSS certificates, master key, Cookie key, subscribers, device file), issues a certificate for
// each further front-end with the openssl CLI (CN = SAN = its Diameter identity), copies the
// subscribers into PostgreSQL when asked, and writes hss-<i>.yaml, cnn.yaml and sim.yaml with free
// ports. Every front-end reads the same store and the same Cookie key ring (config cookie_keys).
//
// check_store_integrity and check_devices_match_store read the store through the library
// (kmebind_store): no half-written record, and every device's committed KME equal to the stored
// one.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>

#include "apps/network_harness.h"
#include "store/master_key.h"
#include "store/subscriber_store.h"
#include "test_ports.h"

namespace kmebind::test {

using Clock = std::chrono::steady_clock;

// GET /metrics on 127.0.0.1:port; "" when the endpoint does not answer.
inline std::string scrape_metrics(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (fd >= 0) ::close(fd);
    return "";
  }
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
  std::string out;
  if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, 2000) > 0) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

// The value of the first series line starting with `series` ("name" or "name{labels}").
inline std::optional<double> metric_value(const std::string& exposition,
                                          const std::string& series) {
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

// "metrics=127.0.0.1:PORT" of a ready line → PORT (0 when absent).
inline std::uint16_t metrics_port_of(const std::string& ready) {
  const std::size_t at = ready.find("metrics=127.0.0.1:");
  if (at == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoi(ready.substr(at + 18)));
}

// Runs a shell command; true on exit 0.
inline bool shell(const std::string& command) {
  return std::system(command.c_str()) == 0;
}

// A psql one-liner against `url`; its trimmed stdout, or nullopt on failure.
inline std::optional<std::string> psql(const std::string& url, const std::string& sql) {
  const std::string cmd =
      "psql -X -q -t -A -v ON_ERROR_STOP=1 '" + url + "' -c \"" + sql + "\" 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int rc = ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (rc != 0) {
    ADD_FAILURE() << "psql: " << sql << ": " << out;
    return std::nullopt;
  }
  return out;
}

// The PostgreSQL server of the ctest fixture (tests/pg_fixture.cmake), if there is one.
inline std::optional<std::string> test_pg_url() {
  const char* url = std::getenv("KMEBIND_TEST_PG_URL");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

// `url` with its database name replaced by `database` (postgres[ql]://user@host:port/db?opts).
inline std::string pg_url_with_database(const std::string& url, const std::string& database) {
  const std::size_t scheme = url.find("://");
  const std::size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const std::size_t query = url.find('?', slash == std::string::npos ? 0 : slash);
  std::string base = slash == std::string::npos ? url : url.substr(0, slash);
  std::string opts = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + database + opts;
}

// A fresh database on the fixture's server for one test, dropped at the end (connections
// terminated first). Empty url() when there is no server.
class PgDatabase {
 public:
  PgDatabase() {
    auto server = test_pg_url();
    if (!server) return;
    std::random_device rd;
    name_ = "kmebind_sys_" + std::to_string(::getpid()) + "_" + std::to_string(rd() % 100000);
    admin_ = *server;
    if (psql(admin_, "CREATE DATABASE " + name_)) url_ = pg_url_with_database(admin_, name_);
  }
  ~PgDatabase() {
    if (url_.empty()) return;
    terminate_connections();
    psql(admin_, "DROP DATABASE IF EXISTS " + name_);
  }
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;
  const std::string& url() const { return url_; }
  // Kills every server backend connected to this database (pg_terminate_backend: the clients see
  // their connection closed, as after a database crash). The number terminated.
  int terminate_connections() {
    auto n = psql(
        admin_, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '" +
                    name_ + "' AND pid <> pg_backend_pid()");
    return n ? std::atoi(n->c_str()) : -1;
  }
  int connections() {
    auto n = psql(admin_, "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + name_ + "'");
    return n ? std::atoi(n->c_str()) : -1;
  }

 private:
  std::string admin_;
  std::string name_;
  std::string url_;
};

struct DeploymentOptions {
  std::size_t ues = 100;  // normal devices in the device file
  std::size_t front_ends = 2;
  std::string store_url;  // "" = the SQLite file of the working directory
  int t3346_s = 1;        // CNN back-off sent with #22 (short: the UEs come back within seconds)
  std::string hss_log_level = "info";
  std::size_t sim_connections = 4;
};

class Deployment {
 public:
  Deployment(fs::path dir, DeploymentOptions options)
      : dir_(std::move(dir)), options_(std::move(options)) {}

  const fs::path& dir() const { return dir_; }
  const DeploymentOptions& options() const { return options_; }
  std::string store_location() const {
    return options_.store_url.empty() ? (dir_ / "kmebind.db").string() : options_.store_url;
  }
  static std::string hss_identity(std::size_t i) {
    return i == 0 ? std::string("hss.kmebind.test")
                  : "hss" + std::to_string(i + 1) + ".kmebind.test";
  }
  fs::path hss_config(std::size_t i) const { return dir_ / ("hss-" + std::to_string(i) + ".yaml"); }
  fs::path hss_log(std::size_t i) const { return dir_ / ("hss-" + std::to_string(i) + ".log"); }
  fs::path cnn_log() const { return dir_ / "cnn.log"; }
  fs::path sim_config() const { return dir_ / "sim.yaml"; }
  fs::path devices() const { return dir_ / "devices.json"; }

  ::testing::AssertionResult prepare() {
    if (auto r = prepare_demo_dir(dir_, options_.ues, 0); !r) return r;
    for (std::size_t i = 1; i < options_.front_ends; ++i) {
      if (auto r = issue_certificate("hss-" + std::to_string(i), hss_identity(i)); !r) return r;
    }
    if (!options_.store_url.empty()) {
      if (auto r = copy_store_to(options_.store_url); !r) return r;
    }
    for (std::size_t i = 0; i < options_.front_ends; ++i)
      hss_ports_.push_back(free_loopback_port());
    nas_port_ = free_loopback_port();
    for (std::size_t i = 0; i < options_.front_ends; ++i) write_file(hss_config(i), hss_yaml(i));
    write_file(dir_ / "cnn.yaml", cnn_yaml());
    write_file(sim_config(), sim_yaml());
    return ::testing::AssertionSuccess();
  }

  // Starts front-end i and waits for its ready line; nullptr (and a test failure) otherwise.
  std::unique_ptr<Process> start_hss(std::size_t i) {
    const std::string tag = "hss-" + std::to_string(i) + "." + std::to_string(++starts_);
    auto p = std::make_unique<Process>(
        std::vector<std::string>{"hss", "--config", hss_config(i).string()}, dir_ / (tag + ".out"),
        dir_ / (tag + ".err"));
    if (!p->wait_for_stdout("kmebind hss ready:", std::chrono::seconds(25))) {
      ADD_FAILURE() << "hss " << i << " not ready:\n" << p->err() << "\n" << slurp(hss_log(i));
      return nullptr;
    }
    return p;
  }

  // Starts the CNN and waits until it reports `peers` HSS front-ends up (metrics gauge).
  std::unique_ptr<Process> start_cnn(std::size_t peers) {
    const std::string tag = "cnn." + std::to_string(++starts_);
    auto p = std::make_unique<Process>(
        std::vector<std::string>{"cnn", "--config", (dir_ / "cnn.yaml").string()},
        dir_ / (tag + ".out"), dir_ / (tag + ".err"));
    auto ready = p->wait_for_stdout("kmebind cnn ready:", std::chrono::seconds(25));
    if (!ready) {
      ADD_FAILURE() << "cnn not ready:\n" << p->err() << "\n" << slurp(cnn_log());
      return nullptr;
    }
    cnn_metrics_port_ = metrics_port_of(*ready);
    if (!wait_cnn_peers_up(peers, std::chrono::seconds(20))) {
      ADD_FAILURE() << "cnn: fewer than " << peers << " HSS peers up: " << *ready << "\n"
                    << slurp(cnn_log());
      return nullptr;
    }
    return p;
  }

  bool wait_cnn_peers_up(std::size_t peers, std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (cnn_peers_up() >= static_cast<double>(peers)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  double cnn_peers_up() const {
    return metric_value(scrape_metrics(cnn_metrics_port_), "kmebind_diameter_peers_up")
        .value_or(-1);
  }
  std::string cnn_metrics() const { return scrape_metrics(cnn_metrics_port_); }

  // `kmebind sim` over the first `ues` devices, with retries, JSON report and outcomes file.
  std::vector<std::string> sim_args(std::size_t ues, double rate, const std::string& outcomes,
                                    std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"sim",
                                  "--config",
                                  sim_config().string(),
                                  "--ues",
                                  std::to_string(ues),
                                  "--json",
                                  "--quiet",
                                  "--outcomes",
                                  (dir_ / outcomes).string(),
                                  "--timeout",
                                  "120"};
    if (rate > 0) {
      args.push_back("--rate");
      args.push_back(std::to_string(rate));
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  std::optional<SecretBytes> master_key() const {
    auto key = store::read_master_key_file(dir_ / "kmebind.key");
    if (!key) {
      ADD_FAILURE() << key.error().what();
      return std::nullopt;
    }
    return std::move(*key);
  }

  Result<std::unique_ptr<store::SubscriberStore>> open_store() const {
    auto key = master_key();
    if (!key) return fail(Code::kIo, "no master key");
    store::StoreOptions o;
    o.create_if_missing = false;
    o.max_connections = 2;
    return store::open_store(store_location(), std::move(*key), o);
  }

 private:
  ::testing::AssertionResult issue_certificate(const std::string& name,
                                               const std::string& identity) {
    if (!have_program("openssl")) return ::testing::AssertionFailure() << "no openssl CLI";
    write_file(dir_ / (name + ".ext"),
               "subjectAltName=DNS:" + identity +
                   "\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                   "extendedKeyUsage=serverAuth,clientAuth\n");
    const std::string in = "cd '" + dir_.string() + "' && ";
    const std::string quiet = " >/dev/null 2>&1";
    if (!shell(in + "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + name +
               ".key" + quiet) ||
        !shell(in + "chmod 600 " + name + ".key") ||
        !shell(in + "openssl req -new -key " + name + ".key -subj '/CN=" + identity + "' -out " +
               name + ".csr" + quiet) ||
        !shell(in + "openssl x509 -req -in " + name +
               ".csr -CA ca.pem -CAkey ca.key -CAcreateserial" + " -days 2 -extfile " + name +
               ".ext -out " + name + ".pem" + quiet)) {
      return ::testing::AssertionFailure()
             << "openssl could not issue a certificate for " << identity;
    }
    return ::testing::AssertionSuccess();
  }

  // Subscribers and devices of the prepared SQLite store into the store at `url` (a new one,
  // created with the same master key).
  ::testing::AssertionResult copy_store_to(const std::string& url) {
    auto key = master_key();
    if (!key) return ::testing::AssertionFailure() << "master key";
    SecretBytes key2 = key->clone();
    store::StoreOptions read_only;
    read_only.create_if_missing = false;
    auto from = store::open_store((dir_ / "kmebind.db").string(), std::move(*key), read_only);
    if (!from) return ::testing::AssertionFailure() << from.error().what();
    auto to = store::open_store(url, std::move(key2));
    if (!to) return ::testing::AssertionFailure() << url << ": " << to.error().what();
    store::BulkImportOptions bo;
    bo.actor = "test";
    bo.source = "system-test";
    auto bulk = (*to)->begin_bulk_import(bo);
    if (!bulk) return ::testing::AssertionFailure() << bulk.error().what();
    store::ExportSink sink;
    sink.subscriber = [&](const store::SubscriberRecord& r, std::span<const std::string> imeis) {
      return (*bulk)->add_subscriber(r, imeis);
    };
    sink.device = [&](const store::DeviceRecord& d) { return (*bulk)->put_device(d); };
    if (auto st = (*from)->export_all(sink, true); !st) {
      return ::testing::AssertionFailure() << "copy: " << st.error().what();
    }
    if (auto done = (*bulk)->finish(); !done) {
      return ::testing::AssertionFailure() << "copy: " << done.error().what();
    }
    return ::testing::AssertionSuccess();
  }

  static std::string q(const fs::path& p) { return "\"" + p.string() + "\""; }

  std::string tls(const std::string& node) const {
    return "  tls: {cert: " + q(dir_ / (node + ".pem")) + ", key: " + q(dir_ / (node + ".key")) +
           ", ca: " + q(dir_ / "ca.pem") + "}\n";
  }

  std::string hss_yaml(std::size_t i) const {
    std::string y;
    y += "store: {location: " + q(store_location()) + ", key_file: " + q(dir_ / "kmebind.key") +
         "}\n";
    // The one Cookie key ring every front-end shares (docs/daemons.md §1).
    y += "cookie_keys:\n  - {id: 1, key_file: " + q(dir_ / "cookie-1.key") + ", state: active}\n";
    y += "diameter:\n  identity: " + hss_identity(i) + "\n  realm: kmebind.test\n";
    y += "  listen: {address: 127.0.0.1, port: " + std::to_string(hss_ports_[i]) + "}\n";
    y += "  transport: tls\n" + tls(i == 0 ? "hss" : "hss-" + std::to_string(i));
    y += "  allowed_peers: [cnn.kmebind.test]\n";
    y += "hss: {workers: 2, cookie_lifetime_s: 300, allow_procedure1: true, max_vectors_per_air: "
         "1}\n";
    y += "metrics: {address: 127.0.0.1, port: 0}\n";
    y += "log: {level: " + options_.hss_log_level + ", file: " + q(hss_log(i)) + "}\n";
    return y;
  }

  std::string cnn_yaml() const {
    std::string y = "diameter:\n  identity: cnn.kmebind.test\n  realm: kmebind.test\n";
    y += "  transport: tls\n" + tls("cnn");
    y += "  peers:\n";
    for (std::size_t i = 0; i < options_.front_ends; ++i) {
      y += "    - {identity: " + hss_identity(i) +
           ", address: 127.0.0.1, port: " + std::to_string(hss_ports_[i]) + "}\n";
    }
    y += "  request_timeout_ms: 3000\n  connect_wait_ms: 10000\n";
    y += "nas:\n  listen: {address: 127.0.0.1, port: " + std::to_string(nas_port_) + "}\n";
    y += "cnn: {plmn: \"001-01\", max_ues: 100000, t3346_s: " + std::to_string(options_.t3346_s) +
         ", s6a_answer_timeout_ms: 5000}\n";
    y += "metrics: {address: 127.0.0.1, port: 0}\n";
    y += "log: {level: info, file: " + q(cnn_log()) + "}\n";
    return y;
  }

  std::string sim_yaml() const {
    std::string y = "nas:\n  connect: {address: \"127.0.0.1\", port: " + std::to_string(nas_port_) +
                    "}\n  connections: " + std::to_string(options_.sim_connections) + "\n";
    // Lost links come back within a second.
    y += "  reconnect: {min: 100ms, max: 1s}\n";
    // The UEs retry as real ones (TS 24.301 §5.5.1.2.5-6), with timers shortened so that a test
    // sees recovery within seconds: T3411 1 s, T3402 5 s, T3346 jitter up to 1 s.
    y += "ue:\n  plmn: \"001-01\"\n  t3410: 8s\n  retry: true\n  t3411: 1s\n  t3402: 5s\n";
    y += "  max_attempts: 5\n  t3346_jitter: 1s\n";
    y += "devices:\n  file: " + q(devices()) + "\n  save: true\n";
    y += "log: {level: \"warn\", file: " + q(dir_ / "sim.log") + "}\n";
    return y;
  }

  fs::path dir_;
  DeploymentOptions options_;
  std::vector<std::uint16_t> hss_ports_;
  std::uint16_t nas_port_ = 0;
  std::uint16_t cnn_metrics_port_ = 0;
  int starts_ = 0;
};

// --- what the store and the devices must agree on after a run ---------------------------------

struct StoreIntegrity {
  std::size_t kmes = 0;          // pairs with a KME present
  std::size_t kme_versions = 0;  // the sum of their versions: each version is stored once
  std::size_t kme_audit_rows = 0;
  std::vector<std::string> problems;  // empty when consistent (the first few)
};

// No half-written record: every present KME opens, belongs to an allowed pair and has the
// version its audit trail says; the audit holds one "kme-store" row per stored version, numbered
// 1, 2, ... without gap or repeat; no audit row names a KME the store does not have.
inline StoreIntegrity check_store_integrity(store::SubscriberStore& s) {
  StoreIntegrity r;
  auto problem = [&](std::string text) {
    if (r.problems.size() < 20) r.problems.push_back(std::move(text));
  };
  std::map<std::pair<std::string, std::string>, std::vector<std::uint32_t>> audited;
  for (std::int64_t after = 0;;) {
    store::AuditQuery q;
    q.after_id = after;
    q.limit = 5000;
    auto page = s.list_audit(q);
    if (!page) {
      problem("list_audit: " + page.error().what());
      break;
    }
    for (const store::AuditEntry& e : *page) {
      after = std::max(after, e.id);
      if (e.action != "kme-store") continue;
      ++r.kme_audit_rows;
      unsigned version = 0;
      if (std::sscanf(e.detail.c_str(), "version %u,", &version) != 1) {
        problem("audit row " + std::to_string(e.id) + ": detail '" + e.detail + "'");
        continue;
      }
      audited[{e.imsi, e.imei}].push_back(version);
    }
    if (page->size() < q.limit) break;
  }
  auto status = s.list_kme_status(std::nullopt, 10'000'000, std::nullopt);
  if (!status) {
    problem("list_kme_status: " + status.error().what());
    return r;
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const store::KmeStatus& k : *status) {
    const std::string pair = k.imsi + "/" + k.imei;
    seen.insert({k.imsi, k.imei});
    if (!k.present) continue;
    ++r.kmes;
    r.kme_versions += k.version;
    auto allowed = s.is_binding_allowed(k.imsi, k.imei);
    if (!allowed || !*allowed) problem(pair + ": KME stored for a pair that is not allowed");
    auto kme = s.get_kme(k.imsi, k.imei);
    if (!kme || !*kme) {
      problem(pair + ": KME listed but does not open: " + (kme ? "absent" : kme.error().what()));
    } else if ((*kme)->version != k.version || (*kme)->kme.size() != 32) {
      problem(pair + ": KME record inconsistent");
    }
    std::vector<std::uint32_t> versions = audited[{k.imsi, k.imei}];
    std::sort(versions.begin(), versions.end());
    bool consecutive = versions.size() == k.version;
    for (std::size_t i = 0; consecutive && i < versions.size(); ++i) {
      consecutive = versions[i] == i + 1;
    }
    if (!consecutive) {
      std::string list;
      for (auto v : versions) list += std::to_string(v) + " ";
      problem(pair + ": version " + std::to_string(k.version) + " but audit versions [ " + list +
              "]");
    }
  }
  for (const auto& [pair, versions] : audited) {
    if (!seen.count(pair))
      problem(pair.first + "/" + pair.second + ": audited KME not in the store");
  }
  return r;
}

struct DeviceComparison {
  std::size_t devices_with_kme = 0;
  std::size_t matching = 0;
  std::vector<std::string> problems;
};

// For the normal devices among the first `count` of the device file (as saved by the sim): the
// device's committed KME and version equal the store's, and a device without a KME has none
// stored.
inline DeviceComparison check_devices_match_store(store::SubscriberStore& s,
                                                  const fs::path& device_file, std::size_t count) {
  DeviceComparison r;
  auto problem = [&](std::string text) {
    if (r.problems.size() < 20) r.problems.push_back(std::move(text));
  };
  auto doc = parse_json(slurp(device_file));
  if (!doc) {
    problem("device file is not JSON");
    return r;
  }
  const auto& devices = (*doc)["devices"];
  for (std::size_t i = 0; i < count && i < devices.size(); ++i) {
    const auto& d = devices[i];
    if (d.value("role", "") != "normal") continue;  // attackers borrow a victim's IMSI or IMEI
    const std::string imsi = d["imsi"], imei = d["imei"];
    auto stored = s.get_kme(imsi, imei);
    if (!stored) {
      problem(imsi + ": get_kme: " + stored.error().what());
      continue;
    }
    const bool device_has = d.contains("kme");
    if (device_has) ++r.devices_with_kme;
    if (!device_has && !*stored) continue;
    if (device_has != stored->has_value()) {
      problem(imsi + ": device " + (device_has ? "has" : "has no") + " KME, store " +
              (stored->has_value() ? "has one" : "has none"));
      continue;
    }
    const std::uint32_t version = d["kme"]["version"];
    const std::string key = d["kme"]["key"];
    if ((*stored)->version != version) {
      problem(imsi + ": device KME version " + std::to_string(version) + ", store " +
              std::to_string((*stored)->version));
    } else if (to_hex((*stored)->kme.view()) != key) {
      problem(imsi + ": device KME differs from the stored one (version " +
              std::to_string(version) + ")");
    } else {
      ++r.matching;
    }
  }
  return r;
}

}  // namespace kmebind::test
