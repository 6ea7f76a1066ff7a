// PostgreSQL connection pool: a burst of callers on a cold pool opens connections at most
// kMaxConnecting at a time, and every caller is served (by a connection another one opened, or
// by one it opens itself) — no login storm that outlasts the connect timeout on a loaded server.
// Connections idle beyond the idle timeout are closed (their server sessions end), so that a pool
// grown by one stall gives its backends back.
#include "store/pg_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "pg_test_util.h"

namespace kmebind::store::pg {
namespace {

using namespace std::chrono_literals;
using testing::PgTestDatabase;

ConnectSettings settings_for(const PgTestDatabase& db) {
  ConnectSettings settings;
  settings.url = db.url();
  settings.redacted = db.url();
  return settings;
}

// Sessions the server holds on the test database (the counting one is on another database);
// -1 when it cannot be asked.
int server_sessions(const PgTestDatabase& db) {
  PGconn* conn = PQconnectdb(db.server_url().c_str());
  int n = -1;
  if (PQstatus(conn) == CONNECTION_OK) {
    const std::string sql =
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db.name() + "'";
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK) n = std::stoi(PQgetvalue(r, 0, 0));
    PQclear(r);
  }
  PQfinish(conn);
  return n;
}

// The server's session count once it settles at `want` (a backend ends shortly after its client
// said goodbye), or the last count seen within 10 s.
int server_sessions_settled(const PgTestDatabase& db, int want) {
  int n = server_sessions(db);
  for (int i = 0; i < 200 && n != want; ++i) {
    std::this_thread::sleep_for(50ms);
    n = server_sessions(db);
  }
  return n;
}

// Borrows `n` connections at once (the pool must open n), then returns them all.
void burst(ConnectionPool& pool, int n) {
  std::vector<ConnectionPool::Lease> leases;
  for (int i = 0; i < n; ++i) {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease) << lease.error().what();
    leases.push_back(std::move(*lease));
  }
}

TEST(PgPoolTest, BurstOnAColdPoolOpensConnectionsAFewAtATimeAndServesEveryCaller) {
  PgTestDatabase db;
  ASSERT_TRUE(db.ok());
  ConnectSettings settings;
  settings.url = db.url();
  settings.redacted = db.url();
  ConnectionPool pool(settings, 32, std::chrono::seconds(20));
  constexpr int kCallers = 24;
  std::atomic<int> served{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      for (int round = 0; round < 3; ++round) {
        auto lease = pool.acquire();
        if (!lease) {
          ADD_FAILURE() << lease.error().what();
          return;
        }
        auto r = (*lease)->query("SELECT pg_sleep(0.02)");
        if (!r) {
          ADD_FAILURE() << r.error().what();
          return;
        }
        ++served;
      }
    });
  }
  go = true;
  for (auto& t : callers) t.join();
  EXPECT_EQ(served.load(), kCallers * 3);
  EXPECT_GE(pool.peak_connecting(), 1);
  EXPECT_LE(pool.peak_connecting(), ConnectionPool::kMaxConnecting);
}

TEST(PgPoolTest, ConnectionsIdleBeyondTheTimeoutAreClosedWhenOneIsGivenBack) {
  PgTestDatabase db;
  ASSERT_TRUE(db.ok());
  ConnectionPool pool(settings_for(db), 16, 20s, 300ms);
  burst(pool, 6);  // a stall: six store calls at once
  EXPECT_EQ(pool.open_connections(), 6);
  EXPECT_EQ(server_sessions_settled(db, 6), 6);
  std::this_thread::sleep_for(600ms);
  {
    auto lease = pool.acquire();  // the most recently returned; the other five are stale
    ASSERT_TRUE(lease) << lease.error().what();
  }
  EXPECT_EQ(pool.open_connections(), 1);
  EXPECT_EQ(server_sessions_settled(db, 1), 1);  // their backends ended, not just forgotten
  burst(pool, 3);  // opens again on demand
  EXPECT_EQ(pool.open_connections(), 3);
}

TEST(PgPoolTest, ConnectionsInUseWithinTheTimeoutStayOpen) {
  PgTestDatabase db;
  ASSERT_TRUE(db.ok());
  ConnectionPool pool(settings_for(db), 16, 20s, 60s);
  burst(pool, 4);
  for (int i = 0; i < 10; ++i) {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease) << lease.error().what();
  }
  EXPECT_EQ(pool.open_connections(), 4);
  EXPECT_EQ(server_sessions_settled(db, 4), 4);
}

TEST(PgPoolTest, AtLeastOneConnectionStaysOpenHoweverLongItIdles) {
  PgTestDatabase db;
  ASSERT_TRUE(db.ok());
  ConnectionPool pool(settings_for(db), 16, 20s, 1ms);
  burst(pool, 1);
  std::this_thread::sleep_for(20ms);
  burst(pool, 1);
  EXPECT_EQ(pool.open_connections(), 1);
  EXPECT_EQ(server_sessions_settled(db, 1), 1);
}

}  // namespace
}  // namespace kmebind::store::pg
