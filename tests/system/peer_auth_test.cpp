// S6a peer admission at a running `kmebind hss` (issue 6 item 6; docs/security.md "S6a peer
// admission"): a peer without a valid certificate, or not on the allow-list, gets nothing.
//
// tests/apps/network_peer_test.cpp shows two refusals through a real `kmebind cnn` (another CA;
// an identity not on allowed_peers) as the UEs see them (#22). Here the HSS is probed directly by
// a bare peer — `openssl s_client`, or a plain TCP socket — that sends a CER (RFC 6733 §5.3.1)
// immediately followed by an AIR (TS 29.272 §7.2.5) for a provisioned subscriber, so that an HSS
// that let the peer in would answer with authentication vectors. For each refused peer:
//   - the peer receives no AIA: only a CEA with Result-Code 3010 (DIAMETER_UNKNOWN_PEER), or
//     nothing (the TLS handshake fails, or the connection is dropped);
//   - the HSS log names the refusal and the peer (its Diameter identity, or its address when the
//     TLS handshake failed before any identity was known), and no secret;
//   - the HSS metrics count it;
//   - the store is unchanged (export, with SQNs, and the audit trail).
// A control peer with the CNN's own certificate and identity gets CEA 2001 and an AIA, and the
// store's SQN moves: the checks above can fail.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <regex>

#include "apps/network_harness.h"

