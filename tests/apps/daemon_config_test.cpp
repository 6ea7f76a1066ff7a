// The YAML configuration of `kmebind hss` / `kmebind cnn` (apps/kmebind/daemon_config.h,
// docs/daemons.md): inline documents in, config structs or one-line errors naming file, line and
// key path out; the Cookie key ring and master key loaders on real files.
#include "daemon_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace kmebind::app {
namespace {

namespace fs = std::filesystem;

// A complete, valid hss.yaml over clear TCP; tests replace one line to break it.
const std::string kHss = R"(store:
  location: /tmp/kmebind-test.db
  key_file: /tmp/kmebind-test.key
cookie_keys:
  - {id: 1, key_file: /tmp/cookie-1.key, state: active}
  - {id: 2, key_file: /tmp/cookie-2.key, state: accepted}
  - {id: 3, state: retired}
diameter:
  identity: hss.kmebind.test
  realm: kmebind.test
  listen: {address: 127.0.0.1, port: 3868}
  transport: tcp
  allowed_peers: [cnn.kmebind.test]
  kme_command_code: 16777215
  dispatch_threads: 6
hss:
  workers: 3
  cookie_lifetime_s: 120
  allow_procedure1: true
  max_vectors_per_air: 4
metrics: {address: 127.0.0.1, port: 9101}
log: {level: debug, file: ""}
)";

const std::string kCnn = R"(diameter:
  identity: cnn.kmebind.test
  realm: kmebind.test
  transport: tcp
  peers:
    - {identity: hss.kmebind.test, address: 127.0.0.1, port: 3868}
    - {identity: hss2.kmebind.test, address: 127.0.0.2, port: 3869}
  request_timeout_ms: 1500
nas:
  listen: {address: 127.0.0.1, port: 36412}
cnn:
  plmn: "001-01"
  mme_group_id: 32769
  mme_code: 1
  tacs: [1, 7]
  apn: internet
  ipv4_pool: 10.45.0.0/16
  max_ues: 1000
  t3346_s: 30
  s6a_answer_timeout_ms: 4000
pcap: {file: ""}
metrics: {address: 127.0.0.1, port: 9102}
log: {level: info, file: ""}
)";

// `text` with the first occurrence of `from` replaced by `to`.
std::string with(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Result<HssDaemonConfig> hss(const std::string& text) {
  auto doc = net::parse_yaml(text, "hss.yaml");
  if (!doc) return std::unexpected(doc.error());
  return parse_hss_config(*doc);
}

Result<CnnDaemonConfig> cnn(const std::string& text) {
  auto doc = net::parse_yaml(text, "cnn.yaml");
  if (!doc) return std::unexpected(doc.error());
  return parse_cnn_config(*doc);
}

template <class T>
std::string error_of(const Result<T>& r) {
  return r ? std::string("(no error)") : r.error().message();
}

class DaemonKeyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("kmebind-daemon-config-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path write(const std::string& name, const std::string& text, fs::perms mode) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    fs::permissions(p, mode);
    return p;
  }
  fs::path dir_;
};

constexpr fs::perms k600 = fs::perms::owner_read | fs::perms::owner_write;
const std::string kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST(HssDaemonConfig, ValidDocumentFillsEveryField) {
  auto c = hss(kHss);
  ASSERT_TRUE(c) << error_of(c);
  EXPECT_EQ(c->store.location, "/tmp/kmebind-test.db");
  ASSERT_TRUE(c->store.key_file);
  EXPECT_EQ(*c->store.key_file, "/tmp/kmebind-test.key");
  ASSERT_EQ(c->cookie_keys.size(), 3u);
  EXPECT_EQ(c->cookie_keys[0].id, 1u);
  EXPECT_EQ(c->cookie_keys[0].state, CookieKeyState::kActive);
  EXPECT_EQ(c->cookie_keys[1].state, CookieKeyState::kAccepted);
  EXPECT_EQ(c->cookie_keys[2].state, CookieKeyState::kRetired);
  EXPECT_EQ(c->cookie_keys[0].where, "hss.yaml:5: cookie_keys[0].key_file");
  EXPECT_EQ(c->diameter.identity, "hss.kmebind.test");
  EXPECT_EQ(c->diameter.realm, "kmebind.test");
  EXPECT_EQ(c->diameter.listen_address, "127.0.0.1");
  EXPECT_EQ(c->diameter.listen_port, 3868);
  EXPECT_TRUE(c->diameter.clear_tcp);
  EXPECT_FALSE(c->diameter.tls);
  EXPECT_EQ(c->diameter.allowed_peers, std::vector<std::string>{"cnn.kmebind.test"});
  EXPECT_EQ(c->diameter.kme_command_code, 16777215u);
  EXPECT_EQ(c->diameter.dispatch_threads, 6u);
  EXPECT_EQ(c->diameter.fd_log_level, 1);  // debug → freeDiameter debug
  EXPECT_EQ(c->workers, 3u);
  EXPECT_EQ(c->queue_limit, 1024u);
  EXPECT_EQ(c->hss.cookie_lifetime_s, 120);
  EXPECT_TRUE(c->hss.allow_procedure1);
  EXPECT_EQ(c->hss.max_vectors_per_air, 4u);
  ASSERT_TRUE(c->metrics);
  EXPECT_EQ(c->metrics->port, 9101);
  EXPECT_EQ(c->log.role, "hss");
  EXPECT_EQ(c->log.level, "debug");
}

