// Thin RAII layer over the SQLite C API for the SQLite engine: a connection with a cache of
// prepared statements, a borrowed statement that resets itself, and a transaction guard.
// Not thread-safe: one Connection is used by one thread at a time (the pool hands them out).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <functional>
#include <unordered_map>

#include "common/bytes.h"
#include "common/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kmebind::store::sqlite {

// Maps an SQLite result code to our error: BUSY/LOCKED -> kUnavailable, PRIMARY KEY/UNIQUE
// constraint -> kAlreadyExists, FOREIGN KEY -> kNotFound, CHECK/NOT NULL -> kInvalidArgument,
// CORRUPT/NOTADB -> kCorruption, I/O, FULL, CANTOPEN, READONLY -> kIo, anything else -> kInternal.
// The message is "<context>: <sqlite message>"; SQLite's messages name columns, not values.
Error sqlite_error(sqlite3* db, int rc, std::string_view context);

// A prepared statement borrowed from a Connection's cache (or a one-off one when the cached
// copy is in use). Bind indexes are 1-based. On destruction it is reset and its bindings
// cleared. Must not outlive its Connection.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* busy_flag);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;

  Statement& bind_text(int index, std::string_view text);
  Statement& bind_blob(int index, ByteView blob);
  Statement& bind_int(int index, std::int64_t value);
  Statement& bind_null(int index);

  // One step: true when a row is ready, false when the statement is done. A bind error recorded
  // earlier is reported here.
  [[nodiscard]] Result<bool> step();
  // Steps to the end (rows, if any, are skipped).
  [[nodiscard]] Status run();
  // Resets for another execution with new bindings (the old ones are cleared).
  void reset();

  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;
  ByteView column_blob(int index) const;  // valid until the next step/reset
  bool column_is_null(int index) const;

 private:
  void record_bind(int rc);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* busy_flag_;  // cache slot's in-use flag; nullptr for a one-off statement
  int bind_rc_ = 0;
};

struct ConnectionOptions {
  bool create = true;
  bool read_only = false;
  int busy_timeout_ms = 5000;
};

class Connection {
 public:
  // Opens the database file and applies the engine's settings: WAL journal, synchronous=FULL,
  // foreign_keys=ON, busy timeout, extended result codes. The first call in the process also
  // turns SQLite's memory statistics off (SQLITE_CONFIG_MEMSTATUS), when SQLite is not yet
  // initialised: they put one process-wide mutex around every SQLite allocation, which the
  // connections of concurrent workers then queue on; nothing in kmebind reads them.
  // kNotFound if the file is missing and !create; kCorruption if it is not an SQLite database.
  static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                  const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more SQL statements without results (DDL, PRAGMA, BEGIN ...).
  [[nodiscard]] Status exec(std::string_view sql);
  // Runs ONE statement without results through the statement cache: parsed once per connection,
  // for the statements run on every transaction (BEGIN IMMEDIATE, COMMIT, SAVEPOINT, RELEASE).
  [[nodiscard]] Status exec_cached(std::string_view sql);
  // A prepared statement for `sql`, from the cache when possible.
  [[nodiscard]] Result<Statement> prepare(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  std::int64_t changes() const;
  // False once SQLite has ended the connection's transaction by itself (it rolls back the whole
  // transaction on some errors: I/O, out of memory, a full disk); later statements would run
  // outside any transaction.
  bool in_transaction() const;
  sqlite3* handle() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool busy = false;
  };
  // Looked up by string_view without building a std::string (the bulk importer prepares a few
  // statements per row).
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Cached>, SqlHash, std::equal_to<>> cache_;
};

// BEGIN ... COMMIT guard; rolls back in the destructor unless commit() succeeded.
class Transaction {
 public:
  enum class Kind { kRead, kWrite };  // kWrite takes the write lock at BEGIN (BEGIN IMMEDIATE)
  [[nodiscard]] static Result<Transaction> begin(Connection& conn, Kind kind);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  [[nodiscard]] Status commit();
  void rollback();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

}  // namespace kmebind::store::sqlite
