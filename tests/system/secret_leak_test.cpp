// No secret in a log line, a metric or an error message (issue 6 item 6; docs/security.md
// "Secrets in logs, metrics and errors"). One full network run with every process at its most
// verbose level (`trace`): `kmebind hss` and `kmebind cnn` as daemons with metrics and the CNN's
// pcap, `kmebind sim` in three runs (first attach with both procedures and binding violations,
// later attach with device authentication, a renewal after `kmebind admin kme renew`), a device
// whose signature key is not the one registered (the HSS refuses its confirm), and failing admin
// commands. Then every secret the run generated is collected — K, OPc, KMEs, device private keys,
// the master and Cookie keys, the TLS private keys, and KASME, K_NASenc and K_NASint of every
// EPS-AKA run (derived from K, OPc and the RAND/AUTN of each Authentication request in the CNN's
// pcap, with `kmebind crypto`) — and every other file the run wrote is searched for each one
// (tests/system/leak_scan.h).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <map>
#include <set>

#include "apps/network_harness.h"
#include "system/leak_scan.h"

namespace kmebind::test {
namespace {

// --- the scanner can fail ------------------------------------------------------------------

Bytes random_octets(std::size_t n) {
  Bytes b(n);
  EXPECT_EQ(RAND_bytes(b.data(), static_cast<int>(n)), 1);
  return b;
}

std::set<std::string> forms_found(const fs::path& file, const Secret& s) {
  std::set<std::string> forms;
  for (const Finding& f : scan_file(file, {s})) forms.insert(f.form);
  return forms;
}

TEST(LeakScan, FindsASecretPlantedInAScratchLogInEveryForm) {
  TempDir tmp;
  const Secret s{"K", "IMSI 001010000000001", random_octets(16), {}};
  for (const auto& [form, needle] : needles(s)) {
    const fs::path log = tmp / "scratch.log";
    write_file(log, "2026-01-01T00:00:00 info hss: air ok imsi=001010000000001 note=" + needle +
                        " peer=cnn.kmebind.test\n");
    EXPECT_TRUE(forms_found(log, s).contains(form)) << form;
  }
  // A clean log, and the same log with another key, find nothing.
  write_file(tmp / "clean.log", "2026-01-01T00:00:00 info hss: air ok imsi=001010000000001\n");
  EXPECT_TRUE(scan_file(tmp / "clean.log", {s}).empty());
  const Secret other{"K", "IMSI 001010000000002", random_octets(16), {}};
  write_file(tmp / "other.log", "k=" + to_hex(other.value) + "\n");
  EXPECT_TRUE(scan_file(tmp / "other.log", {s}).empty());
}

TEST(LeakScan, FindsAPemKeyByItsLinesAndItsScalarAndNeverPrintsTheSecret) {
  TempDir tmp;
  ASSERT_EQ(std::system(("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '" +
                         (tmp / "t.key").string() + "' 2>/dev/null")
                            .c_str()),
            0);
  auto key = pem_private_key(tmp / "t.key", "TLS private key");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->value.size(), 32u);
  EXPECT_FALSE(key->pem_lines.empty());
  // The PEM text pasted into a log, and the scalar printed by `openssl pkey -text` (hex with ':').
  write_file(tmp / "a.log", "loaded key:\n" + slurp(tmp / "t.key"));
  EXPECT_TRUE(forms_found(tmp / "a.log", *key).contains("PEM line"));
  // The scalar printed as `openssl pkey -text` does: ':'-separated octets, 15 to a line.
  std::string dump = "priv:\n    ";
  for (std::size_t i = 0; i < key->value.size(); ++i) {
    dump += to_hex(ByteView(key->value).subspan(i, 1)) + (i % 15 == 14 ? ":\n    " : ":");
  }
  write_file(tmp / "b.log", dump + "\n");
  EXPECT_TRUE(forms_found(tmp / "b.log", *key).contains("hex of the first 8 octets with ':'"));
  for (const Finding& f : scan_file(tmp / "a.log", {*key})) {
    const std::string text = f.describe();
    EXPECT_FALSE(contains(text, to_hex(key->value)));
    EXPECT_FALSE(contains(text, key->pem_lines.front()));
  }
}

// --- the run -------------------------------------------------------------------------------

// GET /metrics from 127.0.0.1:`port`: the whole HTTP response, or "" on failure.
std::string scrape(std::uint16_t port) {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return {};
  timeval tv{5, 0};
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  std::string out;
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string req = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(s, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[8192];
      for (ssize_t n; (n = ::recv(s, buf, sizeof buf, 0)) > 0;)
        out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(s);
  return out;
}

// The port of "metrics=127.0.0.1:PORT" in a ready line, or 0.
std::uint16_t metrics_port(const std::string& ready) {
  const std::size_t at = ready.find("metrics=127.0.0.1:");
  if (at == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoi(ready.substr(at + 18)));
}

// Replaces the signature private key of device `index` in the device file by a fresh one (the
// store keeps the registered public key): the device's confirms no longer verify.
Bytes give_device_a_wrong_signature_key(const fs::path& devices_file, std::size_t index) {
  auto j = parse_json(slurp(devices_file));
  EXPECT_TRUE(j);
  if (!j) return {};
  auto& device = (*j)["devices"][index];
  // A random P-256 scalar is below the group order but for a chance of 2^-32.
  EXPECT_EQ(device["signature_algorithm"], "ecdsa-p256");
  Bytes key = random_octets(32);
  device["signature_private_key"] = to_hex(key);
  write_file(devices_file, j->dump());
  fs::permissions(devices_file, fs::perms::owner_read | fs::perms::owner_write);
  return key;
}

// One EPS-AKA run as the CNN's pcap (which spans the three sim runs) shows it: the plain
// Authentication request (TS 24.301 §8.2.7: PD/SHT 0x07, type 0x52, NAS KSI, RAND (16), AUTN as
// LV (0x10 + 16)).
struct AkaChallenge {
  Bytes rand, autn;
};

std::vector<AkaChallenge> authentication_requests(const std::string& pcap) {
  std::vector<AkaChallenge> out;
  std::set<Bytes> seen;
  for (std::size_t i = 0; i + 3 + 16 + 1 + 16 <= pcap.size(); ++i) {
    if (pcap[i] != 0x07 || pcap[i + 1] != 0x52 || pcap[i + 19] != 0x10) continue;
    const auto* p = reinterpret_cast<const std::uint8_t*>(pcap.data()) + i;
    AkaChallenge c{Bytes(p + 3, p + 19), Bytes(p + 20, p + 36)};
    if (seen.insert(c.rand).second) out.push_back(std::move(c));
  }
  return out;
}

// `kmebind crypto <args>` run in `dir` (its output holds secrets: `dir` is not scanned).
std::optional<nlohmann::json> crypto(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "crypto");
  CliResult r = run_kmebind(dir, "crypto", std::move(args), std::chrono::seconds(20));
  if (r.code != 0) return std::nullopt;
  return parse_json(r.out);
}

Bytes octets(const nlohmann::json& j, const char* field) {
  return from_hex(j[field].get<std::string>()).value_or(Bytes{});
}

// KASME, K_NASenc and K_NASint of each challenge: the device whose K and OPc give AUTN's MAC-A
// (TS 33.102 §6.3.2; SQN = (SQN ⊕ AK) ⊕ AK) ran it; KASME from CK, IK, the serving network and
// SQN ⊕ AK (TS 33.401 A.2), the NAS keys for EEA2/EIA2 (A.7), which the CNN selects.
std::vector<Secret> derive_nas_secrets(
    const fs::path& scratch, const std::vector<AkaChallenge>& challenges,
    const std::map<std::string, std::pair<Bytes, Bytes>>& usims) {
  std::vector<Secret> out;
  for (const AkaChallenge& c : challenges) {
    for (const auto& [imsi, usim] : usims) {
      auto first =
          crypto(scratch, {"milenage", "--k", to_hex(usim.first), "--opc", to_hex(usim.second),
                           "--rand", to_hex(c.rand), "--sqn", "000000000000", "--amf", "0000"});
      if (!first) continue;
      const Bytes ak = octets(*first, "ak");
      Bytes sqn(c.autn.begin(), c.autn.begin() + 6);
      for (std::size_t i = 0; i < 6; ++i) sqn[i] = static_cast<std::uint8_t>(sqn[i] ^ ak[i]);
      const Bytes amf(c.autn.begin() + 6, c.autn.begin() + 8);
      auto second =
          crypto(scratch, {"milenage", "--k", to_hex(usim.first), "--opc", to_hex(usim.second),
                           "--rand", to_hex(c.rand), "--sqn", to_hex(sqn), "--amf", to_hex(amf)});
      if (!second || octets(*second, "mac_a") != Bytes(c.autn.begin() + 8, c.autn.end())) continue;
      auto kasme = crypto(scratch, {"kasme", "--ck", (*second)["ck"].get<std::string>(), "--ik",
                                    (*second)["ik"].get<std::string>(), "--plmn", "001-01",
                                    "--sqn-xor-ak", to_hex(ByteView(c.autn).first(6))});
      if (!kasme) continue;
      out.push_back(Secret{"KASME", "IMSI " + imsi, octets(*kasme, "kasme"), {}});
      out.push_back(Secret{"CK", "IMSI " + imsi, octets(*second, "ck"), {}});
      out.push_back(Secret{"IK", "IMSI " + imsi, octets(*second, "ik"), {}});
      auto nas = crypto(scratch, {"nas-keys", "--kasme", (*kasme)["kasme"].get<std::string>(),
                                  "--enc-alg", "2", "--int-alg", "2"});
      if (nas) {
        out.push_back(Secret{"KNASenc", "IMSI " + imsi, octets(*nas, "knas_enc"), {}});
        out.push_back(Secret{"KNASint", "IMSI " + imsi, octets(*nas, "knas_int"), {}});
      }
      break;
    }
  }
  return out;
}

// The error and critical lines of a log, to explain a daemon's bad exit.
std::string errors_in(const fs::path& log) {
  std::istringstream in(slurp(log));
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (contains(line, " error ") || contains(line, " critical ")) out += line + "\n";
  }
  return out;
}

