// `kmebind hss` and `kmebind cnn` as processes (docs/daemons.md): the built binary
// (KMEBIND_BINARY) on random free loopback ports over clear TCP, a store made with
// `kmebind admin init`. Checks the ready line, exit codes (3 for a bad configuration naming the
// key, 1 for a runtime failure, 0 on SIGTERM within 5 s), the metrics endpoint, SIGHUP reload, and
// that a CNN reports its HSS peer up. End-to-end attaches through the daemons are tested with
// `kmebind sim` (tests/apps/network_*).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_ports.h"

namespace {

using kmebind::test::free_loopback_port;

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
// SIGTERM must stop a daemon well within a supervisor's kill timeout; 15 s leaves room for a
// freeDiameter shutdown on a loaded 2-core CI machine (5 s was seen to be too tight there).
constexpr auto kStopTimeout = 15s;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// GET /metrics; the whole response, or "" when the endpoint does not answer.
std::string scrape(std::uint16_t port) {
  const int fd = connect_loopback(port);
  if (fd < 0) return "";
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return "";
  }
  std::string out;
  char buf[4096];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 3000) > 0) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// The value of the first series line starting with `series` ("name" or "name{labels}").
std::optional<double> metric(const std::string& exposition, const std::string& series) {
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

// One `kmebind` child process: stdout through a pipe (for the ready line), stderr to a file.
class Daemon {
 public:
  Daemon(const std::vector<std::string>& args, const fs::path& stderr_file) {
    int out[2];
    EXPECT_EQ(::pipe(out), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      const int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(err, 2);
      ::close(out[0]);
      std::vector<char*> argv;
      std::string binary = KMEBIND_BINARY;
      argv.push_back(binary.data());
      std::vector<std::string> copy = args;
      for (std::string& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = out[0];
  }
  ~Daemon() {
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // The next stdout line within `timeout`, or nullopt (timeout or end of output).
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (const std::size_t nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buf[512];
      const ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  void signal(int number) const { ::kill(pid_, number); }

  // The exit code once the process ended within `timeout` (-signal if killed), else nullopt.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    if (exit_code_) return exit_code_;
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        return exit_code_;
      }
      if (Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(20ms);
    }
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
  std::optional<int> exit_code_;
};

class DaemonProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("kmebind-daemon-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(dir_);
    const std::string init = "env -u KMEBIND_MASTER_KEY '" + std::string(KMEBIND_BINARY) +
                             "' admin --store '" + (dir_ / "kmebind.db").string() +
                             "' --key-file '" + (dir_ / "kmebind.key").string() +
                             "' init >/dev/null 2>'" + (dir_ / "init.err").string() + "'";
    ASSERT_EQ(std::system(init.c_str()), 0) << slurp(dir_ / "init.err");
    write_key("cookie-1.key", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    write_key("cookie-2.key", "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100");
    hss_port_ = free_loopback_port();
    hss_metrics_ = free_loopback_port();
    cnn_metrics_ = free_loopback_port();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void write_key(const std::string& name, const std::string& hex) {
    std::ofstream(dir_ / name) << hex << "\n";
    fs::permissions(dir_ / name, fs::perms::owner_read | fs::perms::owner_write);
  }

  std::string hss_yaml(const std::string& cookie_keys = "",
                       const std::string& transport = "tcp") const {
    const std::string keys =
        cookie_keys.empty()
            ? "  - {id: 1, key_file: " + (dir_ / "cookie-1.key").string() + ", state: active}\n"
            : cookie_keys;
    return "store:\n"
           "  location: " +
           (dir_ / "kmebind.db").string() +
           "\n"
           "  key_file: " +
           (dir_ / "kmebind.key").string() +
           "\n"
           "cookie_keys:\n" +
           keys +
           "diameter:\n"
           "  identity: hss.kmebind.test\n"
           "  realm: kmebind.test\n"
           "  listen: {address: 127.0.0.1, port: " +
           std::to_string(hss_port_) +
           "}\n"
           "  transport: " +
           transport +
           "\n"
           "  allowed_peers: [cnn.kmebind.test]\n"
           "hss: {workers: 2}\n"
           "metrics: {address: 127.0.0.1, port: " +
           std::to_string(hss_metrics_) +
           "}\n"
           "log: {level: info, file: " +
           (dir_ / "hss.log").string() + "}\n";
  }

  std::string cnn_yaml(const std::string& identity = "cnn.kmebind.test",
                       const std::string& transport = "tcp") const {
    return "diameter:\n"
           "  identity: " +
           identity +
           "\n"
           "  realm: kmebind.test\n"
           "  transport: " +
           transport +
           "\n"
           "  peers:\n"
           "    - {identity: hss.kmebind.test, address: 127.0.0.1, port: " +
           std::to_string(hss_port_) +
           "}\n"
           "  connect_wait_ms: 8000\n"
           "nas:\n"
           "  listen: {address: 127.0.0.1, port: 0}\n"
           "cnn:\n"
           "  plmn: \"001-01\"\n"
           "pcap: {file: " +
           (dir_ / "cnn.pcap").string() +
           "}\n"
           "metrics: {address: 127.0.0.1, port: " +
           std::to_string(cnn_metrics_) +
           "}\n"
           "log: {level: info, file: " +
           (dir_ / "cnn.log").string() + "}\n";
  }

  fs::path write_config(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }

  std::unique_ptr<Daemon> start(const std::string& role, const fs::path& config) {
    return std::make_unique<Daemon>(std::vector<std::string>{role, "--config", config.string()},
                                    dir_ / (role + ".err"));
  }

  // Scrapes until `series` has `value` or 5 s pass; returns the last exposition.
  std::string scrape_until(std::uint16_t port, const std::string& series, double value) {
    std::string text;
    const auto deadline = Clock::now() + 5s;
    while (Clock::now() < deadline) {
      text = scrape(port);
      if (metric(text, series) == value) break;
      std::this_thread::sleep_for(100ms);
    }
    return text;
  }

  fs::path dir_;
  std::uint16_t hss_port_ = 0;
  std::uint16_t hss_metrics_ = 0;
  std::uint16_t cnn_metrics_ = 0;
};

TEST_F(DaemonProcess, HssWithBadConfigExitsThreeNamingTheKey) {
  std::string yaml = hss_yaml();
  yaml.replace(yaml.find("port: " + std::to_string(hss_port_)),
               6 + std::to_string(hss_port_).size(), "port: abc");
  auto hss = start("hss", write_config("hss.yaml", yaml));
  EXPECT_EQ(hss->wait(10s), 3);
  const std::string err = slurp(dir_ / "hss.err");
  EXPECT_TRUE(
      contains(err, "hss.yaml:9: diameter.listen.port: expected an integer 1..65535, got 'abc'"))
      << err;
  EXPECT_FALSE(hss->read_line(100ms)) << "no ready line";
}

TEST_F(DaemonProcess, HssWithoutActiveCookieKeyExitsThree) {
  auto hss = start("hss", write_config("hss.yaml", hss_yaml("  - {id: 1, key_file: " +
                                                            (dir_ / "cookie-1.key").string() +
                                                            ", state: accepted}\n")));
  EXPECT_EQ(hss->wait(10s), 3);
  EXPECT_TRUE(contains(slurp(dir_ / "hss.err"), "cookie_keys: no key has state: active"));
}

// A store path that points at nothing is a configuration mistake, like for `admin` (exit 3); the
// message names the store once and says how to create it.
TEST_F(DaemonProcess, HssWithoutStoreExitsThreeNamingTheStoreOnce) {
  std::string yaml = hss_yaml();
  yaml.replace(yaml.find("kmebind.db"), 10, "missing.db");
  auto hss = start("hss", write_config("hss.yaml", yaml));
  EXPECT_EQ(hss->wait(10s), 3);
  const std::string err = slurp(dir_ / "hss.err");
  EXPECT_TRUE(contains(err, "kmebind admin init")) << err;
  const std::string path = (dir_ / "missing.db").string();
  const auto first = err.find(path);
  ASSERT_NE(first, std::string::npos) << err;
  EXPECT_EQ(err.find(path, first + path.size()), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir_ / "missing.db"));
}

TEST_F(DaemonProcess, HssServesMetricsAndStopsCleanlyOnSigterm) {
  auto hss = start("hss", write_config("hss.yaml", hss_yaml()));
  auto ready = hss->read_line(15s);
  ASSERT_TRUE(ready) << slurp(dir_ / "hss.err") << slurp(dir_ / "hss.log");
  EXPECT_EQ(*ready,
            "kmebind hss ready: diameter=127.0.0.1:" + std::to_string(hss_port_) +
                "/tcp identity=hss.kmebind.test metrics=127.0.0.1:" + std::to_string(hss_metrics_));
  const std::string text = scrape(hss_metrics_);
  EXPECT_TRUE(contains(text, "200 OK")) << text;
  EXPECT_EQ(metric(text, "kmebind_hss_queue_depth"), 0.0) << text;
  EXPECT_EQ(metric(text, "kmebind_hss_requests_total{command=\"air\",result=\"DIAMETER_SUCCESS\"}"),
            0.0)
      << text;
  EXPECT_TRUE(contains(text, "# TYPE kmebind_hss_request_seconds histogram")) << text;
  EXPECT_EQ(metric(text, "kmebind_diameter_peers_up"), 0.0) << text;
  // The Diameter port listens.
  const int fd = connect_loopback(hss_port_);
  EXPECT_GE(fd, 0);
  if (fd >= 0) ::close(fd);

  const auto t0 = Clock::now();
  hss->signal(SIGTERM);
  EXPECT_EQ(hss->wait(kStopTimeout), 0) << slurp(dir_ / "hss.log");
  EXPECT_LT(Clock::now() - t0, 5s);
  EXPECT_FALSE(hss->read_line(100ms)) << "nothing on stdout but the ready line";
  const std::string log = slurp(dir_ / "hss.log");
  EXPECT_TRUE(contains(log, "info hss: SIGTERM received, stopping")) << log;
  EXPECT_TRUE(contains(log, "info hss: stopped")) << log;
}

TEST_F(DaemonProcess, HssOnABusyPortExitsOne) {
  const int blocker = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(hss_port_);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(blocker, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(blocker, 1), 0);
  auto hss = start("hss", write_config("hss.yaml", hss_yaml()));
  EXPECT_EQ(hss->wait(15s), 1) << slurp(dir_ / "hss.log");
  EXPECT_FALSE(hss->read_line(100ms));
  ::close(blocker);
}

TEST_F(DaemonProcess, HssReloadsTheCookieKeyRingOnSighupAndKeepsItOnABadFile) {
  const fs::path config = write_config("hss.yaml", hss_yaml());
  auto hss = start("hss", config);
  ASSERT_TRUE(hss->read_line(15s)) << slurp(dir_ / "hss.err") << slurp(dir_ / "hss.log");

  // Rotation step: key 2 becomes active, key 1 stays accepted.
  write_config("hss.yaml", hss_yaml("  - {id: 1, key_file: " + (dir_ / "cookie-1.key").string() +
                                    ", state: accepted}\n  - {id: 2, key_file: " +
                                    (dir_ / "cookie-2.key").string() + ", state: active}\n"));
  hss->signal(SIGHUP);
  std::string log;
  for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;
       std::this_thread::sleep_for(50ms)) {
    log = slurp(dir_ / "hss.log");
    if (contains(log, "Cookie key ring [1 accepted, 2 active]")) break;
  }
  EXPECT_TRUE(contains(log, "info hss: reloaded")) << log;
  EXPECT_TRUE(contains(log, "Cookie key ring [1 accepted, 2 active]")) << log;

  // A key file readable by others: refused, the running ring kept, the daemon serves on.
  fs::permissions(dir_ / "cookie-2.key", fs::perms::group_read, fs::perm_options::add);
  hss->signal(SIGHUP);
  for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;
       std::this_thread::sleep_for(50ms)) {
    log = slurp(dir_ / "hss.log");
    if (contains(log, "reload refused")) break;
  }
  EXPECT_TRUE(contains(log, "error hss: reload refused, running configuration kept: ")) << log;
  EXPECT_TRUE(contains(log, "cookie_keys[1].key_file")) << log;
  EXPECT_FALSE(hss->wait(200ms));
  EXPECT_TRUE(contains(scrape(hss_metrics_), "kmebind_hss_queue_depth"));

  hss->signal(SIGINT);
  EXPECT_EQ(hss->wait(kStopTimeout), 0);
}

TEST_F(DaemonProcess, CnnWithBadConfigExitsThreeNamingTheKey) {
  std::string yaml = cnn_yaml();
  yaml.replace(yaml.find("plmn: \"001-01\""), 14, "plmn: \"00101\"");
  auto cnn = start("cnn", write_config("cnn.yaml", yaml));
  EXPECT_EQ(cnn->wait(10s), 3);
  EXPECT_TRUE(contains(slurp(dir_ / "cnn.err"), "cnn.yaml:11: cnn.plmn: "))
      << slurp(dir_ / "cnn.err");
}

TEST_F(DaemonProcess, CnnConnectsToTheHssAndBothReportThePeerUp) {
  auto hss = start("hss", write_config("hss.yaml", hss_yaml()));
  ASSERT_TRUE(hss->read_line(15s)) << slurp(dir_ / "hss.err") << slurp(dir_ / "hss.log");
  auto cnn = start("cnn", write_config("cnn.yaml", cnn_yaml()));
  auto ready = cnn->read_line(20s);
  ASSERT_TRUE(ready) << slurp(dir_ / "cnn.err") << slurp(dir_ / "cnn.log");
  EXPECT_TRUE(ready->starts_with("kmebind cnn ready: nas=127.0.0.1:")) << *ready;
  EXPECT_TRUE(contains(*ready, " identity=cnn.kmebind.test peers_up=1/1 metrics=127.0.0.1:" +
                                   std::to_string(cnn_metrics_)))
      << *ready;

  const std::string cnn_metrics = scrape_until(cnn_metrics_, "kmebind_diameter_peers_up", 1);
  EXPECT_EQ(metric(cnn_metrics, "kmebind_diameter_peers_up"), 1.0) << cnn_metrics;
  EXPECT_EQ(metric(cnn_metrics, "kmebind_cnn_ues{state=\"attaching\"}"), 0.0) << cnn_metrics;
  const std::string hss_metrics = scrape_until(hss_metrics_, "kmebind_diameter_peers_up", 1);
  EXPECT_EQ(metric(hss_metrics, "kmebind_diameter_peers_up"), 1.0) << hss_metrics;

  // The NAS port takes a connection and a frame (an empty PDU for UE 1: the core discards it).
  const std::size_t colon = ready->find(':', ready->find("nas=127.0.0.1"));
  const auto nas_port = static_cast<std::uint16_t>(std::stoi(ready->substr(colon + 1)));
  const int fd = connect_loopback(nas_port);
  ASSERT_GE(fd, 0);
  const unsigned char frame[12] = {0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1};
  ASSERT_EQ(::write(fd, frame, sizeof frame), 12);
  const std::string after =
      scrape_until(cnn_metrics_, "kmebind_cnn_nas_pdus_total{direction=\"uplink\"}", 1);
  EXPECT_EQ(metric(after, "kmebind_cnn_nas_pdus_total{direction=\"uplink\"}"), 1.0) << after;
  EXPECT_EQ(metric(after, "kmebind_cnn_nas_connections"), 1.0) << after;
  ::close(fd);
  // The PDU is in the capture: pcap header (24) + record header (16) + exported-PDU tags.
  std::error_code ec;
  EXPECT_GT(fs::file_size(dir_ / "cnn.pcap", ec), 40u) << ec.message();

  cnn->signal(SIGTERM);
  EXPECT_EQ(cnn->wait(kStopTimeout), 0) << slurp(dir_ / "cnn.log");
  // The HSS no longer counts the CNN once its link is closed (an orderly disconnect).
  const std::string hss_after = scrape_until(hss_metrics_, "kmebind_diameter_peers_up", 0);
  EXPECT_EQ(metric(hss_after, "kmebind_diameter_peers_up"), 0.0) << hss_after;
  hss->signal(SIGTERM);
  EXPECT_EQ(hss->wait(kStopTimeout), 0) << slurp(dir_ / "hss.log");
  EXPECT_TRUE(contains(slurp(dir_ / "cnn.log"), "info cnn: stopped"));
}

TEST_F(DaemonProcess, CnnWithoutHssStillServesAndSaysSo) {
  std::string yaml = cnn_yaml();
  yaml.replace(yaml.find("connect_wait_ms: 8000"), 21, "connect_wait_ms: 500");
  auto cnn = start("cnn", write_config("cnn.yaml", yaml));
  auto ready = cnn->read_line(15s);
  ASSERT_TRUE(ready) << slurp(dir_ / "cnn.err") << slurp(dir_ / "cnn.log");
  EXPECT_TRUE(contains(*ready, " peers_up=0/1 ")) << *ready;
  EXPECT_TRUE(contains(slurp(dir_ / "cnn.log"), "warning cnn: no HSS peer up after 500 ms"))
      << slurp(dir_ / "cnn.log");
  cnn->signal(SIGTERM);
  EXPECT_EQ(cnn->wait(kStopTimeout), 0);
}

TEST_F(DaemonProcess, CnnReopensItsLogOnSighup) {
  std::string yaml = cnn_yaml();
  yaml.replace(yaml.find("connect_wait_ms: 8000"), 21, "connect_wait_ms: 0");
  auto cnn = start("cnn", write_config("cnn.yaml", yaml));
  ASSERT_TRUE(cnn->read_line(15s)) << slurp(dir_ / "cnn.err") << slurp(dir_ / "cnn.log");
  fs::rename(dir_ / "cnn.log", dir_ / "cnn.log.1");  // as logrotate does
  cnn->signal(SIGHUP);
  std::string log;
  for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;
       std::this_thread::sleep_for(50ms)) {
    log = slurp(dir_ / "cnn.log");
    if (contains(log, "reloaded")) break;
  }
  EXPECT_TRUE(contains(log, "info cnn: reloaded ")) << log;
  EXPECT_FALSE(contains(log, "serving NAS")) << "a new file, not the old one";
  EXPECT_TRUE(contains(slurp(dir_ / "cnn.log.1"), "serving NAS"));
  cnn->signal(SIGTERM);
  EXPECT_EQ(cnn->wait(kStopTimeout), 0);
}

// A throw-away PKI (openssl CLI): a CA and ECDSA P-256 certificates whose CN and SAN are the
// Diameter identity (shared/notes/freediameter.md).
bool make_pki(const fs::path& dir) {
  auto run = [&](const std::string& command) {
    const std::string line = "cd '" + dir.string() + "' && " + command + " >/dev/null 2>&1";
    return std::system(line.c_str()) == 0;
  };
  bool ok =
      run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key") &&
      run("openssl req -x509 -new -key ca.key -subj '/CN=kmebind test ca' -days 2 -out ca.pem "
          "-addext basicConstraints=critical,CA:TRUE -addext "
          "keyUsage=critical,keyCertSign,cRLSign");
  for (const std::string name : {"hss", "cnn"}) {
    std::ofstream(dir / (name + ".ext"))
        << "subjectAltName=DNS:" << name << ".kmebind.test\nbasicConstraints=CA:FALSE\n"
        << "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n";
    ok = ok &&
         run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + name +
             ".key") &&
         run("openssl req -new -key " + name + ".key -subj '/CN=" + name + ".kmebind.test' -out " +
             name + ".csr") &&
         run("openssl x509 -req -in " + name +
             ".csr -CA ca.pem -CAkey ca.key -CAcreateserial "
             "-days 2 -extfile " +
             name + ".ext -out " + name + ".pem");
  }
  return ok;
}