namespace kmebind::test {
namespace {

constexpr std::uint32_t kCer = 257;
constexpr std::uint32_t kAir = 318;
constexpr std::uint32_t kS6a = 16777251;  // TS 29.272 §7.1.8
constexpr std::uint32_t k3gpp = 10415;
constexpr const char* kImsi = "001010000000001";  // device 0 of `kmebind demo --prepare`

// --- hand-made Diameter (RFC 6733 §3, §4) ----------------------------------------------------

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::string avp(std::uint32_t code, const std::string& data, std::uint32_t vendor = 0) {
  std::string out;
  put_u32(out, code);
  const std::uint32_t length = (vendor != 0 ? 12 : 8) + static_cast<std::uint32_t>(data.size());
  put_u32(out, ((vendor != 0 ? 0xc0u : 0x40u) << 24) | length);  // V, M flags
  if (vendor != 0) put_u32(out, vendor);
  out += data;
  while (out.size() % 4 != 0) out.push_back('\0');
  return out;
}

std::string u32(std::uint32_t v) {
  std::string out;
  put_u32(out, v);
  return out;
}

std::string message(std::uint8_t flags, std::uint32_t code, std::uint32_t app,
                    const std::string& body, std::uint32_t id) {
  std::string out;
  put_u32(out, (1u << 24) | static_cast<std::uint32_t>(20 + body.size()));
  put_u32(out, (std::uint32_t{flags} << 24) | code);
  put_u32(out, app);
  put_u32(out, id);  // Hop-by-Hop
  put_u32(out, id);  // End-to-End
  return out + body;
}

// CER from `host` advertising S6a, then an AIR for kImsi asking for one E-UTRAN vector.
std::string cer_then_air(const std::string& host) {
  const std::string cer = message(
      0x80, kCer, 0,
      avp(264, host) + avp(296, "kmebind.test") + avp(257, std::string("\0\1\x7f\0\0\1", 6)) +
          avp(266, u32(0)) + avp(269, "kmebind-peer-probe") + avp(265, u32(k3gpp)) +
          avp(260, avp(266, u32(k3gpp)) + avp(258, u32(kS6a))),
      0x1001);
  const std::string air =
      message(0xc0, kAir, kS6a,
              avp(263, host + ";1;probe") + avp(277, u32(1)) + avp(264, host) +
                  avp(296, "kmebind.test") + avp(283, "kmebind.test") + avp(1, kImsi) +
                  avp(1407, std::string("\x00\xf1\x10", 3), k3gpp) +  // Visited-PLMN-Id 001-01
                  avp(1408, avp(1410, u32(1), k3gpp), k3gpp),         // one vector
              0x2002);
  return cer + air;
}

struct Answer {
  std::uint32_t command = 0;
  bool request = false;
  std::uint32_t result_code = 0;  // 0 when absent
};

// The whole Diameter messages in `octets` (a partial one at the end is ignored).
std::vector<Answer> parse_messages(const std::string& octets) {
  auto at = [&octets](std::size_t i) { return static_cast<std::uint8_t>(octets[i]); };
  auto be = [&at](std::size_t i, int n) {
    std::uint32_t v = 0;
    for (int k = 0; k < n; ++k) v = (v << 8) | at(i + static_cast<std::size_t>(k));
    return v;
  };
  std::vector<Answer> out;
  std::size_t pos = 0;
  while (pos + 20 <= octets.size() && at(pos) == 1) {
    const std::size_t length = be(pos + 1, 3);
    if (length < 20 || pos + length > octets.size()) break;
    Answer a{be(pos + 5, 3), (at(pos + 4) & 0x80) != 0, 0};
    for (std::size_t p = pos + 20; p + 8 <= pos + length;) {
      const std::size_t avp_length = be(p + 5, 3);
      if (avp_length < 8) break;
      if (be(p, 4) == 268 && avp_length == 12) a.result_code = be(p + 8, 4);
      p += (avp_length + 3) & ~std::size_t{3};
    }
    out.push_back(a);
    pos += length;
  }
  return out;
}

// --- the probes ------------------------------------------------------------------------------

std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

// `openssl s_client` to the HSS with `cert`/`key` (none when empty), sending `request`; returns
// what the HSS sent back (s_client -quiet writes the server's octets to stdout). The connection
// is cut after 3 s at most: an accepted peer keeps its link open.
std::string tls_probe(const fs::path& scratch, std::uint16_t port, const fs::path& cert,
                      const fs::path& key, const std::string& request, const fs::path& chain = {}) {
  write_file(scratch / "request.bin", request);
  std::string cmd = "timeout 3 openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                    " -quiet -no_ticket";
  if (!cert.empty()) cmd += " -cert " + quoted(cert) + " -key " + quoted(key);
  if (!chain.empty()) cmd += " -cert_chain " + quoted(chain);
  cmd += " < " + quoted(scratch / "request.bin") + " > " + quoted(scratch / "answer.bin") + " 2> " +
         quoted(scratch / "s_client.err");
  (void)std::system(cmd.c_str());
  return slurp(scratch / "answer.bin");
}

// The same request in clear TCP to the HSS's TLS port.
std::string clear_probe(std::uint16_t port, const std::string& request) {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return {};
  timeval tv{3, 0};
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  std::string out;
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::send(s, request.data(), request.size(), MSG_NOSIGNAL) >= 0) {
    char buf[4096];
    for (ssize_t n; (n = ::recv(s, buf, sizeof buf, 0)) > 0;)
      out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(s);
  return out;
}

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
  const std::string req = "GET /metrics HTTP/1.0\r\n\r\n";
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::send(s, req.data(), req.size(), MSG_NOSIGNAL) >= 0) {
    char buf[8192];
    for (ssize_t n; (n = ::recv(s, buf, sizeof buf, 0)) > 0;)
      out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(s);
  return out;
}

// The value of the sample `name` (with its labels, exactly as exposed), or -1 if absent.
double sample(const std::string& metrics, const std::string& name) {
  std::istringstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

std::uint16_t port_after(const std::string& line, const std::string& key) {
  const std::size_t at = line.find(key);
  return at == std::string::npos
             ? 0
             : static_cast<std::uint16_t>(std::stoi(line.substr(at + key.size())));
}

// --- certificates (openssl CLI, signed by the demo's CA or another one) -----------------------

bool sh(const fs::path& dir, const std::string& command) {
  return std::system(("cd " + quoted(dir) + " && " + command + " >/dev/null 2>&1").c_str()) == 0;
}

// A P-256 key and CSR with subject CN = `cn`, and its extensions file with SAN dNSName `san`.
bool key_and_csr(const fs::path& dir, const std::string& name, const std::string& cn,
                 const std::string& san) {
  write_file(dir / (name + ".ext"),
             "subjectAltName=DNS:" + san +
                 "\nbasicConstraints=CA:FALSE\nkeyUsage=critical,"
                 "digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n");
  return sh(dir, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + name +
                     ".key") &&
         sh(dir,
            "openssl req -new -key " + name + ".key -subj '/CN=" + cn + "' -out " + name + ".csr");
}

// A certificate for `name`.key with CN `cn` and SAN `san` (both `cn` by default), signed by
// `ca_cert`/`ca_key` (which need not be a CA: openssl signs with any key).
bool issue(const fs::path& dir, const std::string& name, const std::string& cn,
           const fs::path& ca_cert, const fs::path& ca_key, const std::string& san = "") {
  return key_and_csr(dir, name, cn, san.empty() ? cn : san) &&
         sh(dir, "openssl x509 -req -in " + name + ".csr -CA " + quoted(ca_cert) + " -CAkey " +
                     quoted(ca_key) + " -CAcreateserial -days 2 -extfile " + name + ".ext -out " +
                     name + ".pem");
}

// Valid from 2020-01-01 to 2020-01-02 (RFC 5280 §4.1.2.5), signed by the demo CA: `openssl ca`
// is the CLI that takes explicit dates.
bool issue_expired(const fs::path& dir, const std::string& name, const std::string& identity,
                   const fs::path& ca_cert, const fs::path& ca_key) {
  write_file(dir / "ca.cnf",
             "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n"
             "default_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n");
  write_file(dir / "index.txt", "");
  write_file(dir / "serial", "1000\n");
  return key_and_csr(dir, name, identity, identity) &&
         sh(dir, "openssl ca -batch -config ca.cnf -cert " + quoted(ca_cert) + " -keyfile " +
                     quoted(ca_key) + " -in " + name + ".csr -out " + name +
                     ".pem -notext -startdate 20200101000000Z -enddate 20200102000000Z -extfile " +
                     name + ".ext");
}

class PeerAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(pki_);
    ASSERT_TRUE(prepare_demo_dir(dir_, 1, 1));
    std::ofstream(dir_ / "hss.yaml", std::ios::app) << "metrics: {address: 127.0.0.1, port: 0}\n";
    std::string ready;
    hss_ = start_daemon(dir_, "hss", &ready);
    ASSERT_TRUE(hss_);
    diameter_port_ = port_after(ready, "diameter=127.0.0.1:");
    metrics_port_ = port_after(ready, "metrics=127.0.0.1:");
    ASSERT_NE(diameter_port_, 0) << ready;
    ASSERT_NE(metrics_port_, 0) << ready;
    store_before_ = store_snapshot("before");
    metrics_before_ = scrape(metrics_port_);
  }