// A daemon stopped by SIGTERM exits 0 (docs/daemons.md "Orderly stop").
void expect_clean_exit(Process& daemon, const fs::path& log) {
  const auto code = daemon.wait(std::chrono::seconds(15));
  EXPECT_EQ(code, 0) << daemon.err() << errors_in(log);
}

class SecretLeak : public ::testing::Test {
 protected:
  static constexpr std::size_t kUes = 6;
  // Odd devices use procedure 2, where the HSS verifies the device's signature (in procedure 1
  // the CNN checks Rsp and the HSS stores the KME it is given: docs/protocol.md §1).
  static constexpr std::size_t kWrongSignatureDevice = 5;

  void SetUp() override {
    fs::create_directories(secrets_);
    ASSERT_TRUE(prepare_demo_dir(dir_, kUes, 2));
    // The most verbose level everywhere (prepare set the daemons' logs; the sim's is "warn").
    ASSERT_TRUE(replace_in_file(dir_ / "hss.yaml", "level: debug", "level: trace"));
    ASSERT_TRUE(replace_in_file(dir_ / "cnn.yaml", "level: debug", "level: trace"));
    ASSERT_TRUE(replace_in_file(dir_ / "sim.yaml", "level: \"warn\"", "level: \"trace\""));
    std::ofstream(dir_ / "hss.yaml", std::ios::app) << "metrics: {address: 127.0.0.1, port: 0}\n";
    std::ofstream(dir_ / "cnn.yaml", std::ios::app)
        << "metrics: {address: 127.0.0.1, port: 0}\npcap: {file: \"" << (dir_ / "cnn.pcap").string()
        << "\"}\n";
    std::ofstream(dir_ / "sim.yaml", std::ios::app)
        << "pcap: {file: \"" << (dir_ / "sim.pcap").string() << "\"}\n";
  }