TEST(HssDaemonConfig, ChallengeLifetimeIsReadAndBounded) {
  auto c = hss(with(kHss, "  cookie_lifetime_s: 120\n",
                    "  cookie_lifetime_s: 120\n  challenge_lifetime_s: 45\n"));
  ASSERT_TRUE(c) << error_of(c);
  EXPECT_EQ(c->hss.challenge_lifetime_s, 45);
  auto zero = hss(with(kHss, "  cookie_lifetime_s: 120\n",
                       "  cookie_lifetime_s: 120\n  challenge_lifetime_s: 0\n"));
  ASSERT_FALSE(zero);
  EXPECT_NE(error_of(zero).find("hss.challenge_lifetime_s"), std::string::npos) << error_of(zero);
}

TEST(HssDaemonConfig, KmePrefetchIsOnByDefaultAndCanBeTurnedOff) {
  auto on = hss(kHss);
  ASSERT_TRUE(on) << error_of(on);
  EXPECT_TRUE(on->hss.kme_prefetch);
  auto off = hss(with(kHss, "  max_vectors_per_air: 4\n",
                      "  max_vectors_per_air: 4\n  kme_prefetch: false\n"));
  ASSERT_TRUE(off) << error_of(off);
  EXPECT_FALSE(off->hss.kme_prefetch);
  auto bad = hss(with(kHss, "  max_vectors_per_air: 4\n",
                      "  max_vectors_per_air: 4\n  kme_prefetch: sometimes\n"));
  ASSERT_FALSE(bad);
  EXPECT_NE(error_of(bad).find("hss.kme_prefetch"), std::string::npos) << error_of(bad);
}

TEST(HssDaemonConfig, OptionalSectionsTakeTheirDefaults) {
  std::string text = kHss.substr(0, kHss.find("hss:\n"));
  text = with(text, "  kme_command_code: 16777215\n  dispatch_threads: 6\n", "");
  text = with(text, "  key_file: /tmp/kmebind-test.key\n", "");
  auto c = hss(text);
  ASSERT_TRUE(c) << error_of(c);
  EXPECT_FALSE(c->store.key_file);
  EXPECT_EQ(c->workers, 64u);
  EXPECT_EQ(c->hss.cookie_lifetime_s, 300);
  EXPECT_EQ(c->hss.challenge_lifetime_s, 60);
  EXPECT_FALSE(c->hss.allow_procedure1);
  EXPECT_EQ(c->hss.max_vectors_per_air, 5u);
  EXPECT_EQ(c->diameter.kme_command_code, diameter::kDefaultKmeCommandCode);
  EXPECT_EQ(c->diameter.dispatch_threads, 4u);
  EXPECT_FALSE(c->metrics);
  EXPECT_EQ(c->log.level, "info");
  EXPECT_EQ(c->log.file, "");
}

TEST(HssDaemonConfig, MissingKeyIsNamedWithTheLineOfItsSection) {
  auto c = hss(with(kHss, "  realm: kmebind.test\n", ""));
  EXPECT_EQ(error_of(c), "hss.yaml:8: diameter.realm: missing (required)");
  auto d = hss(with(kHss, "  location: /tmp/kmebind-test.db\n", ""));
  EXPECT_EQ(error_of(d), "hss.yaml:1: store.location: missing (required)");
}

TEST(HssDaemonConfig, WrongTypeIsNamedWithItsLineAndValue) {
  auto c = hss(with(kHss, "port: 3868}", "port: abc}"));
  EXPECT_EQ(error_of(c),
            "hss.yaml:11: diameter.listen.port: expected an integer 1..65535, got 'abc'");
  auto d = hss(with(kHss, "allow_procedure1: true", "allow_procedure1: yes"));
  EXPECT_EQ(error_of(d), "hss.yaml:19: hss.allow_procedure1: expected true or false, got 'yes'");
  auto e = hss(with(kHss, "workers: 3", "workers: 0"));
  EXPECT_EQ(error_of(e), "hss.yaml:17: hss.workers: expected an integer 1..256, got '0'");
  auto f = hss(with(kHss, "allowed_peers: [cnn.kmebind.test]", "allowed_peers: cnn.kmebind.test"));
  EXPECT_EQ(error_of(f),
            "hss.yaml:13: diameter.allowed_peers: expected a list, got 'cnn.kmebind.test'");
}

TEST(HssDaemonConfig, UnknownKeyIsRefusedWithASuggestion) {
  auto c = hss(with(kHss, "  workers: 3", "  worker: 3"));
  EXPECT_EQ(error_of(c), "hss.yaml:17: hss.worker: unknown key (did you mean 'workers'?)");
  auto d = hss(kHss + "extra: 1\n");
  EXPECT_NE(error_of(d).find("hss.yaml:23: extra: unknown key"), std::string::npos) << error_of(d);
  auto e = hss(with(kHss, "state: active}", "state: active, mode: 600}"));
  EXPECT_NE(error_of(e).find("hss.yaml:5: cookie_keys[0].mode: unknown key"), std::string::npos)
      << error_of(e);
}

