// The SQLite statements an attach runs (store/sqlite_attach_sql.h) on a store at the current
// schema: none builds a temporary table or index inside the statement (EXPLAIN: no
// OpenEphemeral, no sorter), and every table they read is found through an index (EXPLAIN QUERY
// PLAN: SEARCH, never SCAN). The temporary B-trees of the statements before 2026-11-29 (a FROM
// subquery, UPDATE … RETURNING, a CHECK with an IN list) cost the HSS 12–21 % of its CPU per
// attach under load (docs/performance.md "temporary tables inside SQLite statements").
#include "store/sqlite_attach_sql.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sqlite_explain.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

std::vector<std::pair<std::string_view, std::string>> attach_statements() {
  namespace a = sqlite::attach_sql;
  return {{"subscriber", a::subscriber()},
          {"pair_subscriber", a::pair_subscriber()},
          {"sole_pair", a::sole_pair()},
          {"binding", std::string(a::kBinding)},
          {"device", a::device()},
          {"kme", a::kme()},
          {"sqn_read", std::string(a::kSqnRead)},
          {"sqn_write", std::string(a::kSqnWrite)},
          {"kme_store_check", std::string(a::kKmeStoreCheck)},
          {"kme_store", std::string(a::kKmeStore)},
          {"audit", std::string(a::kAudit)},
          {"renewal_mark", std::string(a::kRenewalMark)}};
}

std::vector<std::string> explain(const std::string& path, std::string_view prefix,
                                 const std::string& sql, int column) {
  return testing::sqlite_explain(path, prefix, sql, column);
}

TEST(SqliteAttachSql, NoStatementOfAnAttachBuildsATemporaryTable) {
  testing::TempDir dir;
  const std::string path = dir.file("store.db");
  ASSERT_TRUE(testing::open_or_die(path));  // the current schema, as the HSS opens it
  for (const auto& [name, sql] : attach_statements()) {
    SCOPED_TRACE(std::string(name));
    const auto opcodes = explain(path, "EXPLAIN ", sql, 1);
    ASSERT_FALSE(opcodes.empty());
    for (const std::string& op : opcodes) {
      EXPECT_NE(op, "OpenEphemeral") << sql;
      EXPECT_NE(op, "OpenAutoindex") << sql;
      EXPECT_NE(op, "SorterOpen") << sql;
    }
  }
}

TEST(SqliteAttachSql, EveryTableIsReadThroughAnIndex) {
  testing::TempDir dir;
  const std::string path = dir.file("store.db");
  ASSERT_TRUE(testing::open_or_die(path));
  for (const auto& [name, sql] : attach_statements()) {
    SCOPED_TRACE(std::string(name));
    for (const std::string& step : explain(path, "EXPLAIN QUERY PLAN ", sql, 3)) {
      EXPECT_FALSE(step.starts_with("SCAN")) << sql << "\n  plan step: " << step;
      EXPECT_EQ(step.find("TEMP B-TREE"), std::string::npos) << sql << "\n  plan step: " << step;
    }
  }
}

// The check works: the statements that the fixes replaced are caught by it.
TEST(SqliteAttachSql, TheReplacedStatementsWouldHaveBeenCaught) {
  testing::TempDir dir;
  const std::string path = dir.file("store.db");
  ASSERT_TRUE(testing::open_or_die(path));
  for (const std::string sql :
       {"SELECT s.imsi, n.allowed, n.imei FROM subscribers s, (SELECT count(*) AS allowed, "
        "min(imei) AS imei FROM (SELECT imei FROM bindings WHERE imsi = ?1 LIMIT 2)) n "
        "WHERE s.imsi = ?1",
        "UPDATE subscribers SET sqn = sqn + ?1 WHERE imsi = ?2 RETURNING sqn"}) {
    const auto opcodes = explain(path, "EXPLAIN ", sql, 1);
    EXPECT_NE(std::find(opcodes.begin(), opcodes.end(), "OpenEphemeral"), opcodes.end()) << sql;
  }
}

}  // namespace
}  // namespace kmebind::store
