// For the tests of SQLite statement shapes: one column of every row of an EXPLAIN or EXPLAIN
// QUERY PLAN, compiled on a fresh connection to the store file at `path`.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite_db.h"

namespace kmebind::store::testing {

// `explain` is "EXPLAIN " (column 1: the opcode) or "EXPLAIN QUERY PLAN " (column 3: the step).
inline std::vector<std::string> sqlite_explain(const std::string& path, std::string_view explain,
                                               std::string_view sql, int column) {
  auto c = sqlite::Connection::open(path, sqlite::ConnectionOptions{});
  EXPECT_TRUE(c) << c.error().what();
  if (!c) return {};
  auto s = (*c)->prepare(std::string(explain) + std::string(sql));
  EXPECT_TRUE(s) << sql << ": " << s.error().what();
  if (!s) return {};
  std::vector<std::string> out;
  for (;;) {
    auto row = s->step();
    EXPECT_TRUE(row) << row.error().what();
    if (!row || !*row) return out;
    out.push_back(s->column_text(column));
  }
}

}  // namespace kmebind::store::testing
