// PostgreSQL engine, broken connections and busy rows: a terminated backend is replaced without
// the caller noticing (the transaction had not committed: retried once), a server that is down
// fails calls kUnavailable changing nothing and the store recovers when it is back, a server that
// crashes keeps every SQN advance it acknowledged, and a row locked longer than the busy timeout
// fails kUnavailable.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "pg_test_util.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::PgTestDatabase;
using testing::sample_subscriber;
using testing::TempDir;

constexpr const char* kImsi = "001010000000001";

const std::string kScript =
    std::string(KMEBIND_TEST_VECTORS_DIR) + "/../../scripts/pg-test-server.sh";

// Runs the test server script; its exit status.
// The server is tied to this process: if the test dies, the script's watcher stops it.
int script(const std::string& args) {
  return std::system(("KMEBIND_PG_TEST_OWNER_PID=" + std::to_string(::getpid()) + " " + kScript +
                      " " + args + " >/dev/null")
                         .c_str());
}

// A private server (this test stops and starts it), removed at the end whatever happens.
class PrivateServer {
 public:
  PrivateServer() {
    if (script("start " + dir_.file("pg") + " 0") != 0) {
      ADD_FAILURE() << "cannot start a private PostgreSQL server with " << kScript;
      return;
    }
    std::FILE* f = std::fopen(dir_.file("pg/url").c_str(), "r");
    char buf[256] = {};
    if (f != nullptr && std::fgets(buf, sizeof buf, f) != nullptr) url_ = buf;
    if (f != nullptr) std::fclose(f);
    while (!url_.empty() && (url_.back() == '\n' || url_.back() == '\r')) url_.pop_back();
  }
  ~PrivateServer() { (void)script("stop " + dir_.file("pg")); }
  const std::string& url() const { return url_; }
  bool halt() { return script("halt " + dir_.file("pg")) == 0; }
  // Immediate shutdown (SIGQUIT to the postmaster: no checkpoint, backends killed mid-statement,
  // recovery from the WAL at the next start); true once the postmaster is gone.
  bool crash() {
    std::ifstream pid_file(dir_.file("pg/data/postmaster.pid"));
    long pid = 0;
    if (!(pid_file >> pid) || pid <= 1) return false;
    if (::kill(static_cast<pid_t>(pid), SIGQUIT) != 0) return false;
    for (int i = 0; i < 600 && ::kill(static_cast<pid_t>(pid), 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return ::kill(static_cast<pid_t>(pid), 0) != 0;
  }
  bool resume() { return script("resume " + dir_.file("pg")) == 0; }

 private:
  TempDir dir_;
  std::string url_;
};

std::unique_ptr<SubscriberStore> open_pg(const std::string& url, int busy_timeout_ms = 5000) {
  StoreOptions options;
  options.busy_timeout_ms = busy_timeout_ms;
  auto s = open_store(url, key_of(7), options);
  EXPECT_TRUE(s) << s.error().what();
  return s ? std::move(*s) : nullptr;
}

TEST(PgReconnectTest, TerminatedBackendsAreReplacedAndNoSqnIsLostOrRepeated) {
  PgTestDatabase db;
  ASSERT_TRUE(db.ok());
  auto store = open_pg(db.url());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->add_subscriber(sample_subscriber(kImsi)));  // SQN 32
  // Several pooled connections, then every backend of the database is killed.
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(*store->advance_sqn(kImsi, 1), 33u + static_cast<unsigned>(round) * 2);
    ASSERT_EQ(db.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                      db.name() + "' AND pid <> pg_backend_pid()"),
              "");
    auto next = store->advance_sqn(kImsi, 1);
    ASSERT_TRUE(next) << next.error().what();
    EXPECT_EQ(*next, 34u + static_cast<unsigned>(round) * 2);
  }
  EXPECT_EQ(store->get_subscriber(kImsi)->sqn, 38u);
}

