// What a new operator trips on first, through the built binary (KMEBIND_BINARY): a daemon given a
// wrong TLS file, a capture or device file that is not there, a demo given a bad option. Each must
// fail at once with the documented exit code (2 usage, 3 configuration, docs/daemons.md §1) and
// one line on stderr naming the file, line and key, or the option, and leave nothing behind.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "network_harness.h"

namespace kmebind::test {
namespace {

using namespace std::chrono_literals;

// Exactly one line, with the text.
::testing::AssertionResult one_line_with(const std::string& err, const std::string& text) {
  if (err.empty() || err.back() != '\n' || err.find('\n') != err.size() - 1) {
    return ::testing::AssertionFailure() << "not one line: " << err;
  }
  if (!contains(err, text)) {
    return ::testing::AssertionFailure() << "no '" << text << "' in " << err;
  }
  return ::testing::AssertionSuccess();
}

bool is_empty_dir(const fs::path& dir) {
  return fs::is_directory(dir) && fs::directory_iterator(dir) == fs::directory_iterator();
}

// `kmebind demo` with TMPDIR pointed at an empty directory, which must stay empty.
class DemoUsage : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(tmpdir_); }
  CliResult demo(std::vector<std::string> args) {
    args.insert(args.begin(), "demo");
    return run_kmebind(dir_.path(), "demo", std::move(args), 30s, {"TMPDIR=" + tmpdir_.string()});
  }
  TempDir dir_;
  fs::path tmpdir_ = dir_ / "tmp";
};