  CliResult admin(const std::string& name, std::vector<std::string> args,
                  const std::string& key_file = "kmebind.key", std::vector<std::string> env = {}) {
    std::vector<std::string> full{"admin", "--store", (dir_ / "kmebind.db").string(), "--key-file",
                                  (dir_ / key_file).string()};
    full.insert(full.end(), args.begin(), args.end());
    return run_kmebind(dir_, name, std::move(full), std::chrono::seconds(30), std::move(env));
  }

  nlohmann::json sim(const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args{"sim", "--config", (dir_ / "sim.yaml").string(), "--json",
                                  "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    CliResult r = run_kmebind(dir_, name, std::move(args), std::chrono::seconds(60));
    auto j = parse_json(r.out);
    EXPECT_TRUE(j) << name << ": " << r.code << "\n" << r.out << r.err;
    return j.value_or(nlohmann::json::object());
  }

  // Every secret of the run. Sources: devices.json (after the sim saved it), the store export
  // with --reveal-keys, the key files, and the CNN's pcap for the EPS-AKA runs.
  std::vector<Secret> collect_secrets() {
    std::vector<Secret> out;
    std::set<Bytes> seen;  // an attacker shares its victim's K and OPc: each value once
    auto add = [&out, &seen](std::optional<Secret> s) {
      EXPECT_TRUE(s);
      if (s && seen.insert(s->value).second) out.push_back(std::move(*s));
    };
    std::map<std::string, std::pair<Bytes, Bytes>> usims;
    const auto devices =
        parse_json(slurp(dir_ / "devices.json")).value_or(nlohmann::json::object());
    std::size_t kmes = 0;
    for (const auto& d : devices["devices"]) {
      const std::string imsi = d["imsi"];
      const std::string who = "IMSI " + imsi + " IMEI " + d["imei"].get<std::string>();
      add(hex_secret("K", "IMSI " + imsi, d["k"]));
      add(hex_secret("OPc", "IMSI " + imsi, d["opc"]));
      add(hex_secret("device ECIES private key", who, d["ecies_private_key"]));
      add(hex_secret("device signature private key", who, d["signature_private_key"]));
      if (d.contains("kme")) {
        add(hex_secret("KME", who, d["kme"]["key"]));
        ++kmes;
      }
      usims[imsi] = {from_hex(d["k"].get<std::string>()).value_or(Bytes{}),
                     from_hex(d["opc"].get<std::string>()).value_or(Bytes{})};
    }
    EXPECT_EQ(kmes, kUes - 1) << "every device but the one with the wrong key committed a KME";
    out.push_back(Secret{"device signature private key",
                         "the registered key replaced in the test",
                         registered_signature_key_,
                         {}});
    out.push_back(Secret{
        "device signature private key", "the wrong key of the test", wrong_signature_key_, {}});

    CliResult exp = run_kmebind(secrets_, "export",
                                {"admin", "--store", (dir_ / "kmebind.db").string(), "--key-file",
                                 (dir_ / "kmebind.key").string(), "export", "--format", "json",
                                 "--reveal-keys", "--file", (secrets_ / "export.json").string()});
    EXPECT_EQ(exp.code, 0) << exp.err;
    const auto exported =
        parse_json(slurp(secrets_ / "export.json")).value_or(nlohmann::json::object());
    std::size_t subscribers = 0;
    for (const auto& s : exported["subscribers"]) {
      add(hex_secret("K (store)", "IMSI " + s["imsi"].get<std::string>(), s["k"]));
      add(hex_secret("OPc (store)", "IMSI " + s["imsi"].get<std::string>(), s["opc"]));
      ++subscribers;
    }
    EXPECT_EQ(subscribers, kUes);

    add(hex_secret("store master key", "kmebind.key", slurp(dir_ / "kmebind.key")));
    add(hex_secret("store master key (wrong one given to admin)", "wrong.key",
                   slurp(dir_ / "wrong.key")));
    add(hex_secret("Cookie key", "cookie-1.key", slurp(dir_ / "cookie-1.key")));
    for (const char* f : {"ca.key", "hss.key", "cnn.key"}) {
      add(pem_private_key(dir_ / f, "TLS private key"));
    }

    const auto challenges = authentication_requests(slurp(dir_ / "cnn.pcap"));
    auto nas = derive_nas_secrets(secrets_, challenges, usims);
    std::size_t kasmes = 0;
    for (const Secret& s : nas) kasmes += s.kind == "KASME" ? 1 : 0;
    // Every Authentication request of the three runs was matched to its USIM.
    EXPECT_GE(challenges.size(), kUes + 2 + kUes + 2 + 1);
    EXPECT_EQ(kasmes, challenges.size());
    out.insert(out.end(), nas.begin(), nas.end());
    return out;
  }

  // Everything the run wrote except the files that hold secrets by design.
  std::vector<fs::path> outputs() const {
    const std::set<std::string> sources{"devices.json", "kmebind.key", "wrong.key", "cookie-1.key",
                                        "ca.key",       "hss.key",     "cnn.key"};
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
      if (e.is_regular_file() && !sources.contains(e.path().filename().string()))
        files.push_back(e.path());
    }
    // The export's own messages (its file holds K and OPc by design).
    files.push_back(secrets_ / "export.out");
    files.push_back(secrets_ / "export.err");
    return files;
  }

