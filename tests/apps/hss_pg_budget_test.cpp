// `kmebind hss` on a PostgreSQL store checks the server's connection budget at start
// (apps/kmebind/store_budget.h, docs/daemons.md §1): on a private server with max_connections = 20
// (17 for a login role), a pool the server cannot hold is refused with exit 3 naming hss.workers
// and the server's figures; a pool larger than what other sessions leave free starts with one
// warning in the log; a pool that fits starts without it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <regex>

#include "apps/network_harness.h"
#include "store/pg_private_server.h"
#include "test_ports.h"

namespace kmebind::test {
namespace {

using store::testing::PgPrivateServer;

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class HssPgBudget : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<PgPrivateServer>("-c max_connections=20");
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    ASSERT_FALSE(server_->url().empty());
    server_->release_connections();
    // A database per test on the suite's server, with a store in it.
    db_ = "hss_budget_" + std::to_string(++databases_);
    ASSERT_EQ(pg_exec_on_server("CREATE DATABASE " + db_), "");
    CliResult init = run_kmebind(
        dir_.path(), "init",
        {"admin", "--store", url(), "--key-file", (dir_ / "kmebind.key").string(), "init"},
        std::chrono::seconds(60));
    ASSERT_EQ(init.code, 0) << init.out << init.err;
    write_file(dir_ / "cookie-1.key",
               "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
    fs::permissions(dir_ / "cookie-1.key", fs::perms::owner_read | fs::perms::owner_write);
  }

  std::string url() const {
    std::string u = server_->url();
    return u.substr(0, u.rfind('/')) + "/" + db_;
  }
  static std::string pg_exec_on_server(const std::string& sql) {
    PGconn* c = PQconnectdb(server_->url().c_str());
    std::string error;
    if (PQstatus(c) != CONNECTION_OK) {
      error = PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, sql.c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQerrorMessage(c);
      PQclear(r);
    }
    PQfinish(c);
    return error;
  }

  void write_hss_yaml(unsigned workers) {
    write_file(dir_ / "hss.yaml",
               "store:\n"
               "  location: " +
                   url() + "\n  key_file: " + (dir_ / "kmebind.key").string() +
                   "\n"
                   "cookie_keys:\n"
                   "  - {id: 1, key_file: " +
                   (dir_ / "cookie-1.key").string() +
                   ", state: active}\n"
                   "diameter:\n"
                   "  identity: hss.kmebind.test\n"
                   "  realm: kmebind.test\n"
                   "  listen: {address: 127.0.0.1, port: " +
                   std::to_string(free_loopback_port()) +
                   "}\n"
                   "  transport: tcp\n"
                   "  allowed_peers: [cnn.kmebind.test]\n"
                   "hss:\n"
                   "  workers: " +
                   std::to_string(workers) +
                   "\n"
                   "log: {level: info, file: " +
                   (dir_ / "hss.log").string() + "}\n");
  }

  // Starts the HSS, expects its ready line, stops it with SIGTERM (exit 0); its log.
  std::string run_until_ready() {
    std::string ready;
    auto hss = start_daemon(dir_.path(), "hss", &ready);
    if (hss == nullptr) return "";
    EXPECT_TRUE(contains(ready, "identity=hss.kmebind.test")) << ready;
    hss->signal(SIGTERM);
    EXPECT_EQ(hss->wait(std::chrono::seconds(30)), 0);
    return slurp(dir_ / "hss.log");
  }

  static std::unique_ptr<PgPrivateServer> server_;
  static int databases_;
  TempDir dir_;
  std::string db_;
};

std::unique_ptr<PgPrivateServer> HssPgBudget::server_;
int HssPgBudget::databases_ = 0;

TEST_F(HssPgBudget, PoolTheServerCannotHoldRefusesToStartNamingHssWorkers) {
  write_hss_yaml(16);  // a pool of 18 > 20 - 3
  CliResult r = run_kmebind(dir_.path(), "hss", {"hss", "--config", (dir_ / "hss.yaml").string()},
                            std::chrono::seconds(60));
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_FALSE(contains(r.out, "ready")) << r.out;
  const std::regex expected(
      "kmebind hss: [^\\n]*hss\\.yaml:13: hss\\.workers: the store's connection pool opens up to "
      "18 connections \\(hss\\.workers 16 \\+ 2, at most 64\\), more than the PostgreSQL server "
      "allows: postgresql://kmebind@127\\.0\\.0\\.1:[0-9]+/" +
      db_ +
      " has max_connections 20, 3 of them reserved \\([^)]*\\), so 17 for kmebind; set "
      "hss\\.workers to 15 or less, raise max_connections on the server, or put PgBouncer in "
      "session mode in front \\(docs/scaling\\.md \"Connections\"\\)\\n");
  EXPECT_TRUE(std::regex_search(r.err, expected)) << r.err;
  EXPECT_TRUE(contains(slurp(dir_ / "hss.log"), "hss.workers: the store's connection pool"));
}

TEST_F(HssPgBudget, PoolLargerThanWhatOthersLeaveFreeStartsWithOneWarning) {
  write_hss_yaml(8);  // a pool of 10; 17 - 9 held elsewhere = 8 free
  ASSERT_TRUE(server_->hold_connections(server_->url(), 9));
  const std::string log = run_until_ready();
  EXPECT_EQ(count_of(log, "PostgreSQL connection budget: "), 1u) << log;
  EXPECT_TRUE(contains(log,
                       "the store's pool opens up to 10 connections (hss.workers 8 + 2, at most "
                       "64) but 8 are free now: "))
      << log;
  EXPECT_TRUE(contains(log, "and other sessions hold 9; ")) << log;
}

TEST_F(HssPgBudget, PoolThatFitsStartsWithoutAWarning) {
  write_hss_yaml(8);
  ASSERT_TRUE(server_->hold_connections(server_->url(), 7));  // 10 free for a pool of 10
  const std::string log = run_until_ready();
  EXPECT_TRUE(contains(log, "serving hss.kmebind.test")) << log;
  EXPECT_FALSE(contains(log, "connection budget")) << log;
}

}  // namespace
}  // namespace kmebind::test
