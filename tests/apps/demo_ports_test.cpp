// `kmebind demo --diameter-port P --nas-port Q` (docs/demo.md): the working directory's
// configurations put the HSS's Diameter listener on P and the CNN's NAS listener on Q (the tests
// pass ports reserved with test_ports.h; a user whose 3868 is taken picks their own); a port
// that is not 1..65535, the same for both, or taken now is a usage error before anything is made.
// Without them the demo picks two different free ports itself.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <regex>

#include "network_harness.h"

namespace kmebind::test {
namespace {

using namespace std::chrono_literals;

// The first "port: N" after `after` in `text`, or 0.
int port_after(const std::string& text, const std::string& after) {
  const std::size_t at = text.find(after);
  if (at == std::string::npos) return 0;
  std::smatch m;
  const std::string rest = text.substr(at);
  if (!std::regex_search(rest, m, std::regex("port: ([0-9]+)"))) return 0;
  return std::stoi(m[1]);
}

class DemoPorts : public ::testing::Test {
 protected:
  CliResult prepare(std::vector<std::string> extra) {
    std::vector<std::string> args{"demo", "--prepare", "--dir", work_.string(), "--ues", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_kmebind(dir_.path(), "prepare", std::move(args), 60s,
                       {"TMPDIR=" + tmpdir_.string()});
  }
  // One line on stderr, exit 2, and no working directory made.
  ::testing::AssertionResult refused(const CliResult& r, const std::string& message) {
    if (r.code != 2) return ::testing::AssertionFailure() << "exit " << r.code << ": " << r.err;
    if (r.err != "kmebind demo: " + message + "\n")
      return ::testing::AssertionFailure() << "stderr: " << r.err;
    if (fs::exists(work_)) return ::testing::AssertionFailure() << work_ << " was made";
    return ::testing::AssertionSuccess();
  }
  void SetUp() override { fs::create_directories(tmpdir_); }
  TempDir dir_;
  fs::path work_ = dir_ / "work";
  fs::path tmpdir_ = dir_ / "tmp";
};

TEST_F(DemoPorts, GivenPortsAreTheListenersAndPeersOfEveryConfiguration) {
  const std::uint16_t diameter = free_loopback_port(), nas = free_loopback_port();
  ASSERT_NE(diameter, 0);
  ASSERT_NE(nas, 0);
  CliResult r =
      prepare({"--diameter-port", std::to_string(diameter), "--nas-port", std::to_string(nas)});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string hss = slurp(work_ / "hss.yaml"), cnn = slurp(work_ / "cnn.yaml"),
                    sim = slurp(work_ / "sim.yaml");
  EXPECT_EQ(port_after(hss, "diameter:"), diameter) << hss;
  EXPECT_EQ(port_after(cnn, "peers:"), diameter) << cnn;
  EXPECT_EQ(port_after(cnn, "nas:"), nas) << cnn;
  EXPECT_EQ(port_after(sim, "nas:"), nas) << sim;
  // The daemons accept them (and the hss listens there).
  std::string ready;
  auto hss_process = start_daemon(work_, "hss", &ready);
  ASSERT_TRUE(hss_process);
  EXPECT_TRUE(contains(ready, "diameter=127.0.0.1:" + std::to_string(diameter))) << ready;
  auto cnn_process = start_daemon(work_, "cnn", &ready);
  ASSERT_TRUE(cnn_process);
  EXPECT_TRUE(contains(ready, "nas=127.0.0.1:" + std::to_string(nas))) << ready;
}

TEST_F(DemoPorts, WithoutPortsTheDemoPicksTwoDifferentOnes) {
  CliResult r = prepare({});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string cnn = slurp(work_ / "cnn.yaml");
  const int diameter = port_after(cnn, "peers:"), nas = port_after(cnn, "nas:");
  EXPECT_GT(diameter, 0) << cnn;
  EXPECT_GT(nas, 0) << cnn;
  EXPECT_NE(diameter, nas);
  EXPECT_EQ(port_after(slurp(work_ / "hss.yaml"), "diameter:"), diameter);
}

TEST_F(DemoPorts, OnlyOneGivenTheOtherIsPickedDifferent) {
  const std::uint16_t nas = free_loopback_port();
  ASSERT_NE(nas, 0);
  CliResult r = prepare({"--nas-port", std::to_string(nas)});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string cnn = slurp(work_ / "cnn.yaml");
  EXPECT_EQ(port_after(cnn, "nas:"), nas);
  EXPECT_GT(port_after(cnn, "peers:"), 0);
  EXPECT_NE(port_after(cnn, "peers:"), nas);
}

TEST_F(DemoPorts, APortOutsideOneTo65535IsAUsageError) {
  for (const std::string option : {"--diameter-port", "--nas-port"}) {
    for (const std::string value :
         {"0", "-1", "65536", "99999999999", "abc", "80x", "+80", " 80"}) {
      EXPECT_TRUE(refused(prepare({option, value}),
                          option + ": expected a port 1..65535, got '" + value + "'"))
          << option << " " << value;
    }
  }
  EXPECT_TRUE(fs::is_empty(tmpdir_));
}

TEST_F(DemoPorts, TheSamePortForBothIsAUsageError) {
  const std::string port = std::to_string(free_loopback_port());
  EXPECT_TRUE(refused(prepare({"--diameter-port", port, "--nas-port", port}),
                      "--diameter-port and --nas-port: the same port " + port +
                          "; the HSS and the CNN each listen on their own"));
}

TEST_F(DemoPorts, APortSomethingListensOnIsAUsageError) {
  const std::uint16_t port = free_loopback_port();
  ASSERT_NE(port, 0);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  const std::string p = std::to_string(port);
  EXPECT_TRUE(refused(prepare({"--nas-port", p}),
                      "--nas-port: 127.0.0.1:" + p + " is in use; pick another port"));
  EXPECT_TRUE(refused(prepare({"--diameter-port", p}),
                      "--diameter-port: 127.0.0.1:" + p + " is in use; pick another port"));
  ::close(fd);
}

}  // namespace
}  // namespace kmebind::test