TEST(PgReconnectTest, ServerDownFailsUnavailableChangingNothingAndTheStoreRecovers) {
  PrivateServer server;
  ASSERT_FALSE(server.url().empty());
  auto store = open_pg(server.url(), 2000);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->add_subscriber(sample_subscriber(kImsi)));
  ASSERT_EQ(*store->advance_sqn(kImsi, 32), 64u);

  ASSERT_TRUE(server.halt());
  auto sqn = store->advance_sqn(kImsi, 32);
  ASSERT_FALSE(sqn);
  EXPECT_EQ(sqn.error().code(), Code::kUnavailable) << sqn.error().what();
  auto kme = store->store_kme(kImsi, "35209900176148", key_of(1), kKmeProcedure2, "hss", 0u);
  ASSERT_FALSE(kme);
  EXPECT_EQ(kme.error().code(), Code::kUnavailable) << kme.error().what();
  EXPECT_EQ(store->get_subscriber(kImsi).error().code(), Code::kUnavailable);

  ASSERT_TRUE(server.resume());
  auto after = store->advance_sqn(kImsi, 32);
  ASSERT_TRUE(after) << after.error().what();
  EXPECT_EQ(*after, 96u);  // the failed call changed nothing
  EXPECT_EQ(store->list_audit({})->size(), 1u);
}

// advance_sqn and reserve_sqn return after their COMMIT was flushed (synchronous_commit on): a
// server crash in the middle of a stream of advances from four threads (two of each) loses none
// that a caller was given.
TEST(PgReconnectTest, ServerCrashKeepsEveryAcknowledgedSqnAdvance) {
  PrivateServer server;
  ASSERT_FALSE(server.url().empty());
  std::uint64_t acknowledged = 0;
  {
    auto store = open_pg(server.url(), 2000);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->add_subscriber(sample_subscriber(kImsi)));
    std::atomic<std::uint64_t> highest{0};
    std::atomic<int> answered{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (;;) {
          Result<std::uint64_t> sqn = fail(Code::kInternal, "not run");
          if (t % 2 == 0) {
            sqn = store->advance_sqn(kImsi, 32);
          } else if (auto r = store->reserve_sqn(kImsi, 32, true)) {
            sqn = r->last_sqn;
          } else {
            sqn = std::unexpected(r.error());
          }
          if (!sqn) return;  // the server is gone
          ++answered;
          std::uint64_t seen = highest.load();
          while (*sqn > seen && !highest.compare_exchange_weak(seen, *sqn)) {
          }
        }
      });
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (answered.load() < 200 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const bool crashed = server.crash();
    for (auto& t : threads) t.join();
    ASSERT_TRUE(crashed);
    acknowledged = highest.load();
  }
  ASSERT_TRUE(server.resume());
  auto store = open_pg(server.url(), 2000);
  ASSERT_TRUE(store);
  auto sub = store->get_subscriber(kImsi);
  ASSERT_TRUE(sub) << sub.error().what();
  EXPECT_GE(sub->sqn, acknowledged);
  EXPECT_GT(acknowledged, 32u * 200);
}

TEST(PgReconnectTest, RowLockedBeyondTheBusyTimeoutFailsUnavailable) {
  PgTestDatabase db;
  ASSERT_TRUE(db.ok());
  auto store = open_pg(db.url(), 300);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->add_subscriber(sample_subscriber(kImsi)));
  // Another session holds the subscriber's row.
  PGconn* other = PQconnectdb(db.url().c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK);
  PQclear(PQexec(other, "BEGIN"));
  PGresult* locked = PQexec(
      other,
      ("SELECT 1 FROM subscribers WHERE imsi = '" + std::string(kImsi) + "' FOR UPDATE").c_str());
  ASSERT_EQ(PQresultStatus(locked), PGRES_TUPLES_OK);
  PQclear(locked);
  auto busy = store->advance_sqn(kImsi, 1);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code(), Code::kUnavailable);
  EXPECT_NE(busy.error().message().find("store busy"), std::string::npos) << busy.error().message();
  EXPECT_EQ(store->get_subscriber(kImsi)->sqn, 32u);  // reads are not blocked
  PQclear(PQexec(other, "ROLLBACK"));
  PQfinish(other);
  EXPECT_EQ(*store->advance_sqn(kImsi, 1), 33u);
}

}  // namespace
}  // namespace kmebind::store
