// `kmebind admin` on a PostgreSQL store: init, subscriber add, bindings, export/import round trip
// (PostgreSQL -> PostgreSQL and PostgreSQL -> SQLite give the same file), and a password in the
// --store URL never reaching the terminal. Each test uses its own database on the ctest fixture's
// server (tests/pg_fixture.cmake).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "store/pg_test_util.h"
#include "store/schema.h"

namespace {

namespace fs = std::filesystem;
using kmebind::store::testing::PgTestDatabase;

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

class AdminPg : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("kmebind-admin-pg-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  CliRun run(const std::string& args) {
    const fs::path out = dir_ / ".stdout";
    const fs::path err = dir_ / ".stderr";
    const std::string line = "cd '" + dir_.string() + "' && env -u KMEBIND_MASTER_KEY '" +
                             KMEBIND_BINARY + "' " + args + " >'" + out.string() + "' 2>'" +
                             err.string() + "' </dev/null";
    const int status = std::system(line.c_str());
    CliRun r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }
  CliRun ok(const std::string& args) {
    CliRun r = run(args);
    EXPECT_EQ(r.code, 0) << args << "\nstdout: " << r.out << "\nstderr: " << r.err;
    return r;
  }
  std::string pg() const { return "admin --store '" + db_.url() + "' --key-file pg.key "; }

  PgTestDatabase db_;
  fs::path dir_;
};

TEST_F(AdminPg, InitAddAndExportOnAPostgresStore) {
  CliRun init = ok(pg() + "init");
  EXPECT_TRUE(contains(init.out, "store: " + db_.url() + " (schema version " +
                                     std::to_string(kmebind::store::kSchemaVersion) + ")"))
      << init.out;
  EXPECT_TRUE(fs::exists(dir_ / "import-public.pem"));  // next to the key file
  // A second init finds the store and leaves key file and store alone.
  CliRun again = run("admin --store '" + db_.url() + "' --key-file other.key init");
  EXPECT_EQ(again.code, 1);
  EXPECT_TRUE(contains(again.err, "exists already")) << again.err;
  EXPECT_FALSE(fs::exists(dir_ / "other.key"));

  ok(pg() +
     "subscriber add --imsi 001010000000001 --k 000102030405060708090a0b0c0d0e0f "
     "--opc 101112131415161718191a1b1c1d1e1f --sqn 64 --binding kme-required --procedures 2");
  ok(pg() +
     "subscriber add --imsi 001010000000002 --k 202122232425262728292a2b2c2d2e2f "
     "--opc 303132333435363738393a3b3c3d3e3f");
  ok(pg() + "binding allow --imsi 001010000000001 --imei 35209900176148");
  CliRun show = ok(pg() + "subscriber show --imsi 001010000000001 --reveal");
  EXPECT_TRUE(contains(show.out, "k: 000102030405060708090a0b0c0d0e0f\n")) << show.out;
  EXPECT_TRUE(contains(show.out, "imeis: 35209900176148\n")) << show.out;
  EXPECT_EQ(ok(pg() + "subscriber list").out, "001010000000001\n001010000000002\n");
  EXPECT_EQ(run(pg() + "subscriber add --imsi 001010000000001 --k 000102030405060708090a0b0c0d0e0f "
                       "--opc 101112131415161718191a1b1c1d1e1f")
                .code,
            1);  // exists

  ok(pg() + "export --format csv --file pg.csv --reveal-keys");
  const std::string exported = slurp(dir_ / "pg.csv");
  EXPECT_TRUE(contains(exported, "001010000000001,000102030405060708090a0b0c0d0e0f,")) << exported;

  // Into a second PostgreSQL database and into SQLite: both export the same file.
  PgTestDatabase second;
  ASSERT_TRUE(second.ok());
  const std::string pg2 = "admin --store '" + second.url() + "' --key-file pg2.key ";
  ok(pg2 + "init --import-public-out pg2");
  CliRun imp = ok(pg2 + "import --format csv --file pg.csv");
  EXPECT_TRUE(contains(imp.out, "imported 2 subscribers, 1 allowed pairs")) << imp.out;
  ok(pg2 + "export --format csv --file pg2.csv --reveal-keys");
  EXPECT_EQ(slurp(dir_ / "pg2.csv"), exported);
  const std::string lite = "admin --store lite.db --key-file lite.key ";
  ok(lite + "init --import-public-out lite");
  ok(lite + "import --format csv --file pg.csv");
  ok(lite + "export --format csv --file lite.csv --reveal-keys");
  EXPECT_EQ(slurp(dir_ / "lite.csv"), exported);
}

TEST_F(AdminPg, PasswordInTheStoreUrlNeverReachesTheTerminal) {
  ok(pg() + "init");
  std::string with_password = db_.url();
  with_password.replace(with_password.find("kmebind@"), 8, "kmebind:Hunter2Secret@");
  // Trust authentication ignores the password: the store opens...
  CliRun list = ok("admin --store '" + with_password + "' --key-file pg.key subscriber list");
  EXPECT_FALSE(contains(list.out + list.err, "Hunter2Secret"));
  // ...and when it cannot, the message names the location without it.
  std::string unreachable = "postgresql://kmebind:Hunter2Secret@127.0.0.1:1/kmebind";
  CliRun down = run("admin --store '" + unreachable + "' --key-file pg.key subscriber list");
  EXPECT_NE(down.code, 0);
  EXPECT_FALSE(contains(down.out + down.err, "Hunter2Secret")) << down.err;
  EXPECT_TRUE(contains(down.err, "postgresql://kmebind:***@127.0.0.1:1/kmebind")) << down.err;
  CliRun wrong_key = run("admin --store '" + with_password + "' --key-file other.key init");
  EXPECT_FALSE(contains(wrong_key.out + wrong_key.err, "Hunter2Secret")) << wrong_key.err;
}

}  // namespace