  // Subscribers (with their SQN; K and OPc left out), KME status and the audit trail.
  std::string store_snapshot(const std::string& tag) {
    std::string snapshot;
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"export", "--format", "json"}, {"kme", "status"}, {"audit", "--limit", "1000"}}) {
      std::vector<std::string> full{"admin", "--store", (dir_ / "kmebind.db").string(),
                                    "--key-file", (dir_ / "kmebind.key").string()};
      full.insert(full.end(), args.begin(), args.end());
      CliResult r = run_kmebind(tmp_.path(), "admin-" + tag, full, std::chrono::seconds(30));
      EXPECT_EQ(r.code, 0) << r.err;
      snapshot += r.out;
    }
    return snapshot;
  }

  // Waits (the HSS refreshes its counters every second) until `name` grew; returns its growth.
  double metric_growth(const std::string& name) {
    const double before = std::max(0.0, sample(metrics_before_, name));
    double now = before;
    for (int i = 0; i < 50 && now <= before; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      now = std::max(0.0, sample(scrape(metrics_port_), name));
    }
    return now - before;
  }

  // The HSS answered with nothing but, at most, a CEA 3010: no S6a answer at all.
  static void expect_nothing_but_unknown_peer(const std::string& answer) {
    for (const Answer& a : parse_messages(answer)) {
      EXPECT_FALSE(a.request);
      EXPECT_EQ(a.command, kCer) << "an answer to command " << a.command << " reached the peer";
      EXPECT_EQ(a.result_code, 3010u);
    }
  }

  // The HSS log gained a line matching `pattern`; it holds no key material of the run (the full
  // scan of every secret is tests/system/secret_leak_test.cpp; here: the TLS private keys).
  void expect_logged(const std::string& pattern) {
    const std::string log = slurp(dir_ / "hss.log");
    EXPECT_TRUE(std::regex_search(log, std::regex(pattern))) << pattern << "\n" << log;
    for (const char* key : {"hss.key", "cnn.key", "ca.key"}) {
      const std::string pem = slurp(dir_ / key);
      const std::string body = pem.substr(pem.find('\n') + 1, 40);
      EXPECT_FALSE(contains(log, body)) << key;
    }
  }

  void expect_store_unchanged() { EXPECT_EQ(store_snapshot("after"), store_before_); }

  TempDir tmp_;
  fs::path dir_ = tmp_ / "work";
  fs::path pki_ = tmp_ / "pki";
  std::unique_ptr<Process> hss_;
  std::uint16_t diameter_port_ = 0, metrics_port_ = 0;
  std::string store_before_, metrics_before_;
};