TEST(HssDaemonConfig, DuplicateKeyIsRefused) {
  auto c = hss(with(kHss, "  workers: 3\n", "  workers: 3\n  workers: 4\n"));
  EXPECT_EQ(error_of(c), "hss.yaml:18: hss.workers: duplicate key (first at line 17)");
}

TEST(HssDaemonConfig, CookieKeyRingNeedsExactlyOneActiveKey) {
  auto none = hss(with(kHss, "state: active}", "state: accepted}"));
  EXPECT_EQ(error_of(none),
            "hss.yaml:4: cookie_keys: no key has state: active (exactly one must be: it seals new "
            "Cookies)");
  auto two = hss(with(kHss, "state: accepted}", "state: active}"));
  EXPECT_EQ(error_of(two),
            "hss.yaml:6: cookie_keys[1].state: a second active key (first: cookie_keys[0]); "
            "exactly one is active");
  auto empty = hss(with(kHss,
                        "  - {id: 1, key_file: /tmp/cookie-1.key, state: active}\n"
                        "  - {id: 2, key_file: /tmp/cookie-2.key, state: accepted}\n"
                        "  - {id: 3, state: retired}\n",
                        "  []\n"));
  EXPECT_NE(error_of(empty).find("cookie_keys"), std::string::npos) << error_of(empty);
  EXPECT_FALSE(empty);
}

TEST(HssDaemonConfig, CookieKeyIdsAreUniqueAndStatesKnown) {
  auto dup = hss(with(kHss, "{id: 2,", "{id: 1,"));
  EXPECT_EQ(error_of(dup), "hss.yaml:6: cookie_keys[1].id: id 1 listed twice");
  auto zero = hss(with(kHss, "{id: 2,", "{id: 0,"));
  EXPECT_EQ(error_of(zero),
            "hss.yaml:6: cookie_keys[1].id: expected an integer 1..4294967295, got '0'");
  auto state = hss(with(kHss, "state: accepted}", "state: standby}"));
  EXPECT_EQ(error_of(state),
            "hss.yaml:6: cookie_keys[1].state: expected one of active, accepted, retired, got "
            "'standby'");
  auto no_file = hss(with(kHss, "key_file: /tmp/cookie-2.key, ", ""));
  EXPECT_EQ(error_of(no_file), "hss.yaml:6: cookie_keys[1].key_file: missing (required)");
}

TEST(HssDaemonConfig, TlsTransportWithoutFilesIsRefused) {
  auto c = hss(with(kHss, "transport: tcp", "transport: tls"));
  EXPECT_EQ(error_of(c), "hss.yaml:8: diameter.tls: missing (required)");
  auto d = hss(with(kHss, "transport: tcp", "transport: tls\n  tls: {cert: /x.pem, key: /x.key}"));
  EXPECT_EQ(error_of(d), "hss.yaml:13: diameter.tls.ca: missing (required)");
}

TEST(HssDaemonConfig, TlsFilesMustBeReadableAndAreNamedAtTheirKey) {
  auto c =
      hss(with(kHss, "transport: tcp",
               "transport: tls\n  tls: {cert: /nonexistent/hss.pem, key: /nonexistent/hss.key, "
               "ca: /nonexistent/ca.pem}"));
  EXPECT_EQ(error_of(c),
            "hss.yaml:13: diameter.tls.cert: /nonexistent/hss.pem is not readable: No such file "
            "or directory");
}

TEST(HssDaemonConfig, ClearTcpWithTlsFilesIsRefused) {
  auto c = hss(with(kHss, "transport: tcp",
                    "transport: tcp\n  tls: {cert: /x.pem, key: /x.key, ca: /ca.pem}"));
  EXPECT_EQ(error_of(c),
            "hss.yaml:13: diameter.tls: given while transport is tcp (clear); remove it, or set "
            "transport: tls");
}

TEST(HssDaemonConfig, TransportIsAnExplicitChoice) {
  auto missing = hss(with(kHss, "  transport: tcp\n", ""));
  EXPECT_EQ(error_of(missing), "hss.yaml:8: diameter.transport: missing (required)");
  auto other = hss(with(kHss, "transport: tcp", "transport: sctp"));
  EXPECT_EQ(error_of(other),
            "hss.yaml:12: diameter.transport: expected one of tls, tcp, got 'sctp'");
}

TEST(HssDaemonConfig, EmptyAllowListIsRefused) {
  auto c = hss(with(kHss, "allowed_peers: [cnn.kmebind.test]", "allowed_peers: []"));
  EXPECT_EQ(error_of(c),
            "hss.yaml:13: diameter.allowed_peers: empty: no CNN could connect; list their Diameter "
            "identities");
}

TEST(HssDaemonConfig, BadIdentityIsReportedAtItsKey) {
  auto c = hss(with(kHss, "identity: hss.kmebind.test", "identity: \"hss kmebind\""));
  EXPECT_EQ(error_of(c), "hss.yaml:9: diameter.identity: identity 'hss kmebind' is not an FQDN");
}

