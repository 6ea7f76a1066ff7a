#include "store/pg_db.h"

#include <libpq-fe.h>

#include <climits>
#include <cstring>

namespace kmebind::store::pg {
namespace {

// Type OIDs of the built-in types we read (pg_type.dat).
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;

// libpq messages end with a newline and may span lines; one line for our messages.
std::string one_line(const char* text) {
  std::string out = text != nullptr ? text : "";
  for (char& ch : out) {
    if (ch == '\n' || ch == '\t' || ch == '\r') ch = ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// SQLSTATE -> our code (PostgreSQL manual, Appendix A "Error Codes").
Code code_of(std::string_view state) {
  if (state == "23505") return Code::kAlreadyExists;  // unique_violation
  if (state == "23503") return Code::kNotFound;       // foreign_key_violation
  if (state.starts_with("23") || state.starts_with("22")) return Code::kInvalidArgument;
  if (state.starts_with("08") || state.starts_with("53") || state.starts_with("57P") ||
      state == "55P03" || state == "57014" || state == "40001" || state == "40P01" ||
      state ==
          "25006") {  // connection, resources, shutdown, lock timeout, cancel, retry, read-only
    return Code::kUnavailable;
  }
  if (state == "XX001" || state == "XX002") return Code::kCorruption;  // data/index corrupted
  if (state.starts_with("58")) return Code::kIo;                       // system error (disk)
  return Code::kInternal;
}

std::uint64_t big_endian(const char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}

}  // namespace

bool is_retryable_sqlstate(std::string_view sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";
}

// --- Params ------------------------------------------------------------------------------------

Params& Params::text(std::string_view value) {
  values_.emplace_back(value);
  null_.push_back(false);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Params& Params::integer(std::int64_t value) {
  return text(std::to_string(value));
}

Params& Params::bytes(ByteView value) {
  values_.emplace_back(reinterpret_cast<const char*>(value.data()), value.size());
  null_.push_back(false);
  lengths_.push_back(static_cast<int>(value.size()));
  formats_.push_back(1);
  return *this;
}

Params& Params::null() {
  values_.emplace_back();
  null_.push_back(true);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Params& Params::text_or_null(std::string_view value) {
  return value.empty() ? null() : text(value);
}

const char* const* Params::values() const {
  pointers_.resize(values_.size());
  for (std::size_t i = 0; i < values_.size(); ++i) {
    pointers_[i] = null_[i] ? nullptr : values_[i].c_str();
  }
  return pointers_.data();
}

// --- Rows --------------------------------------------------------------------------------------

Rows::~Rows() {
  PQclear(result_);
}

Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

int Rows::count() const {
  return PQntuples(result_);
}

std::int64_t Rows::affected() const {
  const char* n = PQcmdTuples(result_);
  if (n == nullptr || *n == '\0') return 0;
  return std::strtoll(n, nullptr, 10);
}

bool Rows::is_null(int row, int col) const {
  return PQgetisnull(result_, row, col) != 0;
}

std::string Rows::text(int row, int col) const {
  if (is_null(row, col)) return {};
  return std::string(PQgetvalue(result_, row, col),
                     static_cast<std::size_t>(PQgetlength(result_, row, col)));
}

ByteView Rows::bytes(int row, int col) const {
  if (is_null(row, col)) return {};
  return {reinterpret_cast<const std::uint8_t*>(PQgetvalue(result_, row, col)),
          static_cast<std::size_t>(PQgetlength(result_, row, col))};
}

Result<std::int64_t> Rows::integer(int row, int col) const {
  if (is_null(row, col)) return fail(Code::kCorruption, "unexpected NULL in an integer column");
  const char* p = PQgetvalue(result_, row, col);
  const int n = PQgetlength(result_, row, col);
  const Oid type = PQftype(result_, col);
  if (type == kBoolOid && n == 1) return p[0] != 0 ? 1 : 0;
  if ((type == kInt2Oid && n == 2) || (type == kInt4Oid && n == 4) ||
      (type == kInt8Oid && n == 8)) {
    const std::uint64_t raw = big_endian(p, n);
    const int shift = 64 - 8 * n;  // sign-extend from n octets
    return static_cast<std::int64_t>(raw << shift) >> shift;
  }
  return fail(Code::kCorruption, "column of type " + std::to_string(type) + " is not an integer");
}

std::int64_t Rows::integer_or_zero(int row, int col) const {
  auto v = integer(row, col);
  return v ? *v : 0;
}

// --- Connection --------------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::connect(const ConnectSettings& settings) {
  // Our defaults first; the URL (expanded from dbname) overrides any it names.
  const std::string timeout =
      std::to_string(settings.connect_timeout_s < 2 ? 2 : settings.connect_timeout_s);
  const char* keys[] = {"connect_timeout",     "application_name", "keepalives", "keepalives_idle",
                        "keepalives_interval", "keepalives_count", "dbname",     nullptr};
  const char* values[] = {timeout.c_str(),      "kmebind", "1", "30", "10", "3",
                          settings.url.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (raw == nullptr) return fail(Code::kInternal, "libpq could not allocate a connection");
  std::unique_ptr<Connection> conn(new Connection(raw, settings.redacted));
  // Server notices ("relation ... already exists, skipping") are not for the operator's terminal.
  PQsetNoticeProcessor(
      raw, [](void*, const char*) {}, nullptr);
  if (PQstatus(raw) != CONNECTION_OK) {
    return fail(Code::kUnavailable, "cannot connect to PostgreSQL store " + settings.redacted +
                                        ": " + one_line(PQerrorMessage(raw)));
  }
  // Durable before return = the COMMIT returned: force synchronous_commit on whatever the server
  // default; lock waits bounded like SQLite's busy timeout; times are stored as numbers anyway.
  const std::string setup =
      "SET synchronous_commit TO on; SET lock_timeout TO " +
      std::to_string(settings.lock_timeout_ms < 1 ? 1 : settings.lock_timeout_ms) +
      "; SET client_encoding TO 'UTF8'";
  if (auto st = conn->exec(setup); !st) return std::unexpected(st.error());
  return conn;
}

Connection::~Connection() {
  PQfinish(conn_);
}

bool Connection::broken() const {
  return PQstatus(conn_) != CONNECTION_OK;
}

bool Connection::idle() const {
  return PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

Error Connection::error_from(PGresult* result, std::string_view context) {
  if (broken()) {
    last_sqlstate_ = "08006";  // connection_failure
    return Error(Code::kUnavailable, std::string(context) + ": PostgreSQL connection to " +
                                         redacted_ + " lost: " + one_line(PQerrorMessage(conn_)));
  }
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state != nullptr ? state : "";
  const char* primary =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string text = primary != nullptr ? one_line(primary) : one_line(PQerrorMessage(conn_));
  Code code = code_of(last_sqlstate_);
  if (last_sqlstate_ == "55P03") text = "store busy: " + text;
  if (!last_sqlstate_.empty()) text += " (SQLSTATE " + last_sqlstate_ + ")";
  return Error(code, std::string(context) + ": " + text);
}

Status Connection::exec(std::string_view sql) {
  last_sqlstate_.clear();
  const std::string text(sql);
  PGresult* res = PQexec(conn_, text.c_str());
  Rows holder(res);
  const ExecStatusType st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    return std::unexpected(error_from(res, "SQL"));
  return {};
}

Result<Rows> Connection::query(std::string_view sql, const Params& params) {
  last_sqlstate_.clear();
  auto it = prepared_.find(std::string(sql));
  if (it == prepared_.end()) {
    const std::string name = "k" + std::to_string(prepared_.size() + 1);
    const std::string text(sql);
    PGresult* res = PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
    Rows holder(res);
    if (res == nullptr || PQresultStatus(res) != PGRES_COMMAND_OK) {
      return std::unexpected(error_from(res, "SQL prepare"));
    }
    it = prepared_.emplace(text, name).first;
  }
  PGresult* res = PQexecPrepared(conn_, it->second.c_str(), params.size(), params.values(),
                                 params.lengths(), params.formats(), /*resultFormat=*/1);
  Rows rows(res);
  const ExecStatusType st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    return std::unexpected(error_from(res, "SQL"));
  return rows;
}

Result<Rows> Connection::query_once(const std::string& sql, const Params& params) {
  last_sqlstate_.clear();
  PGresult* res = PQexecParams(conn_, sql.c_str(), params.size(), nullptr, params.values(),
                               params.lengths(), params.formats(), /*resultFormat=*/1);
  Rows rows(res);
  const ExecStatusType st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    return std::unexpected(error_from(res, "SQL"));
  return rows;
}

}  // namespace kmebind::store::pg