TEST_F(DaemonProcess, HssAndCnnOverMutualTls) {
  ASSERT_TRUE(make_pki(dir_));
  auto tls = [&](const std::string& name) {
    return "tls\n  tls: {cert: " + (dir_ / (name + ".pem")).string() +
           ", key: " + (dir_ / (name + ".key")).string() + ", ca: " + (dir_ / "ca.pem").string() +
           "}";
  };
  auto hss = start("hss", write_config("hss.yaml", hss_yaml("", tls("hss"))));
  auto hss_ready = hss->read_line(15s);
  ASSERT_TRUE(hss_ready) << slurp(dir_ / "hss.err") << slurp(dir_ / "hss.log");
  EXPECT_TRUE(contains(*hss_ready, "/tls identity=hss.kmebind.test")) << *hss_ready;
  auto cnn = start("cnn", write_config("cnn.yaml", cnn_yaml("cnn.kmebind.test", tls("cnn"))));
  auto ready = cnn->read_line(20s);
  ASSERT_TRUE(ready) << slurp(dir_ / "cnn.err") << slurp(dir_ / "cnn.log");
  EXPECT_TRUE(contains(*ready, " peers_up=1/1 ")) << *ready << slurp(dir_ / "cnn.log");
  EXPECT_TRUE(contains(slurp(dir_ / "hss.log"), "accepted peer 'cnn.kmebind.test' over TLS"));
  cnn->signal(SIGTERM);
  EXPECT_EQ(cnn->wait(kStopTimeout), 0);
  hss->signal(SIGTERM);
  EXPECT_EQ(hss->wait(kStopTimeout), 0);
}