TEST(HssDaemonConfig, ListenAddressThatIsNoIpIsReportedAtItsKey) {
  auto c = hss(with(kHss, "address: 127.0.0.1, port: 3868", "address: localhost, port: 3868"));
  EXPECT_EQ(error_of(c),
            "hss.yaml:11: diameter.listen.address: listen address 'localhost' is not an IP "
            "address");
}

TEST(HssDaemonConfig, LogFileInADirectoryThatDoesNotExistIsRefusedAtLogFile) {
  auto c = hss(with(kHss, "file: \"\"}", "file: /nonexistent-kmebind/hss.log}"));
  EXPECT_EQ(error_of(c),
            "hss.yaml:22: log.file: directory /nonexistent-kmebind of /nonexistent-kmebind/hss.log "
            "does not exist (create it: kmebind creates no directory)");
  auto relative = hss(with(kHss, "file: \"\"}", "file: hss.log}"));  // the working directory
  EXPECT_TRUE(relative) << error_of(relative);
}

TEST(HssDaemonConfig, BadLogLevelIsRefused) {
  auto c = hss(with(kHss, "level: debug", "level: verbose"));
  EXPECT_NE(error_of(c).find("hss.yaml:22: log.level: expected one of trace, debug"),
            std::string::npos)
      << error_of(c);
}

TEST(HssDaemonConfig, MalformedYamlNamesTheLine) {
  auto c = hss(with(kHss, "allowed_peers: [cnn.kmebind.test]", "allowed_peers: [cnn.kmebind.test"));
  EXPECT_NE(error_of(c).find("hss.yaml:"), std::string::npos);
  EXPECT_NE(error_of(c).find("malformed YAML"), std::string::npos) << error_of(c);
}

// A CA, hss.pem/hss.key signed by it, the same key encrypted, and another CA (other.pem/.key),
// made with the openssl command as daemon_process_test.cpp does.
bool make_pki(const fs::path& dir) {
  const auto run = [&](const std::string& command) {
    return std::system(("cd '" + dir.string() + "' && " + command + " >/dev/null 2>&1").c_str()) ==
           0;
  };
  const std::string ec_key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  return run("openssl req -x509 " + ec_key +
             " -keyout ca.key -out ca.pem -subj /CN=kmebind-test-ca -days 2") &&
         run("openssl req -x509 " + ec_key +
             " -keyout other.key -out other.pem -subj /CN=kmebind-other-ca -days 2") &&
         run("openssl req " + ec_key +
             " -keyout hss.key -out hss.csr -subj /CN=hss.kmebind.test") &&
         run("openssl x509 -req -in hss.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
             "-out hss.pem") &&
         run("openssl pkey -in hss.key -aes256 -passout pass:secret -out hss-encrypted.key");
}

class DaemonTlsFiles : public DaemonKeyFiles {
 protected:
  void SetUp() override {
    DaemonKeyFiles::SetUp();
    ASSERT_TRUE(make_pki(dir_)) << "the openssl command failed";
  }
  Result<HssDaemonConfig> with_tls(const std::string& cert, const std::string& key,
                                   const std::string& ca) {
    return hss(with(kHss, "transport: tcp",
                    "transport: tls\n  tls: {cert: " + (dir_ / cert).string() +
                        ", key: " + (dir_ / key).string() + ", ca: " + (dir_ / ca).string() +
                        "}"));
  }
};

TEST_F(DaemonTlsFiles, CertificateWithItsKeyUnderItsCaIsAccepted) {
  auto c = with_tls("hss.pem", "hss.key", "ca.pem");
  ASSERT_TRUE(c) << error_of(c);
  ASSERT_TRUE(c->diameter.tls);
  EXPECT_FALSE(c->diameter.clear_tcp);
  EXPECT_EQ(c->diameter.tls->ca_file, (dir_ / "ca.pem").string());
}

TEST_F(DaemonTlsFiles, FileWithoutPemIsRefusedAtItsKey) {
  write("garbage.pem", "not a certificate\n", k600);
  EXPECT_EQ(error_of(with_tls("garbage.pem", "hss.key", "ca.pem")),
            "hss.yaml:13: diameter.tls.cert: " + (dir_ / "garbage.pem").string() +
                " holds no PEM certificate");
  EXPECT_EQ(error_of(with_tls("hss.pem", "hss.pem", "ca.pem")),
            "hss.yaml:13: diameter.tls.key: " + (dir_ / "hss.pem").string() +
                " holds no PEM private key");
  EXPECT_EQ(error_of(with_tls("hss.pem", "hss.key", "ca.key")),
            "hss.yaml:13: diameter.tls.ca: " + (dir_ / "ca.key").string() +
                " holds no PEM certificate");
  EXPECT_EQ(error_of(with_tls("hss.pem", "hss.key", "")),
            "hss.yaml:13: diameter.tls.ca: " + dir_.string() + "/ is not a regular file");
}

TEST_F(DaemonTlsFiles, KeyOfAnotherCertificateIsRefusedAtTlsKey) {
  EXPECT_EQ(error_of(with_tls("hss.pem", "other.key", "ca.pem")),
            "hss.yaml:13: diameter.tls.key: " + (dir_ / "other.key").string() +
                " is not the private key of the certificate " + (dir_ / "hss.pem").string() +
                " (diameter.tls.cert)");
}

