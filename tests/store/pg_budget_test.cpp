// The PostgreSQL server's connection budget (src/store/pg_budget.h) on a private server with
// max_connections = 20: the server's settings as the server reports them, every client backend
// counted — other roles' sessions too when the store's role may not see their details — and the
// store's own pool told apart from the others.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "pg_private_server.h"
#include "pg_test_util.h"
#include "store/pg_store.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::pg_exec;
using testing::pg_url_with_database;
using testing::PgPrivateServer;

std::unique_ptr<pg::PgStore> open_pg(const std::string& url) {
  auto s = pg::PgStore::open(url, key_of(7), StoreOptions{});
  EXPECT_TRUE(s) << s.error().what();
  return s ? std::move(*s) : nullptr;
}

TEST(PgConnectionBudget, ReportsTheServerSettingsAndCountsOtherSessionsApartFromItsOwn) {
  PgPrivateServer server("-c max_connections=20 -c superuser_reserved_connections=4");
  ASSERT_FALSE(server.url().empty());
  auto store = open_pg(server.url());
  ASSERT_TRUE(store);
  auto before = store->connection_budget();
  ASSERT_TRUE(before) << before.error().what();
  EXPECT_EQ(before->max_connections, 20);
  EXPECT_EQ(before->reserved, 4);
  EXPECT_EQ(before->usable(), 16);
  EXPECT_GE(before->own, 1);
  EXPECT_EQ(before->in_use, before->own);  // nobody else on this server
  EXPECT_EQ(before->free_now(), 16);

  ASSERT_TRUE(server.hold_connections(server.url(), 5));
  auto after = store->connection_budget();
  ASSERT_TRUE(after) << after.error().what();
  EXPECT_EQ(after->in_use, after->own + 5);
  EXPECT_EQ(after->free_now(), 11);
}

// A production HSS logs in as an ordinary role (docs/store.md), to which pg_stat_activity does
// not show the backend_type of a superuser's sessions: they are counted all the same.
TEST(PgConnectionBudget, OrdinaryRoleCountsTheSessionsOfOtherRoles) {
  PgPrivateServer server("-c max_connections=20");
  ASSERT_FALSE(server.url().empty());
  ASSERT_EQ(pg_exec(server.url(), "CREATE ROLE kmebind_hss LOGIN"), "");
  ASSERT_EQ(pg_exec(server.url(), "CREATE DATABASE hss OWNER kmebind_hss"), "");
  std::string url = pg_url_with_database(server.url(), "hss");
  url.replace(url.find("kmebind@"), 8, "kmebind_hss@");
  auto store = open_pg(url);
  ASSERT_TRUE(store);
  ASSERT_TRUE(server.hold_connections(server.url(), 3));  // the superuser's
  auto budget = store->connection_budget();
  ASSERT_TRUE(budget) << budget.error().what();
  EXPECT_EQ(budget->max_connections, 20);
  EXPECT_EQ(budget->reserved, 3);  // the default superuser_reserved_connections
  EXPECT_EQ(budget->in_use, budget->own + 3);
  EXPECT_EQ(budget->free_now(), 14);
}

}  // namespace
}  // namespace kmebind::store