const std::string kLinkFailures = "kmebind_diameter_link_failures_total";
const std::string kRefusedUnknown = "kmebind_diameter_peer_refusals_total{reason=\"unknown\"}";
const std::string kRefusedCertificate =
    "kmebind_diameter_peer_refusals_total{reason=\"certificate\"}";

TEST_F(PeerAuth, ControlPeerWithTheCnnCertificateAndIdentityGetsVectorsAndMovesTheSqn) {
  const std::string answer = tls_probe(pki_, diameter_port_, dir_ / "cnn.pem", dir_ / "cnn.key",
                                       cer_then_air("cnn.kmebind.test"));
  const auto messages = parse_messages(answer);
  ASSERT_EQ(messages.size(), 2u) << "CEA and AIA expected";
  EXPECT_EQ(messages[0].command, kCer);
  EXPECT_EQ(messages[0].result_code, 2001u);
  EXPECT_EQ(messages[1].command, kAir);
  EXPECT_EQ(messages[1].result_code, 2001u);
  expect_logged("accepted peer 'cnn\\.kmebind\\.test' over TLS");
  EXPECT_NE(store_snapshot("after"), store_before_) << "the AIR should have advanced the SQN";
}

TEST_F(PeerAuth, CertificateFromAnotherCaFailsTheHandshake) {
  ASSERT_TRUE(sh(pki_,
                 "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "
                 "other-ca.key && openssl req -x509 -new -key other-ca.key -subj "
                 "'/CN=kmebind demo CA' -days 2 -out other-ca.pem -addext "
                 "basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign"));
  ASSERT_TRUE(
      issue(pki_, "rogue", "cnn.kmebind.test", pki_ / "other-ca.pem", pki_ / "other-ca.key"));
  const std::string answer = tls_probe(pki_, diameter_port_, pki_ / "rogue.pem", pki_ / "rogue.key",
                                       cer_then_air("cnn.kmebind.test"));
  EXPECT_TRUE(parse_messages(answer).empty());
  expect_logged("The certificate hasn't got a known issuer");
  expect_logged("link with \\(unidentified peer\\) failed: TLS handshake failed.*127\\.0\\.0\\.1");
  EXPECT_GE(metric_growth(kLinkFailures), 1);
  expect_store_unchanged();
}