TEST_F(DemoUsage, BadLogLevelIsAUsageErrorBeforeAnythingIsCreated) {
  CliResult r = demo({"--log-level", "verbose"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(one_line_with(r.err, "kmebind demo: --log-level: log level 'verbose' is not one of"));
  EXPECT_TRUE(is_empty_dir(tmpdir_));
}

TEST_F(DemoUsage, PcapInADirectoryThatDoesNotExistIsAUsageError) {
  CliResult r = demo({"--pcap", "/nonexistent-kmebind/demo.pcap"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(one_line_with(r.err, "kmebind demo: --pcap: directory /nonexistent-kmebind does "
                                   "not exist"));
  EXPECT_TRUE(is_empty_dir(tmpdir_));
}

TEST_F(DemoUsage, InProcessRefusesOptionsOnlyTheDaemonsUse) {
  for (const std::vector<std::string>& option : {std::vector<std::string>{"--violations", "3"},
                                                 {"--max-in-flight", "10"},
                                                 {"--log-level", "debug"},
                                                 {"--diameter-port", "3868"},
                                                 {"--nas-port", "36412"}}) {
    CliResult r = demo({"--in-process", option[0], option[1]});
    EXPECT_EQ(r.code, 2) << option[0];
    EXPECT_TRUE(one_line_with(r.err, "kmebind demo: " + option[0] +
                                         " applies to the daemons' demo only: not with "
                                         "--in-process"));
  }
  EXPECT_TRUE(is_empty_dir(tmpdir_));
}

TEST_F(DemoUsage, NegativeCountsAreUsageErrorsNotHugeNumbers) {
  for (const std::string option : {"--ues", "--violations", "--max-in-flight"}) {
    CliResult r = demo({option, "-1"});
    EXPECT_EQ(r.code, 2) << option;
    EXPECT_TRUE(one_line_with(r.err, option + ": expected a count (0 or more), got -1")) << option;
  }
  for (const std::string option : {"--ues", "--violations", "--max-in-flight", "--timeout"}) {
    CliResult r = run_kmebind(dir_.path(), "sim", {"sim", "--config", "sim.yaml", option, "-1"});
    EXPECT_EQ(r.code, 2) << option;
    EXPECT_TRUE(one_line_with(r.err, option + ": expected a count (0 or more), got -1")) << option;
  }
  EXPECT_TRUE(is_empty_dir(tmpdir_));
}

// A working directory from `demo --prepare`, whose files the tests break one at a time.
class DaemonStartupErrors : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(prepare_demo_dir(work_, 4, 2)); }
  CliResult run(const std::string& role) {
    return run_kmebind(dir_.path(), role, {role, "--config", (work_ / (role + ".yaml")).string()},
                       30s);
  }
  TempDir dir_;
  fs::path work_ = dir_ / "work";
};

TEST_F(DaemonStartupErrors, HssWithTheKeyOfAnotherCertificateExitsThreeNamingTlsKey) {
  ASSERT_TRUE(replace_in_file(work_ / "hss.yaml", (work_ / "hss.key").string(),
                              (work_ / "cnn.key").string()));
  CliResult r = run("hss");
  EXPECT_EQ(r.code, 3);
  EXPECT_TRUE(one_line_with(r.err, "kmebind hss: " + (work_ / "hss.yaml").string() +
                                       ":10: diameter.tls.key: " + (work_ / "cnn.key").string() +
                                       " is not the private key of the certificate"));
  EXPECT_EQ(r.out, "");  // no ready line
  EXPECT_FALSE(fs::exists(work_ / "hss.log"));  // stopped before logging was set up
}

TEST_F(DaemonStartupErrors, CnnWithAMissingCaFileExitsThreeNamingTlsCa) {
  ASSERT_TRUE(replace_in_file(work_ / "cnn.yaml", (work_ / "ca.pem").string(),
                              (work_ / "gone.pem").string()));
  CliResult r = run("cnn");
  EXPECT_EQ(r.code, 3);
  EXPECT_TRUE(one_line_with(r.err, "kmebind cnn: " + (work_ / "cnn.yaml").string() +
                                       ":6: diameter.tls.ca: " + (work_ / "gone.pem").string() +
                                       " is not readable: No such file or directory"));
  EXPECT_EQ(r.out, "");
}

TEST_F(DaemonStartupErrors, CnnWithAPcapInADirectoryThatDoesNotExistExitsThreeNamingPcapFile) {
  write_file(work_ / "cnn.yaml",
             slurp(work_ / "cnn.yaml") + "pcap: {file: /nonexistent-kmebind/cnn.pcap}\n");
  CliResult r = run("cnn");
  EXPECT_EQ(r.code, 3);
  EXPECT_TRUE(one_line_with(r.err, ": pcap.file: directory /nonexistent-kmebind of "
                                   "/nonexistent-kmebind/cnn.pcap does not exist"));
  EXPECT_EQ(r.out, "");
}

TEST_F(DaemonStartupErrors, CheckValidatesTheConfigurationWithoutStartingTheDaemon) {
  for (const std::string role : {"hss", "cnn"}) {
    const std::string config = (work_ / (role + ".yaml")).string();
    CliResult ok = run_kmebind(dir_.path(), role, {role, "--config", config, "--check"}, 30s);
    EXPECT_EQ(ok.code, 0) << ok.err;
    EXPECT_TRUE(ok.out.starts_with("kmebind " + role + ": " + config + ": configuration valid"))
        << ok.out;
    EXPECT_EQ(ok.err, "");
    EXPECT_FALSE(fs::exists(work_ / (role + ".log"))) << "--check started " << role;
  }
  fs::permissions(work_ / "cookie-1.key", fs::perms::group_read, fs::perm_options::add);
  CliResult loose = run_kmebind(dir_.path(), "hss",
                                {"hss", "--config", (work_ / "hss.yaml").string(), "--check"}, 30s);
  EXPECT_EQ(loose.code, 3);
  EXPECT_TRUE(one_line_with(loose.err, ": cookie_keys[0].key_file: " +
                                           (work_ / "cookie-1.key").string() +
                                           " is accessible to group or others; chmod 600 it"));
  EXPECT_EQ(loose.out, "");
  ASSERT_TRUE(replace_in_file(work_ / "cnn.yaml", (work_ / "cnn.key").string(),
                              (work_ / "hss.key").string()));
  CliResult wrong = run_kmebind(dir_.path(), "cnn",
                                {"cnn", "--config", (work_ / "cnn.yaml").string(), "--check"}, 30s);
  EXPECT_EQ(wrong.code, 3);
  EXPECT_TRUE(one_line_with(wrong.err, ": diameter.tls.key: " + (work_ / "hss.key").string() +
                                           " is not the private key of the certificate"));
}

TEST_F(DaemonStartupErrors, SimNamesTheKeyOfAMissingDeviceFileAndOfABadPlmn) {
  const std::string config = (work_ / "sim.yaml").string();
  ASSERT_TRUE(replace_in_file(work_ / "sim.yaml", "plmn: \"001-01\"", "plmn: \"001-1\""));
  CliResult plmn = run_kmebind(dir_.path(), "sim", {"sim", "--config", config}, 30s);
  EXPECT_EQ(plmn.code, 3);
  EXPECT_TRUE(one_line_with(plmn.err, "kmebind sim: " + config + ":7: ue.plmn: PLMN \"001-1\""));
  ASSERT_TRUE(replace_in_file(work_ / "sim.yaml", "plmn: \"001-1\"", "plmn: \"001-01\""));
  fs::rename(work_ / "devices.json", work_ / "devices.json.moved");
  CliResult devices = run_kmebind(dir_.path(), "sim", {"sim", "--config", config}, 30s);
  EXPECT_EQ(devices.code, 3);
  EXPECT_TRUE(one_line_with(devices.err, "kmebind sim: " + config + ":15: devices.file: " +
                                             (work_ / "devices.json").string() +
                                             ": no such device file (write one with `kmebind "
                                             "admin generate`)"));
}

// The first word is not a command: say which word, and list the commands.
TEST(CliUsage, UnknownCommandIsNamedWithTheCommandList) {
  TempDir dir;
  CliResult r = run_kmebind(dir.path(), "foo", {"frobnicate"}, 30s);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(one_line_with(r.err, "kmebind: unknown command 'frobnicate'; the commands are demo"));
}

// A missing option of a sub-subcommand names the whole command path, not just "kmebind".
TEST(CliUsage, MissingOptionNamesTheSubcommandItBelongsTo) {
  TempDir dir;
  CliResult r = run_kmebind(dir.path(), "crypto", {"crypto", "milenage"}, 30s);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(one_line_with(r.err, "kmebind crypto milenage: --k: missing (required)"));
}

// Usage lines show "kmebind", not the path the binary was started by.
TEST(CliUsage, HelpShowsTheProgramNameNotItsPath) {
  TempDir dir;
  CliResult r = run_kmebind(dir.path(), "help", {"hss", "--help"}, 30s);
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "Usage: kmebind hss [OPTIONS]")) << r.out;
}

}  // namespace
}  // namespace kmebind::test