TEST_F(DaemonProcess, HssRefusesACnnNotOnItsAllowListAndCountsIt) {
  auto hss = start("hss", write_config("hss.yaml", hss_yaml()));
  ASSERT_TRUE(hss->read_line(15s)) << slurp(dir_ / "hss.err") << slurp(dir_ / "hss.log");
  std::string yaml = cnn_yaml("intruder.kmebind.test");
  yaml.replace(yaml.find("connect_wait_ms: 8000"), 21, "connect_wait_ms: 3000");
  auto cnn = start("cnn", write_config("cnn.yaml", yaml));
  auto ready = cnn->read_line(15s);
  ASSERT_TRUE(ready) << slurp(dir_ / "cnn.err");
  EXPECT_TRUE(contains(*ready, " peers_up=0/1 ")) << *ready;
  const std::string text =
      scrape_until(hss_metrics_, "kmebind_diameter_peer_refusals_total{reason=\"unknown\"}", 1);
  EXPECT_GE(metric(text, "kmebind_diameter_peer_refusals_total{reason=\"unknown\"}").value_or(0),
            1.0)
      << text;
  EXPECT_EQ(metric(text, "kmebind_diameter_peers_up"), 0.0) << text;
  cnn->signal(SIGTERM);
  EXPECT_EQ(cnn->wait(kStopTimeout), 0);
  hss->signal(SIGTERM);
  EXPECT_EQ(hss->wait(kStopTimeout), 0);
}

}  // namespace
