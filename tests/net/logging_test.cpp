// Logging (docs/operations.md §4): the line format (UTC time, level, role), the level filter,
// the file reopened on a second setup, and secrets that never reach the file.
#include "net/logging.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "common/secret.h"

namespace kmebind::net {
namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = spdlog::default_logger();
    path_ = std::filesystem::temp_directory_path() /
            ("kmebind-net-log-" + std::to_string(::getpid()) + ".log");
    std::filesystem::remove(path_);
  }
  void TearDown() override {
    spdlog::set_default_logger(saved_);
    std::filesystem::remove(path_);
  }
  std::shared_ptr<spdlog::logger> saved_;
  std::filesystem::path path_;
};

TEST(LogLevel, ParsesEveryLevelAndRefusesOthers) {
  EXPECT_EQ(parse_log_level("trace").value(), spdlog::level::trace);
  EXPECT_EQ(parse_log_level("debug").value(), spdlog::level::debug);
  EXPECT_EQ(parse_log_level("info").value(), spdlog::level::info);
  EXPECT_EQ(parse_log_level("warn").value(), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("warning").value(), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("error").value(), spdlog::level::err);
  EXPECT_EQ(parse_log_level("critical").value(), spdlog::level::critical);
  EXPECT_EQ(parse_log_level("off").value(), spdlog::level::off);
  auto bad = parse_log_level("verbose");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("trace, debug, info"), std::string::npos);
}

TEST_F(LoggingTest, LinesCarryUtcTimeLevelAndRoleAndHonourTheLevel) {
  auto logger = setup_logging({"cnn", "info", path_.string()});
  ASSERT_TRUE(logger) << logger.error().what();
  spdlog::debug("hidden {}", 1);
  spdlog::info("attach accepted ue={}", 42);
  spdlog::warn("peer slow");
  // Flushed line by line: readable without closing the logger.
  const std::string text = read_text(path_);
  std::istringstream lines(text);
  std::string line;
  std::vector<std::string> all;
  while (std::getline(lines, line)) all.push_back(line);
  ASSERT_EQ(all.size(), 2u) << text;
  const std::regex format(
      R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 (info|warning) cnn: .+$)");
  for (const auto& l : all) EXPECT_TRUE(std::regex_match(l, format)) << l;
  EXPECT_TRUE(all[0].ends_with(" info cnn: attach accepted ue=42")) << all[0];
  EXPECT_TRUE(all[1].ends_with(" warning cnn: peer slow")) << all[1];
}

TEST_F(LoggingTest, SecretsAreRedactedInEveryForm) {
  ASSERT_TRUE(setup_logging({"hss", "trace", path_.string()}));
  const SecretBytes kme(from_hex("00112233445566778899aabbccddeeff").value());
  const Bytes raw_key = from_hex("deadbeefdeadbeefdeadbeefdeadbeef").value();
  spdlog::info("kme {} other {}", kme, redacted(raw_key));
  spdlog::info("pdu {}", log_hex(from_hex("0741710809101010").value(), 4));
  spdlog::info("short {}", log_hex(from_hex("0741").value()));
  const std::string text = read_text(path_);
  EXPECT_EQ(text.find("00112233"), std::string::npos) << text;
  EXPECT_EQ(text.find("deadbeef"), std::string::npos) << text;
  EXPECT_NE(text.find("kme <redacted> other <redacted>"), std::string::npos) << text;
  EXPECT_NE(text.find("pdu 8 octets 07417108…"), std::string::npos) << text;
  EXPECT_NE(text.find("short 2 octets 0741\n"), std::string::npos) << text;
}

TEST_F(LoggingTest, SecondSetupReopensTheFileAfterRotation) {
  ASSERT_TRUE(setup_logging({"sim", "info", path_.string()}));
  spdlog::info("before rotation");
  const auto rotated = path_.string() + ".1";
  std::filesystem::rename(path_, rotated);
  ASSERT_TRUE(setup_logging({"sim", "info", path_.string()}));  // what SIGHUP does
  spdlog::info("after rotation");
  EXPECT_NE(read_text(rotated).find("before rotation"), std::string::npos);
  const std::string fresh = read_text(path_);
  EXPECT_NE(fresh.find("after rotation"), std::string::npos);
  EXPECT_EQ(fresh.find("before rotation"), std::string::npos);
  std::filesystem::remove(rotated);
}

TEST_F(LoggingTest, BadLevelOrUnwritableFileLeavesThePreviousLogger) {
  ASSERT_TRUE(setup_logging({"cnn", "info", path_.string()}));
  auto before = spdlog::default_logger();
  auto bad_level = setup_logging({"cnn", "loud", path_.string()});
  ASSERT_FALSE(bad_level);
  EXPECT_EQ(bad_level.error().code(), Code::kInvalidArgument);
  const auto missing_dir =
      path_.parent_path() / ("kmebind-no-such-dir-" + std::to_string(::getpid()));
  auto bad_file = setup_logging({"cnn", "info", (missing_dir / "x.log").string()});
  ASSERT_FALSE(bad_file);
  EXPECT_EQ(bad_file.error().code(), Code::kIo);
  EXPECT_NE(bad_file.error().message().find("does not exist"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(missing_dir)) << "no directory may be created";
  auto under_file = setup_logging({"cnn", "info", (path_ / "x.log").string()});  // path_ is a file
  ASSERT_FALSE(under_file);
  EXPECT_EQ(under_file.error().code(), Code::kIo);
  EXPECT_EQ(spdlog::default_logger(), before);
}

}  // namespace
}  // namespace kmebind::net