TEST_F(DaemonTlsFiles, EncryptedKeyIsRefusedWithoutAskingForAPassphrase) {
  const std::string error = error_of(with_tls("hss.pem", "hss-encrypted.key", "ca.pem"));
  EXPECT_EQ(error, "hss.yaml:13: diameter.tls.key: " + (dir_ / "hss-encrypted.key").string() +
                       " is an encrypted private key: freeDiameter cannot ask for a passphrase; "
                       "store it unencrypted with mode 0600");
}

TEST_F(DaemonTlsFiles, CertificateTheCaDidNotIssueIsRefusedAtTlsCert) {
  const std::string error = error_of(with_tls("hss.pem", "hss.key", "other.pem"));
  EXPECT_TRUE(error.starts_with("hss.yaml:13: diameter.tls.cert: " + (dir_ / "hss.pem").string() +
                                " does not verify under the CA in " +
                                (dir_ / "other.pem").string() + " (diameter.tls.ca): "))
      << error;
}

// A certificate `name`.pem/.key under ca.pem with subject CN `cn` and, when `san` is given, one
// subjectAltName dNSName.
bool issue(const fs::path& dir, const std::string& name, const std::string& cn,
           const std::string& san = "") {
  const std::string command =
      "cd '" + dir.string() + "' && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 " +
      "-nodes -keyout " + name + ".key -out " + name + ".csr -subj '/CN=" + cn + "'" +
      (san.empty() ? "" : " -addext 'subjectAltName=DNS:" + san + "'") +
      " >/dev/null 2>&1 && openssl x509 -req -in " + name +
      ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -copy_extensions copy -out " + name +
      ".pem >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

// The peers' rule (diameter/peer_identity.h, RFC 6125 §6.4.4) applied to the node's own
// certificate and diameter.identity: a certificate that does not name it is a configuration error
// at tls.cert that says what it names instead.
const std::string kIdentityRule =
    "; the peers match the identity to a subjectAltName DNS name exactly (to the subject CN only "
    "when there is none, no wildcard: RFC 6125 §6.4.4); use a certificate issued for "
    "hss.kmebind.test";

TEST_F(DaemonTlsFiles, CertificateWhoseSanNamesTheIdentityIsAcceptedWhateverItsCn) {
  ASSERT_TRUE(issue(dir_, "san", "hss-host-17", "hss.kmebind.test"));
  auto c = with_tls("san.pem", "san.key", "ca.pem");
  EXPECT_TRUE(c) << error_of(c);
  ASSERT_TRUE(issue(dir_, "upper", "x", "HSS.Kmebind.TEST"));  // DNS names ignore case
  auto upper = with_tls("upper.pem", "upper.key", "ca.pem");
  EXPECT_TRUE(upper) << error_of(upper);
}

TEST_F(DaemonTlsFiles, CertificateWhoseSanNamesAnotherIdentityIsRefusedAtTlsCert) {
  ASSERT_TRUE(issue(dir_, "intruder", "intruder.kmebind.test", "intruder.kmebind.test"));
  EXPECT_EQ(error_of(with_tls("intruder.pem", "intruder.key", "ca.pem")),
            "hss.yaml:13: diameter.tls.cert: " + (dir_ / "intruder.pem").string() +
                " does not name diameter.identity 'hss.kmebind.test': it names subjectAltName "
                "DNS:intruder.kmebind.test" +
                kIdentityRule);
}

TEST_F(DaemonTlsFiles, CnNamesTheIdentityOnlyWhenTheCertificateHasNoSan) {
  // hss.pem of make_pki: CN=hss.kmebind.test and no subjectAltName.
  auto only_cn = with_tls("hss.pem", "hss.key", "ca.pem");
  EXPECT_TRUE(only_cn) << error_of(only_cn);
  ASSERT_TRUE(issue(dir_, "split", "hss.kmebind.test", "other.kmebind.test"));
  EXPECT_EQ(error_of(with_tls("split.pem", "split.key", "ca.pem")),
            "hss.yaml:13: diameter.tls.cert: " + (dir_ / "split.pem").string() +
                " does not name diameter.identity 'hss.kmebind.test': it names subjectAltName "
                "DNS:other.kmebind.test (its subject CN is not looked at when it has a DNS name)" +
                kIdentityRule);
  ASSERT_TRUE(issue(dir_, "cn-other", "other.kmebind.test"));
  EXPECT_EQ(error_of(with_tls("cn-other.pem", "cn-other.key", "ca.pem")),
            "hss.yaml:13: diameter.tls.cert: " + (dir_ / "cn-other.pem").string() +
                " does not name diameter.identity 'hss.kmebind.test': it names only the subject "
                "CN other.kmebind.test" +
                kIdentityRule);
}

TEST_F(DaemonTlsFiles, WildcardCertificateIsRefusedAtTlsCert) {
  ASSERT_TRUE(issue(dir_, "wild", "*.kmebind.test", "*.kmebind.test"));
  EXPECT_EQ(error_of(with_tls("wild.pem", "wild.key", "ca.pem")),
            "hss.yaml:13: diameter.tls.cert: " + (dir_ / "wild.pem").string() +
                " does not name diameter.identity 'hss.kmebind.test': it names subjectAltName "
                "DNS:*.kmebind.test (a wildcard is not accepted)" +
                kIdentityRule);
}

TEST_F(DaemonTlsFiles, CnnCertificateIsCheckedAgainstTheCnnIdentity) {
  ASSERT_TRUE(issue(dir_, "cnn", "cnn.kmebind.test", "cnn.kmebind.test"));
  const auto cnn_tls = [&](const std::string& name) {
    return cnn(with(kCnn, "transport: tcp",
                    "transport: tls\n  tls: {cert: " + (dir_ / (name + ".pem")).string() +
                        ", key: " + (dir_ / (name + ".key")).string() +
                        ", ca: " + (dir_ / "ca.pem").string() + "}"));
  };
  auto own = cnn_tls("cnn");
  EXPECT_TRUE(own) << error_of(own);
  const std::string error = error_of(cnn_tls("hss"));  // the HSS's certificate
  EXPECT_TRUE(error.starts_with("cnn.yaml:5: diameter.tls.cert: " + (dir_ / "hss.pem").string() +
                                " does not name diameter.identity 'cnn.kmebind.test': it names "
                                "only the subject CN hss.kmebind.test;"))
      << error;
}

TEST_F(DaemonKeyFiles, CookieKeyRingLoadsActiveAndAcceptedKeysOnly) {
  const fs::path k1 = write("cookie-1.key", kKeyHex + "\n", k600);
  const fs::path k2 = write("cookie-2.key", std::string(64, 'f') + "\n", k600);
  std::vector<CookieKeyEntry> entries = {
      {7, k1.string(), CookieKeyState::kAccepted, "hss.yaml:5: cookie_keys[0].key_file"},
      {9, k2.string(), CookieKeyState::kActive, "hss.yaml:6: cookie_keys[1].key_file"},
      {3, (dir_ / "gone.key").string(), CookieKeyState::kRetired, "hss.yaml:7: cookie_keys[2]"},
  };
  auto ring = load_cookie_key_ring(entries);
  ASSERT_TRUE(ring) << error_of(ring);
  EXPECT_EQ(ring->active_id(), 9u);
  EXPECT_EQ(ring->size(), 2u);
  ASSERT_NE(ring->find(7), nullptr);
  EXPECT_EQ(ring->find(7)->reveal_hex(), kKeyHex);
  EXPECT_EQ(ring->find(3), nullptr);  // a retired key opens nothing (and its file is not read)
}

TEST_F(DaemonKeyFiles, CookieKeyFileReadableByOthersIsRefused) {
  const fs::path k = write("cookie-1.key", kKeyHex + "\n", k600 | fs::perms::group_read);
  auto ring = load_cookie_key_ring(
      {{1, k.string(), CookieKeyState::kActive, "hss.yaml:5: cookie_keys[0].key_file"}});
  ASSERT_FALSE(ring);
  EXPECT_EQ(ring.error().code(), Code::kNotAllowed);
  EXPECT_EQ(ring.error().message(), "hss.yaml:5: cookie_keys[0].key_file: " + k.string() +
                                        " is accessible to group or others; chmod 600 it");
}

TEST_F(DaemonKeyFiles, CookieKeyFileWithBadContentIsRefusedWithoutEchoingIt) {
  const std::string secretish = kKeyHex.substr(0, 62) + "zz";
  const fs::path k = write("cookie-1.key", secretish + "\n", k600);
  auto ring = load_cookie_key_ring(
      {{1, k.string(), CookieKeyState::kActive, "hss.yaml:5: cookie_keys[0].key_file"}});
  ASSERT_FALSE(ring);
  EXPECT_NE(ring.error().message().find("must hold 64 hex digits"), std::string::npos);
  EXPECT_EQ(ring.error().message().find(secretish.substr(0, 16)), std::string::npos);
}

TEST_F(DaemonKeyFiles, MissingCookieKeyFileIsNamed) {
  auto ring = load_cookie_key_ring({{1, (dir_ / "none.key").string(), CookieKeyState::kActive,
                                     "hss.yaml:5: cookie_keys[0].key_file"}});
  ASSERT_FALSE(ring);
  EXPECT_EQ(ring.error().code(), Code::kNotFound);
  EXPECT_EQ(ring.error().message().rfind("hss.yaml:5: cookie_keys[0].key_file: ", 0), 0u)
      << ring.error().message();
}

TEST_F(DaemonKeyFiles, MasterKeyFromFileOrEnvironment) {
  const fs::path k = write("kmebind.key", kKeyHex + "\n", k600);
  StoreSettings with_file{"x.db", k.string(), "hss.yaml:1: store"};
  auto key = load_store_master_key(with_file);
  ASSERT_TRUE(key) << error_of(key);
  EXPECT_EQ(key->reveal_hex(), kKeyHex);

  StoreSettings without{"x.db", std::nullopt, "hss.yaml:1: store"};
  ::unsetenv("KMEBIND_MASTER_KEY");
  auto none = load_store_master_key(without);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message(),
            "hss.yaml:1: store.key_file: missing, and KMEBIND_MASTER_KEY is not set");
  ::setenv("KMEBIND_MASTER_KEY", kKeyHex.c_str(), 1);
  auto from_env = load_store_master_key(without);
  ::unsetenv("KMEBIND_MASTER_KEY");
  ASSERT_TRUE(from_env) << error_of(from_env);
  EXPECT_EQ(from_env->reveal_hex(), kKeyHex);
}