TEST_F(PeerAuth, ExpiredCertificateFailsTheHandshake) {
  ASSERT_TRUE(issue_expired(pki_, "expired", "cnn.kmebind.test", dir_ / "ca.pem", dir_ / "ca.key"));
  // Good in every respect but its dates: OpenSSL's own check says exactly that.
  ASSERT_FALSE(sh(pki_, "openssl verify -CAfile " + quoted(dir_ / "ca.pem") + " expired.pem"));
  ASSERT_TRUE(sh(pki_, "openssl verify -CAfile " + quoted(dir_ / "ca.pem") +
                           " expired.pem 2>&1 | grep -q 'certificate has expired'"));
  const std::string answer = tls_probe(pki_, diameter_port_, pki_ / "expired.pem",
                                       pki_ / "expired.key", cer_then_air("cnn.kmebind.test"));
  EXPECT_TRUE(parse_messages(answer).empty());
  expect_logged("The certificate has expired");
  expect_logged("link with \\(unidentified peer\\) failed: TLS handshake failed.*127\\.0\\.0\\.1");
  EXPECT_GE(metric_growth(kLinkFailures), 1);
  expect_store_unchanged();
}

// Trap 10 of shared/notes/freediameter.md: a good certificate of another identity.
TEST_F(PeerAuth, CertificateNamingAnotherIdentityThanTheOriginHostGetsUnknownPeer) {
  ASSERT_TRUE(issue(pki_, "intruder", "intruder.kmebind.test", dir_ / "ca.pem", dir_ / "ca.key"));
  const std::string answer = tls_probe(pki_, diameter_port_, pki_ / "intruder.pem",
                                       pki_ / "intruder.key", cer_then_air("cnn.kmebind.test"));
  expect_nothing_but_unknown_peer(answer);
  expect_logged("refused peer 'cnn\\.kmebind\\.test': its TLS certificate does not name it");
  EXPECT_GE(metric_growth(kRefusedCertificate), 1);
  expect_store_unchanged();
}

// A real `kmebind cnn` cannot even try it: start-up checks that its certificate names its own
// diameter.identity by the rule the HSS applies above (docs/daemons.md §1), so a CNN configured
// with another identity's certificate is a configuration error (exit 3, naming diameter.tls.cert
// and what the certificate names), with `--check` as at start, and never reaches the HSS; only a
// hand-made peer (above) can claim one identity with another's certificate.
TEST_F(PeerAuth, RealCnnWithAnotherIdentitysCertificateRefusesToStart) {
  ASSERT_TRUE(issue(pki_, "intruder", "intruder.kmebind.test", dir_ / "ca.pem", dir_ / "ca.key"));
  ASSERT_TRUE(replace_in_file(dir_ / "cnn.yaml", (dir_ / "cnn.pem").string(),
                              (pki_ / "intruder.pem").string()));
  ASSERT_TRUE(replace_in_file(dir_ / "cnn.yaml", (dir_ / "cnn.key").string(),
                              (pki_ / "intruder.key").string()));
  const std::string expected = "diameter.tls.cert: " + (pki_ / "intruder.pem").string() +
                               " does not name diameter.identity 'cnn.kmebind.test': it names "
                               "subjectAltName DNS:intruder.kmebind.test; the peers match";
  CliResult check = run_kmebind(tmp_.path(), "cnn-check",
                                {"cnn", "--config", (dir_ / "cnn.yaml").string(), "--check"});
  EXPECT_EQ(check.code, 3) << check.out << check.err;
  EXPECT_TRUE(contains(check.err, expected)) << check.err;
  CliResult r = run_kmebind(tmp_.path(), "cnn", {"cnn", "--config", (dir_ / "cnn.yaml").string()},
                            std::chrono::seconds(30));
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "kmebind cnn: ")) << r.err;
  EXPECT_TRUE(contains(r.err, expected)) << r.err;
  EXPECT_FALSE(contains(r.out, "ready")) << r.out;
  EXPECT_FALSE(contains(slurp(dir_ / "hss.log"), "peer 'cnn.kmebind.test'"));
  expect_store_unchanged();
}

// RFC 6125 §6.4.4: with a dNSName in subjectAltName the CN is not looked at.
TEST_F(PeerAuth, CertificateWhoseCnNamesThePeerButWhoseSanDoesNotGetsUnknownPeer) {
  ASSERT_TRUE(issue(pki_, "split", "cnn.kmebind.test", dir_ / "ca.pem", dir_ / "ca.key",
                    "intruder.kmebind.test"));
  const std::string answer = tls_probe(pki_, diameter_port_, pki_ / "split.pem", pki_ / "split.key",
                                       cer_then_air("cnn.kmebind.test"));
  ASSERT_FALSE(parse_messages(answer).empty()) << "a CEA 3010 expected";
  expect_nothing_but_unknown_peer(answer);
  expect_logged("refused peer 'cnn\\.kmebind\\.test': its TLS certificate does not name it");
  EXPECT_GE(metric_growth(kRefusedCertificate), 1);
  expect_store_unchanged();
}

