#include "store/sqlite_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <climits>
#include <filesystem>

namespace kmebind::store::sqlite {

Error sqlite_error(sqlite3* db, int rc, std::string_view context) {
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string text = std::string(context) + ": " + (msg != nullptr ? msg : sqlite3_errstr(rc));
  Code code = Code::kInternal;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = Code::kUnavailable;
      break;
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        code = Code::kAlreadyExists;
      } else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        code = Code::kNotFound;
      } else {
        code = Code::kInvalidArgument;
      }
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = Code::kCorruption;
      break;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      code = Code::kIo;
      break;
    default:
      break;
  }
  return Error(code, std::move(text));
}

// --- Statement ---------------------------------------------------------------------------------

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, bool* busy_flag)
    : db_(db), stmt_(stmt), busy_flag_(busy_flag) {}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), busy_flag_(other.busy_flag_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
  other.busy_flag_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (busy_flag_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *busy_flag_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

void Statement::record_bind(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Statement& Statement::bind_text(int index, std::string_view text) {
  if (text.size() > INT_MAX) {
    record_bind(SQLITE_TOOBIG);
    return *this;
  }
  record_bind(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                                SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind_blob(int index, ByteView blob) {
  if (blob.size() > INT_MAX) {
    record_bind(SQLITE_TOOBIG);
    return *this;
  }
  // A zero-length blob must still be a BLOB, not NULL: pass a non-null pointer.
  static const std::uint8_t kEmpty = 0;
  record_bind(sqlite3_bind_blob(stmt_, index, blob.empty() ? &kEmpty : blob.data(),
                                static_cast<int>(blob.size()), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind_int(int index, std::int64_t value) {
  record_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bind_null(int index) {
  record_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK) return std::unexpected(sqlite_error(db_, bind_rc_, "bind"));
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error err = sqlite_error(db_, sqlite3_extended_errcode(db_), "SQL step");
  sqlite3_reset(stmt_);
  return std::unexpected(std::move(err));
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return {};
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

ByteView Statement::column_blob(int index) const {
  const auto* blob = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, index));
  if (blob == nullptr) return {};
  return {blob, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

// --- Connection --------------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path,
                                                     const ConnectionOptions& options) {
  std::error_code ec;
  if (!options.create && !std::filesystem::exists(path, ec)) {
    return fail(Code::kNotFound, "store " + path + " does not exist");
  }
  // Process-wide and only possible before SQLite initialises (SQLITE_MISUSE after: harmless).
  static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  int flags = SQLITE_OPEN_NOMUTEX;  // each connection is used by one thread at a time
  flags |= options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (options.create && !options.read_only) {
    flags |= SQLITE_OPEN_CREATE;
    // A new store holds sealed keys and the audit trail: create it owner-only (0600) before
    // SQLite opens it; SQLite gives its -wal and -shm files the database file's mode.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error err = sqlite_error(db, rc, "cannot open store " + path);
    sqlite3_close_v2(db);
    return std::unexpected(std::move(err));
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  // WAL lets readers run alongside the writer; synchronous=FULL syncs the WAL at every commit,
  // so a committed transaction (an acknowledged KME) survives a crash or power loss.
  const std::string settings = options.read_only
                                   ? "PRAGMA foreign_keys=ON;"
                                   : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                                     "PRAGMA foreign_keys=ON;";
  if (auto st = conn->exec(settings); !st) {
    return std::unexpected(st.error().with_context("store " + path));
  }
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached->stmt);
  sqlite3_close_v2(db_);
}

Status Connection::exec(std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, sqlite3_extended_errcode(db_), "SQL"));
  return {};
}

Status Connection::exec_cached(std::string_view sql) {
  auto s = prepare(sql);
  if (!s) return std::unexpected(s.error());
  return s->run();
}

Result<Statement> Connection::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second->busy) {
    it->second->busy = true;
    return Statement(db_, it->second->stmt, &it->second->busy);
  }
  if (sql.size() > INT_MAX) return fail(Code::kInternal, "SQL text too long");
  sqlite3_stmt* stmt = nullptr;
  const unsigned flags = it == cache_.end() ? SQLITE_PREPARE_PERSISTENT : 0;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), flags, &stmt,
                                    nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "SQL prepare"));
  if (it != cache_.end()) return Statement(db_, stmt, nullptr);  // cached copy busy: one-off
  auto cached = std::make_unique<Cached>();
  cached->stmt = stmt;
  cached->busy = true;
  bool* flag = &cached->busy;
  cache_.emplace(std::string(sql), std::move(cached));
  return Statement(db_, stmt, flag);
}

std::int64_t Connection::changes() const { return sqlite3_changes64(db_); }

bool Connection::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

// --- Transaction -------------------------------------------------------------------------------

Result<Transaction> Transaction::begin(Connection& conn, Kind kind) {
  const std::string_view begin = kind == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED";
  if (auto st = conn.exec_cached(begin); !st) {
    return std::unexpected(st.error().with_context("begin transaction"));
  }
  return Transaction(&conn);
}

Transaction::~Transaction() { rollback(); }

Status Transaction::commit() {
  if (conn_ == nullptr) return fail(Code::kInternal, "commit of a finished transaction");
  if (auto st = conn_->exec_cached("COMMIT"); !st) {
    return std::unexpected(st.error().with_context("commit"));  // destructor rolls back
  }
  conn_ = nullptr;
  return {};
}

void Transaction::rollback() {
  if (conn_ == nullptr) return;
  if (sqlite3_get_autocommit(conn_->handle()) == 0) (void)conn_->exec_cached("ROLLBACK");
  conn_ = nullptr;
}

}  // namespace kmebind::store::sqlite