  TempDir tmp_;
  fs::path dir_ = tmp_ / "work";
  fs::path secrets_ = tmp_ / "secrets";  // outputs that hold secrets by design; not scanned
  Bytes registered_signature_key_, wrong_signature_key_;
};

TEST_F(SecretLeak, AFullRunAtTraceLevelPrintsNoSecretInLogsMetricsOrErrors) {
  {
    auto devices = parse_json(slurp(dir_ / "devices.json"));
    ASSERT_TRUE(devices);
    registered_signature_key_ =
        from_hex((*devices)["devices"][kWrongSignatureDevice]["signature_private_key"]
                     .get<std::string>())
            .value_or(Bytes{});
  }
  wrong_signature_key_ =
      give_device_a_wrong_signature_key(dir_ / "devices.json", kWrongSignatureDevice);
  write_file(dir_ / "wrong.key", to_hex(random_octets(32)) + "\n");
  fs::permissions(dir_ / "wrong.key", fs::perms::owner_read | fs::perms::owner_write);

  std::string hss_ready, cnn_ready;
  auto hss = start_daemon(dir_, "hss", &hss_ready);
  ASSERT_TRUE(hss);
  auto cnn = start_daemon(dir_, "cnn", &cnn_ready);
  ASSERT_TRUE(cnn);
  ASSERT_TRUE(contains(cnn_ready, "peers_up=1/1")) << cnn_ready;

  // First attach: both procedures, two binding violations, the wrong-key device refused.
  auto first = sim("sim-first", {"--ues", std::to_string(kUes), "--violations", "2"});
  EXPECT_EQ(first["attached"], kUes - 1) << first.dump();
  EXPECT_EQ(first["binding_violations_rejected"], 2) << first.dump();
  EXPECT_GE(first["kme_provisioned_procedure1"], 1) << first.dump();
  EXPECT_GE(first["kme_provisioned_procedure2"], 1) << first.dump();
  // Later attach: device authentication with the stored KMEs.
  auto later = sim("sim-later", {"--ues", std::to_string(kUes), "--violations", "2"});
  EXPECT_EQ(later["device_authenticated"], kUes - 1) << later.dump();
  // Renewal of device 0 while the HSS runs.
  EXPECT_EQ(admin("admin-renew", {"kme", "renew", "--imsi", "001010000000001"}).code, 0);
  auto renewal = sim("sim-renewal", {"--ues", "1", "--violations", "0"});
  EXPECT_EQ(renewal["attached"], 1) << renewal.dump();
  EXPECT_EQ(renewal["kme_provisioned_procedure1"], 1) << renewal.dump();

  // Admin commands that fail, some of them given secrets: their messages must not echo them.
  auto devices = parse_json(slurp(dir_ / "devices.json")).value_or(nlohmann::json::object());
  const std::string k0 = devices["devices"][0]["k"], opc0 = devices["devices"][0]["opc"];
  const std::string master = slurp(dir_ / "kmebind.key").substr(0, 64);
  EXPECT_EQ(admin("admin-unknown-imsi", {"kme", "renew", "--imsi", "001019999999999"}).code, 1);
  EXPECT_EQ(admin("admin-wrong-master-key", {"subscriber", "list"}, "wrong.key").code, 3);
  EXPECT_EQ(admin("admin-duplicate-subscriber",
                  {"subscriber", "add", "--imsi", "001010000000001", "--k", k0, "--opc", opc0})
                .code,
            1);
  EXPECT_EQ(admin("admin-k-too-long", {"subscriber", "add", "--imsi", "001010000000099", "--k",
                                       k0 + "0", "--opc", opc0})
                .code,
            2);
  EXPECT_EQ(admin("admin-opc-not-hex", {"subscriber", "add", "--imsi", "001010000000099", "--k", k0,
                                        "--opc", opc0.substr(0, 31) + "g"})
                .code,
            2);
  EXPECT_NE(run_kmebind(dir_, "admin-master-key-env-short",
                        {"admin", "--store", (dir_ / "kmebind.db").string(), "subscriber", "list"},
                        std::chrono::seconds(30), {"KMEBIND_MASTER_KEY=" + master.substr(0, 63)})
                .code,
            0);

  // The HSS and the sim refusing a Cookie key file and a device file that hold nearly the real
  // secrets (the broken files are kept with the secrets, out of the scan; their errors are not).
  const auto owner_only = fs::perms::owner_read | fs::perms::owner_write;
  write_file(secrets_ / "bad-cookie.key", slurp(dir_ / "cookie-1.key").substr(0, 63) + "\n");
  fs::permissions(secrets_ / "bad-cookie.key", owner_only);
  write_file(dir_ / "hss-bad-cookie.yaml", slurp(dir_ / "hss.yaml"));
  ASSERT_TRUE(replace_in_file(dir_ / "hss-bad-cookie.yaml", (dir_ / "cookie-1.key").string(),
                              (secrets_ / "bad-cookie.key").string()));
  ASSERT_TRUE(replace_in_file(dir_ / "hss-bad-cookie.yaml", "hss.log", "hss-bad-cookie.log"));
  EXPECT_EQ(run_kmebind(dir_, "hss-bad-cookie-key",
                        {"hss", "--config", (dir_ / "hss-bad-cookie.yaml").string()})
                .code,
            3);
  auto bad_devices = devices;
  bad_devices["devices"][0]["k"] = k0 + "0";
  write_file(secrets_ / "devices-bad.json", bad_devices.dump());
  fs::permissions(secrets_ / "devices-bad.json", owner_only);
  write_file(dir_ / "sim-bad-devices.yaml", slurp(dir_ / "sim.yaml"));
  ASSERT_TRUE(replace_in_file(dir_ / "sim-bad-devices.yaml", (dir_ / "devices.json").string(),
                              (secrets_ / "devices-bad.json").string()));
  ASSERT_TRUE(replace_in_file(dir_ / "sim-bad-devices.yaml", "sim.log", "sim-bad-devices.log"));
  ASSERT_TRUE(replace_in_file(dir_ / "sim-bad-devices.yaml", "sim.pcap", "sim-bad-devices.pcap"));
  EXPECT_EQ(run_kmebind(dir_, "sim-bad-devices",
                        {"sim", "--config", (dir_ / "sim-bad-devices.yaml").string(), "--ues", "1"})
                .code,
            3);

  // The metrics endpoints as a scraper sees them.
  const std::string hss_metrics = scrape(metrics_port(hss_ready));
  const std::string cnn_metrics = scrape(metrics_port(cnn_ready));
  EXPECT_TRUE(contains(hss_metrics, "kmebind_hss_requests_total")) << hss_metrics;
  EXPECT_TRUE(contains(cnn_metrics, "kmebind_")) << cnn_metrics;
  write_file(dir_ / "hss.metrics", hss_metrics);
  write_file(dir_ / "cnn.metrics", cnn_metrics);

  cnn->signal(SIGTERM);
  expect_clean_exit(*cnn, dir_ / "cnn.log");
  hss->signal(SIGTERM);
  expect_clean_exit(*hss, dir_ / "hss.log");

  // The run did what it claims: the refusals are in the HSS log.
  const std::string hss_log = slurp(dir_ / "hss.log");
  EXPECT_TRUE(contains(hss_log, "KME_ERROR_CONFIRM_FAILED")) << "wrong-key device not refused";
  EXPECT_TRUE(contains(hss_log, "KME_ERROR_BINDING_VIOLATION"));
  EXPECT_TRUE(contains(hss_log, " trace ") || contains(hss_log, " debug "));

  const std::vector<Secret> secrets = collect_secrets();
  ASSERT_FALSE(HasFailure()) << "the secrets could not all be collected";
  // The sources themselves are found: the scan sees what it looks for.
  EXPECT_FALSE(scan_file(dir_ / "devices.json", secrets).empty());
  EXPECT_FALSE(scan_file(secrets_ / "export.json", secrets).empty());
  EXPECT_FALSE(scan_file(dir_ / "hss.key", secrets).empty());

  const auto files = outputs();
  std::set<std::string> names;
  for (const auto& f : files) names.insert(f.filename().string());
  for (const char* expected :
       {"hss.log", "cnn.log", "sim.log", "hss.out", "hss.err", "cnn.out", "cnn.err",
        "sim-first.out", "sim-first.err", "hss.metrics", "cnn.metrics", "cnn.pcap", "sim.pcap",
        "kmebind.db", "admin-wrong-master-key.err", "admin-k-too-long.err"}) {
    EXPECT_TRUE(names.contains(expected)) << expected << " was not written";
  }
  for (const Finding& f : scan_files(files, secrets)) ADD_FAILURE() << f.describe();
  std::size_t log_octets = 0;
  for (const auto& f : files) {
    std::error_code ec;
    const auto size = fs::file_size(f, ec);
    log_octets += ec ? 0 : size;
  }
  RecordProperty("secrets", static_cast<int>(secrets.size()));
  RecordProperty("files", static_cast<int>(files.size()));
  RecordProperty("octets", static_cast<int>(log_octets));
  std::map<std::string, int> kinds;
  for (const Secret& s : secrets) ++kinds[s.kind];
  for (const auto& [kind, n] : kinds) RecordProperty(kind, n);
}

}  // namespace
}  // namespace kmebind::test
