// Thin RAII layer over libpq for the PostgreSQL engine: a connection with a cache of prepared
// statements (extended protocol, parameters as text except bytea, results in binary format), the
// rows of a result, and the mapping of SQLSTATEs to our error codes.
// Not thread-safe: one Connection is used by one thread at a time (the pool hands them out).
// Messages never contain the connection URL's password: errors name the redacted location only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"

struct pg_conn;
struct pg_result;

namespace kmebind::store::pg {

// Where and how to connect. `url` may carry a password: it is handed to libpq and never printed;
// messages use `redacted`.
struct ConnectSettings {
  std::string url;
  std::string redacted;
  int connect_timeout_s = 5;
  int lock_timeout_ms = 5000;  // row/table lock waits beyond it fail kUnavailable ("store busy")
};

// Parameters of one statement, numbered $1, $2, ... in the order added. Text and integers are
// sent in text form (the server infers the type from the statement), byte strings as binary
// bytea.
class Params {
 public:
  Params& text(std::string_view value);
  Params& integer(std::int64_t value);
  Params& bytes(ByteView value);
  Params& null();
  // text(value), or null() when `value` is empty.
  Params& text_or_null(std::string_view value);

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const;
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  mutable std::vector<const char*> pointers_;
};

// The rows of a result (binary format). Owns the PGresult.
class Rows {
 public:
  explicit Rows(pg_result* result) : result_(result) {}
  ~Rows();
  Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  int count() const;
  // Rows an INSERT/UPDATE/DELETE changed (without RETURNING), from the command tag.
  std::int64_t affected() const;
  bool is_null(int row, int col) const;
  std::string text(int row, int col) const;
  ByteView bytes(int row, int col) const;  // valid while the Rows live
  // A smallint, integer, bigint or boolean column. kCorruption for any other type or NULL.
  Result<std::int64_t> integer(int row, int col) const;
  // integer() that treats a malformed value as 0 (for columns the schema guarantees).
  std::int64_t integer_or_zero(int row, int col) const;

 private:
  pg_result* result_;
};

class Connection {
 public:
  // Connects and applies the session settings (synchronous_commit on, lock_timeout, UTC).
  // kUnavailable when the server cannot be reached or refuses the login (libpq's reason, which
  // never contains the password, follows the redacted location).
  static Result<std::unique_ptr<Connection>> connect(const ConnectSettings& settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL without parameters or results (BEGIN, COMMIT, DDL, SET); several statements allowed.
  [[nodiscard]] Status exec(std::string_view sql);
  // Runs one statement with parameters through a prepared statement cached on this connection.
  [[nodiscard]] Result<Rows> query(std::string_view sql, const Params& params = {});
  // As query() without preparing: for statements whose text varies (multi-row INSERTs).
  [[nodiscard]] Result<Rows> query_once(const std::string& sql, const Params& params);

  // The connection is gone (server restart, terminated backend, network): it must be dropped.
  bool broken() const;
  // No transaction open (safe to hand to the next caller).
  bool idle() const;
  // SQLSTATE of the last failed statement ("" when the last one succeeded).
  const std::string& last_sqlstate() const { return last_sqlstate_; }

 private:
  Connection(pg_conn* conn, std::string redacted) : conn_(conn), redacted_(std::move(redacted)) {}
  Error error_from(pg_result* result, std::string_view context);

  pg_conn* conn_;
  std::string redacted_;
  std::string last_sqlstate_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
};

// SQLSTATE classes that mean "retry the whole transaction": serialization failure, deadlock.
bool is_retryable_sqlstate(std::string_view sqlstate);

}  // namespace kmebind::store::pg
