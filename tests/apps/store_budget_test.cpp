// The HSS's PostgreSQL connection budget policy (apps/kmebind/store_budget.h) on given server
// figures: a pool the server cannot hold is refused naming hss.workers and the figures, a pool
// larger than what is free now is a warning, and the pool size follows hss.workers + 2, at most 64.
// The figures as a real server reports them: tests/store/pg_budget_test.cpp; the daemon's exit
// code and log: tests/apps/hss_pg_budget_test.cpp.
#include "store_budget.h"

#include <gtest/gtest.h>

#include <string>

namespace kmebind::app {
namespace {

const std::string kWhere = "hss.yaml:17: hss.workers";
const std::string kServer = "postgresql://kmebind_hss:***@db1/kmebind";

store::pg::ServerConnectionBudget budget(int max, int reserved, int in_use, int own) {
  store::pg::ServerConnectionBudget b;
  b.max_connections = max;
  b.reserved = reserved;
  b.in_use = in_use;
  b.own = own;
  return b;
}

TEST(HssConnectionBudget, PoolIsWorkersPlusTwoAtMost64) {
  EXPECT_EQ(hss_pool_size(1), 3);
  EXPECT_EQ(hss_pool_size(40), 42);
  EXPECT_EQ(hss_pool_size(62), 64);
  EXPECT_EQ(hss_pool_size(64), 64);
  EXPECT_EQ(hss_pool_size(256), 64);
}

TEST(HssConnectionBudget, PoolLargerThanTheServerAllowsIsRefusedNamingWorkersAndFigures) {
  // Two front-ends with the default 64 workers on a stock server (100, 3 reserved) is the case
  // this exists for; one alone fits. Here the server is small enough for one to be refused.
  auto r = check_connection_budget(64, kWhere, kServer, budget(50, 3, 2, 2));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.error().message(),
            "hss.yaml:17: hss.workers: the store's connection pool opens up to 64 connections "
            "(hss.workers 64 + 2, at most 64), more than the PostgreSQL server allows: " +
                kServer +
                " has max_connections 50, 3 of them reserved (superuser_reserved_connections, "
                "reserved_connections), so 47 for kmebind; set hss.workers to 45 or less, raise "
                "max_connections on the server, or put PgBouncer in session mode in front "
                "(docs/scaling.md \"Connections\")");
}

TEST(HssConnectionBudget, PoolThatExactlyFitsTheServerIsAccepted) {
  auto r = check_connection_budget(15, kWhere, kServer, budget(20, 3, 2, 2));  // pool 17
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(*r);
  auto over = check_connection_budget(16, kWhere, kServer, budget(20, 3, 2, 2));  // pool 18
  EXPECT_FALSE(over);
}

TEST(HssConnectionBudget, PoolLargerThanWhatIsFreeNowStartsWithAWarning) {
  // 17 usable, 9 held by others: 8 free for a pool of 10.
  auto r = check_connection_budget(8, kWhere, kServer, budget(20, 3, 11, 2));
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_TRUE(*r);
  EXPECT_EQ(**r,
            "PostgreSQL connection budget: the store's pool opens up to 10 connections "
            "(hss.workers 8 + 2, at most 64) but 8 are free now: " +
                kServer +
                " has max_connections 20, 3 of them reserved (superuser_reserved_connections, "
                "reserved_connections), and other sessions hold 9; store calls will fail with "
                "'too many clients' when the pool grows past that while they last: lower "
                "hss.workers, raise max_connections on the server, or put PgBouncer in session "
                "mode in front (docs/scaling.md \"Connections\")");
}

TEST(HssConnectionBudget, OwnConnectionsAreNotCountedAsTaken) {
  // 10 in use, all of them this pool's: the whole usable budget is there for it.
  auto r = check_connection_budget(15, kWhere, kServer, budget(20, 3, 10, 10));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(*r);
  auto taken = check_connection_budget(15, kWhere, kServer, budget(20, 3, 11, 10));
  ASSERT_TRUE(taken) << taken.error().message();
  EXPECT_TRUE(*taken);
}

TEST(HssConnectionBudget, ServerWithRoomForNoWorkerSuggestsNoWorkerCount) {
  auto r = check_connection_budget(1, kWhere, kServer, budget(5, 3, 0, 0));  // 2 usable, pool 3
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().find("set hss.workers to"), std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("so 2 for kmebind; lower hss.workers"), std::string::npos)
      << r.error().message();
}

}  // namespace
}  // namespace kmebind::app