TEST_F(PeerAuth, WildcardCertificateGetsUnknownPeer) {
  ASSERT_TRUE(issue(pki_, "wild", "*.kmebind.test", dir_ / "ca.pem", dir_ / "ca.key"));
  const std::string answer = tls_probe(pki_, diameter_port_, pki_ / "wild.pem", pki_ / "wild.key",
                                       cer_then_air("cnn.kmebind.test"));
  ASSERT_FALSE(parse_messages(answer).empty()) << "a CEA 3010 expected";
  expect_nothing_but_unknown_peer(answer);
  expect_logged("refused peer 'cnn\\.kmebind\\.test': its TLS certificate does not name it");
  EXPECT_GE(metric_growth(kRefusedCertificate), 1);
  expect_store_unchanged();
}

// Whoever holds a node's key (here the HSS's own, CA:FALSE) cannot mint certificates for others.
TEST_F(PeerAuth, CertificateIssuedByANodeCertificateFailsTheHandshake) {
  ASSERT_TRUE(issue(pki_, "minted", "cnn.kmebind.test", dir_ / "hss.pem", dir_ / "hss.key"));
  const std::string answer =
      tls_probe(pki_, diameter_port_, pki_ / "minted.pem", pki_ / "minted.key",
                cer_then_air("cnn.kmebind.test"), dir_ / "hss.pem");
  EXPECT_TRUE(parse_messages(answer).empty());
  expect_logged("link with \\(unidentified peer\\) failed: TLS handshake failed.*127\\.0\\.0\\.1");
  EXPECT_GE(metric_growth(kLinkFailures), 1);
  expect_store_unchanged();
}

TEST_F(PeerAuth, ValidCertificateOfAnIdentityNotOnTheAllowListGetsUnknownPeer) {
  ASSERT_TRUE(issue(pki_, "other", "other-cnn.kmebind.test", dir_ / "ca.pem", dir_ / "ca.key"));
  const std::string answer = tls_probe(pki_, diameter_port_, pki_ / "other.pem", pki_ / "other.key",
                                       cer_then_air("other-cnn.kmebind.test"));
  const auto messages = parse_messages(answer);
  ASSERT_FALSE(messages.empty()) << "a CEA 3010 expected";
  expect_nothing_but_unknown_peer(answer);
  expect_logged("refused peer 'other-cnn\\.kmebind\\.test': not on the allow-list");
  EXPECT_GE(metric_growth(kRefusedUnknown), 1);
  expect_store_unchanged();
}

TEST_F(PeerAuth, ClearTcpToTheTlsPortIsDropped) {
  const std::string answer = clear_probe(diameter_port_, cer_then_air("cnn.kmebind.test"));
  EXPECT_TRUE(parse_messages(answer).empty());
  expect_logged("An unexpected TLS packet was received");
  expect_logged("link with \\(unidentified peer\\) failed: TLS handshake failed.*127\\.0\\.0\\.1");
  EXPECT_GE(metric_growth(kLinkFailures), 1);
  expect_store_unchanged();
}

TEST_F(PeerAuth, ClientWithoutACertificateFailsTheHandshake) {
  const std::string answer =
      tls_probe(pki_, diameter_port_, {}, {}, cer_then_air("cnn.kmebind.test"));
  EXPECT_TRUE(parse_messages(answer).empty());
  expect_logged("Certificate is required");
  expect_logged("link with \\(unidentified peer\\) failed: TLS handshake failed.*127\\.0\\.0\\.1");
  EXPECT_GE(metric_growth(kLinkFailures), 1);
  expect_store_unchanged();
}

}  // namespace
}  // namespace kmebind::test