TEST(CnnDaemonConfig, ValidDocumentFillsEveryField) {
  auto c = cnn(kCnn);
  ASSERT_TRUE(c) << error_of(c);
  EXPECT_EQ(c->diameter.identity, "cnn.kmebind.test");
  EXPECT_TRUE(c->diameter.clear_tcp);
  EXPECT_EQ(c->diameter.listen_port, 0);  // a client listens nowhere
  ASSERT_EQ(c->diameter.peers.size(), 2u);
  EXPECT_EQ(c->diameter.peers[1].identity, "hss2.kmebind.test");
  EXPECT_EQ(c->diameter.peers[1].address, "127.0.0.2");
  EXPECT_EQ(c->diameter.peers[1].port, 3869);
  EXPECT_FALSE(c->diameter.peers[0].tls);  // follows transport
  EXPECT_EQ(c->diameter.request_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(c->connect_wait, std::chrono::milliseconds(5000));
  EXPECT_EQ(c->nas.address, "127.0.0.1");
  EXPECT_EQ(c->nas.port, 36412);
  EXPECT_EQ(c->cnn.plmn, "001-01");
  EXPECT_EQ(c->cnn.mme_group_id, 32769);
  EXPECT_EQ(c->cnn.mme_code, 1);
  EXPECT_EQ(c->cnn.tacs, (std::vector<std::uint16_t>{1, 7}));
  EXPECT_EQ(c->cnn.apn, "internet");
  EXPECT_EQ(c->cnn.max_ues, 1000u);
  EXPECT_EQ(c->cnn.max_attaching, 1024u);  // the default
  EXPECT_EQ(c->cnn.t3346_s, 30u);
  EXPECT_EQ(c->cnn.s6a_answer_timeout_ms, 4000);
  EXPECT_EQ(c->cnn.supported_kme_procedures, 0x03);
  EXPECT_EQ(c->pcap_file, "");
  ASSERT_TRUE(c->metrics);
  EXPECT_EQ(c->metrics->port, 9102);
  EXPECT_EQ(c->log.role, "cnn");
}

TEST(CnnDaemonConfig, PeerAddressThatIsNoIpIsReportedAtThatPeer) {
  auto c = cnn(with(kCnn, "address: 127.0.0.2", "address: hss2.local"));
  EXPECT_EQ(error_of(c),
            "cnn.yaml:7: diameter.peers[1].address: peer hss2.kmebind.test address 'hss2.local' "
            "is not an IP address");
}

TEST(CnnDaemonConfig, PcapFileInADirectoryThatDoesNotExistIsRefusedAtPcapFile) {
  auto c = cnn(with(kCnn, "pcap: {file: \"\"}", "pcap: {file: /nonexistent-kmebind/cnn.pcap}"));
  EXPECT_EQ(error_of(c),
            "cnn.yaml:21: pcap.file: directory /nonexistent-kmebind of "
            "/nonexistent-kmebind/cnn.pcap does not exist (create it: kmebind creates no "
            "directory)");
}

TEST(CnnDaemonConfig, KmeProceduresListSetsTheBits) {
  auto c = cnn(with(kCnn, "  s6a_answer_timeout_ms: 4000\n",
                    "  s6a_answer_timeout_ms: 4000\n  kme_procedures: [2]\n"));
  ASSERT_TRUE(c) << error_of(c);
  EXPECT_EQ(c->cnn.supported_kme_procedures, 0x02);
  auto bad = cnn(with(kCnn, "  s6a_answer_timeout_ms: 4000\n",
                      "  s6a_answer_timeout_ms: 4000\n  kme_procedures: [3]\n"));
  EXPECT_EQ(error_of(bad), "cnn.yaml:21: cnn.kme_procedures[0]: expected an integer 0..2, got '3'");
}

TEST(CnnDaemonConfig, KmePrefetchIsOnByDefaultAndCanBeTurnedOff) {
  auto on = cnn(kCnn);
  ASSERT_TRUE(on) << error_of(on);
  EXPECT_TRUE(on->cnn.kme_prefetch);
  auto off = cnn(with(kCnn, "  s6a_answer_timeout_ms: 4000\n",
                      "  s6a_answer_timeout_ms: 4000\n  kme_prefetch: false\n"));
  ASSERT_TRUE(off) << error_of(off);
  EXPECT_FALSE(off->cnn.kme_prefetch);
  auto bad = cnn(with(kCnn, "  s6a_answer_timeout_ms: 4000\n",
                      "  s6a_answer_timeout_ms: 4000\n  kme_prefetch: 2\n"));
  ASSERT_FALSE(bad);
  EXPECT_NE(error_of(bad).find("cnn.kme_prefetch"), std::string::npos) << error_of(bad);
}

TEST(CnnDaemonConfig, PeersMustBeListed) {
  auto c = cnn(with(kCnn,
                    "  peers:\n    - {identity: hss.kmebind.test, address: 127.0.0.1, port: 3868}\n"
                    "    - {identity: hss2.kmebind.test, address: 127.0.0.2, port: 3869}\n",
                    "  peers: []\n"));
  EXPECT_EQ(error_of(c),
            "cnn.yaml:5: diameter.peers: empty: list at least one HSS {identity, address, port}");
  auto d = cnn(with(kCnn, ", port: 3869}", "}"));
  EXPECT_EQ(error_of(d), "cnn.yaml:7: diameter.peers[1].port: missing (required)");
}

TEST(CnnDaemonConfig, CoreValidationIsPlacedAtTheKey) {
  auto plmn = cnn(with(kCnn, "plmn: \"001-01\"", "plmn: \"0011\""));
  EXPECT_NE(error_of(plmn).find("cnn.yaml:12: cnn.plmn: "), std::string::npos) << error_of(plmn);
  auto tacs = cnn(with(kCnn, "tacs: [1, 7]", "tacs: [1, 1]"));
  EXPECT_EQ(error_of(tacs), "cnn.yaml:15: cnn.tacs: TAC 1 listed twice");
  auto pool = cnn(with(kCnn, "ipv4_pool: 10.45.0.0/16", "ipv4_pool: 10.45.0.0/31"));
  EXPECT_NE(error_of(pool).find("cnn.yaml:17: cnn.ipv4_pool: "), std::string::npos)
      << error_of(pool);
}

TEST(CnnDaemonConfig, TacMustBeAnInteger) {
  auto c = cnn(with(kCnn, "tacs: [1, 7]", "tacs: [1, x]"));
  EXPECT_EQ(error_of(c), "cnn.yaml:15: cnn.tacs[1]: expected an integer 0..65535, got 'x'");
  auto d = cnn(with(kCnn, "tacs: [1, 7]", "tacs: [1, 70000]"));
  EXPECT_EQ(error_of(d), "cnn.yaml:15: cnn.tacs[1]: expected an integer 0..65535, got '70000'");
}

TEST(CnnDaemonConfig, MaxAttachingIsReadAndMustBePositive) {
  auto c = cnn(with(kCnn, "max_ues: 1000", "max_ues: 1000\n  max_attaching: 64"));
  ASSERT_TRUE(c) << error_of(c);
  EXPECT_EQ(c->cnn.max_attaching, 64u);
  auto zero = cnn(with(kCnn, "max_ues: 1000", "max_ues: 1000\n  max_attaching: 0"));
  EXPECT_NE(error_of(zero).find("cnn.max_attaching"), std::string::npos) << error_of(zero);
}

TEST(CnnDaemonConfig, ClearTcpWithTlsFilesIsRefused) {
  auto c = cnn(with(kCnn, "transport: tcp",
                    "transport: tcp\n  tls: {cert: /x.pem, key: /x.key, ca: /ca.pem}"));
  EXPECT_EQ(error_of(c),
            "cnn.yaml:5: diameter.tls: given while transport is tcp (clear); remove it, or set "
            "transport: tls");
}

TEST(CnnDaemonConfig, NasSectionAndPortsAreChecked) {
  auto missing = cnn(with(kCnn, "nas:\n  listen: {address: 127.0.0.1, port: 36412}\n", ""));
  EXPECT_EQ(error_of(missing), "cnn.yaml: nas: missing (required)");
  auto port = cnn(with(kCnn, "port: 36412}", "port: 70000}"));
  EXPECT_EQ(error_of(port),
            "cnn.yaml:10: nas.listen.port: expected an integer 0..65535, got '70000'");
  auto any = cnn(with(kCnn, "port: 36412}", "port: 0}"));
  ASSERT_TRUE(any) << error_of(any);
  EXPECT_EQ(any->nas.port, 0);
}

TEST(CnnDaemonConfig, UnknownSectionIsRefused) {
  auto c = cnn(kCnn + "hss:\n  workers: 2\n");
  EXPECT_NE(error_of(c).find("cnn.yaml:24: hss: unknown key"), std::string::npos) << error_of(c);
}

TEST(DaemonConfigFiles, ShippedExamplesAreDocumentedAndParse) {
  // config/*.yaml name files under /etc that do not exist here: parse them with those
  // references switched to clear TCP, which needs no files, and check the rest parses.
  const fs::path root = fs::path(KMEBIND_TEST_VECTORS_DIR).parent_path().parent_path();
  for (const char* name : {"hss.yaml", "cnn.yaml"}) {
    std::ifstream in(root / "config" / name);
    ASSERT_TRUE(in) << name;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t tls = text.find("  tls: {cert:");
    ASSERT_NE(tls, std::string::npos) << name;
    text.erase(tls, text.find('\n', tls) + 1 - tls);
    text = with(text, "transport: tls", "transport: tcp");
    auto doc = net::parse_yaml(text, name);
    ASSERT_TRUE(doc) << error_of(doc);
    if (std::string(name) == "hss.yaml") {
      auto c = parse_hss_config(*doc);
      EXPECT_TRUE(c) << error_of(c);
    } else {
      auto c = parse_cnn_config(*doc);
      EXPECT_TRUE(c) << error_of(c);
    }
  }
}

}  // namespace
}  // namespace kmebind::app
