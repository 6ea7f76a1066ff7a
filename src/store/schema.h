// The store schema as versioned migrations, written once for every engine. The SQL is the
// common subset of SQLite and PostgreSQL; the two differences are written as tokens that
// render() replaces per dialect:
//   {BLOB}    -> BLOB (SQLite) | BYTEA (PostgreSQL)
//   {AUTO_ID} -> INTEGER PRIMARY KEY (SQLite rowid) | BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY
// Engines keep the version in table schema_version (one row) and apply each step N -> N+1 in
// one transaction together with the version update (docs/store.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kmebind::store {

enum class Dialect { kSqlite, kPostgres };

// The schema version this binary writes and understands.
inline constexpr int kSchemaVersion = 5;

struct Migration {
  int to_version;                       // applied to a store at to_version - 1
  std::string_view description;
  std::vector<std::string> statements;  // rendered for the dialect, run in order
};

// The steps 0 -> 1 -> ... -> kSchemaVersion, rendered for `dialect`.
std::vector<Migration> migrations(Dialect dialect);

// Replaces the dialect tokens in `sql`.
std::string render(std::string_view sql, Dialect dialect);

// Creates the version table if missing (run before reading the version).
inline constexpr std::string_view kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)";

}  // namespace kmebind::store
