// PostgreSQL connection pool: a burst of callers on a cold pool opens connections at most
// kMaxConnecting at a time, and every caller is served (by a connection another one opened, or
// by one it opens itself) — no login storm that outlasts the connect timeout on a loaded server.
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

using testing::PgTestDatabase;

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

}  // namespace
}  // namespace kmebind::store::pg
