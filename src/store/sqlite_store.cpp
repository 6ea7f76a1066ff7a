// SQLite engine: opening, schema migrations, the key check, settings, audit and counts.
#include "store/sqlite_store.h"

#include <chrono>

#include "store/engine_util.h"
#include "store/sqlite_rows.h"

namespace kmebind::store::sqlite {
namespace {

constexpr std::string_view kKeyCheckName = "kmebind.key_check";
// Calls per group-commit transaction at most: enough to absorb every HSS worker at once, small
// enough that one batch holds the write lock for only a few milliseconds.
constexpr std::size_t kMaxGroupCommitBatch = 256;
constexpr std::string_view kSealedPrefix = "sealed.";

Status check_setting_name(std::string_view name) {
  if (name.empty() || name.size() > 200 || name == "schema_version" || name.starts_with("kmebind.") ||
      name.starts_with(kSealedPrefix)) {
    return fail(Code::kInvalidArgument, "setting name '" + std::string(name.substr(0, 200)) +
                                            "' is empty, too long or reserved");
  }
  return {};
}

Result<std::optional<Bytes>> read_meta(Connection& conn, std::string_view name) {
  auto s = conn.prepare("SELECT value FROM meta WHERE name = ?");
  if (!s) return pass(s);
  s->bind_text(1, name);
  auto row = s->step();
  if (!row) return pass(row);
  if (!*row) return std::optional<Bytes>();
  const ByteView v = s->column_blob(0);
  return std::optional<Bytes>(Bytes(v.begin(), v.end()));
}

Status write_meta(Connection& conn, std::string_view name, ByteView value) {
  auto s = conn.prepare(
      "INSERT INTO meta (name, value) VALUES (?, ?) "
      "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
  if (!s) return pass(s);
  s->bind_text(1, name).bind_blob(2, value);
  return s->run();
}

// An empty file is a new store; a database holding other tables and no version is not ours.
Status check_foreign_database(Connection& conn) {
  auto s = conn.prepare(
      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name <> 'schema_version'");
  if (!s) return pass(s);
  auto row = s->step();
  if (!row) return pass(row);
  if (s->column_int(0) != 0) {
    return fail(Code::kCorruption, "the database has tables but no kmebind schema version; "
                                   "it is not a kmebind store");
  }
  return {};
}

}  // namespace

Result<int> read_schema_version(Connection& conn) {
  auto s = conn.prepare("SELECT version FROM schema_version");
  if (!s) return pass(s);
  auto row = s->step();
  if (!row) return pass(row);
  if (!*row) return 0;
  const std::int64_t v = s->column_int(0);
  auto again = s->step();
  if (!again) return pass(again);
  if (*again || v < 1 || v > 1000000) {
    return fail(Code::kCorruption, "table schema_version must hold one positive version");
  }
  return static_cast<int>(v);
}

Status migrate(Connection& conn, int target) {
  if (auto st = conn.exec(kCreateVersionTable); !st) return st;
  const std::vector<Migration> steps = migrations(Dialect::kSqlite);
  bool new_store = true;  // set from the version found by the first pass
  for (bool first = true;; first = false) {
    auto txn = Transaction::begin(conn, Transaction::Kind::kWrite);
    if (!txn) return pass(txn);
    auto version = read_schema_version(conn);
    if (!version) return pass(version);
    if (*version > kSchemaVersion) {
      return fail(Code::kCorruption, "store schema version " + std::to_string(*version) +
                                         " is newer than this kmebind understands (" +
                                         std::to_string(kSchemaVersion) +
                                         "); use a newer kmebind");
    }
    if (first) new_store = *version == 0;
    if (*version >= target) return txn->commit();
    if (*version == 0) {
      if (auto st = check_foreign_database(conn); !st) return st;
    }
    const Migration& step = steps.at(static_cast<std::size_t>(*version));
    for (const std::string& sql : step.statements) {
      if (auto st = conn.exec(sql); !st) {
        return std::unexpected(st.error().with_context(
            "schema migration to version " + std::to_string(step.to_version)));
      }
    }
    auto set = conn.prepare(*version == 0 ? "INSERT INTO schema_version (version) VALUES (?)"
                                          : "UPDATE schema_version SET version = ?");
    if (!set) return pass(set);
    set->bind_int(1, step.to_version);
    if (auto st = set->run(); !st) return st;
    if (!new_store) {  // an upgrade of a store in use: leave a trace
      auto s = conn.prepare(
          "INSERT INTO audit (created_at, actor, action, detail) VALUES (?, 'store', "
          "'schema-upgrade', ?)");
      if (!s) return pass(s);
      s->bind_int(1, now_unix_s())
          .bind_text(2, std::to_string(*version) + " -> " + std::to_string(step.to_version) + ": " +
                            std::string(step.description));
      if (auto st = s->run(); !st) return st;
    }
    if (auto st = txn->commit(); !st) return st;
  }
}

SqliteStore::SqliteStore(std::string path, SecretBytes master_key, const StoreOptions& options)
    : pool_(std::move(path),
            ConnectionOptions{.create = false, .read_only = false,
                              .busy_timeout_ms = options.busy_timeout_ms},
            options.max_connections < 1 ? 1 : options.max_connections,
            std::chrono::milliseconds(options.busy_timeout_ms)),
      keys_(std::move(master_key)),
      busy_timeout_(options.busy_timeout_ms),
      group_(pool_, writer_, busy_timeout_, kMaxGroupCommitBatch) {}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       SecretBytes master_key,
                                                       const StoreOptions& options) {
  auto conn = Connection::open(path, ConnectionOptions{.create = options.create_if_missing,
                                                       .read_only = false,
                                                       .busy_timeout_ms = options.busy_timeout_ms});
  if (!conn) return pass(conn);
  if (auto st = migrate(**conn, kSchemaVersion); !st) {
    return std::unexpected(st.error().with_context("store " + path));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, std::move(master_key), options));
  // The key check value: recorded by the first open, verified by every later one. Inserting and
  // reading back in one transaction settles two processes creating the same store.
  {
    auto txn = Transaction::begin(**conn, Transaction::Kind::kWrite);
    if (!txn) return pass(txn);
    auto check = read_meta(**conn, kKeyCheckName);
    if (!check) return pass(check);
    if (!*check) {
      auto made = store->keys_.make_key_check();
      if (!made) return pass(made);
      if (auto st = write_meta(**conn, kKeyCheckName, *made); !st) return std::unexpected(st.error());
      if (auto st = txn->commit(); !st) return std::unexpected(st.error());
    } else {
      txn->rollback();
      if (auto st = store->keys_.verify_key_check(**check); !st) {
        return std::unexpected(st.error());
      }
    }
  }
  store->pool_.adopt(std::move(*conn));
  return store;
}

Status SqliteStore::put_setting(std::string_view name, ByteView value) {
  if (auto st = check_setting_name(name); !st) return st;
  return write([&](Connection& c) { return write_meta(c, name, value); });
}

Result<std::optional<Bytes>> SqliteStore::get_setting(std::string_view name) {
  if (auto st = check_setting_name(name); !st) return std::unexpected(st.error());
  return read([&](Connection& c) { return read_meta(c, name); });
}

Status SqliteStore::put_sealed_setting(std::string_view name, const SecretBytes& value) {
  if (auto st = check_setting_name(name); !st) return st;
  auto sealed = keys_.seal_named(name, value);
  if (!sealed) return pass(sealed);
  const std::string key = std::string(kSealedPrefix) + std::string(name);
  return write([&](Connection& c) { return write_meta(c, key, *sealed); });
}

Result<std::optional<SecretBytes>> SqliteStore::get_sealed_setting(std::string_view name) {
  if (auto st = check_setting_name(name); !st) return std::unexpected(st.error());
  const std::string key = std::string(kSealedPrefix) + std::string(name);
  auto sealed = read([&](Connection& c) { return read_meta(c, key); });
  if (!sealed) return pass(sealed);
  if (!*sealed) return std::optional<SecretBytes>();
  auto value = keys_.open_named(name, **sealed);
  if (!value) return pass(value);
  return std::optional<SecretBytes>(std::move(*value));
}

Result<StoreCounts> SqliteStore::counts() {
  return read([&](Connection& c) -> Result<StoreCounts> {
    auto s = c.prepare(
        "SELECT (SELECT COUNT(*) FROM subscribers), (SELECT COUNT(*) FROM bindings), "
        "(SELECT COUNT(*) FROM devices), "
        "(SELECT COUNT(*) FROM kme_records WHERE kme_sealed IS NOT NULL), "
        "(SELECT COUNT(*) FROM audit)");
    if (!s) return pass(s);
    auto row = s->step();
    if (!row) return pass(row);
    StoreCounts n;
    n.subscribers = static_cast<std::uint64_t>(s->column_int(0));
    n.bindings = static_cast<std::uint64_t>(s->column_int(1));
    n.devices = static_cast<std::uint64_t>(s->column_int(2));
    n.kmes = static_cast<std::uint64_t>(s->column_int(3));
    n.audit_rows = static_cast<std::uint64_t>(s->column_int(4));
    return n;
  }, /*snapshot=*/true);
}

Result<std::vector<AuditEntry>> SqliteStore::list_audit(const AuditQuery& query) {
  if (query.imsi) {
    if (auto st = check_imsi(*query.imsi); !st) return std::unexpected(st.error());
  }
  return read([&](Connection& c) -> Result<std::vector<AuditEntry>> {
    auto s = c.prepare(query.imsi
        ? "SELECT id, created_at, actor, action, imsi, imei, detail, source FROM audit "
          "WHERE imsi = ? AND id > ? ORDER BY id LIMIT ?"
        : "SELECT id, created_at, actor, action, imsi, imei, detail, source FROM audit "
          "WHERE ? IS NULL AND id > ? ORDER BY id LIMIT ?");
    if (!s) return pass(s);
    if (query.imsi) {
      s->bind_text(1, *query.imsi);
    } else {
      s->bind_null(1);
    }
    s->bind_int(2, query.after_id).bind_int(3, static_cast<std::int64_t>(query.limit));
    std::vector<AuditEntry> out;
    for (;;) {
      auto row = s->step();
      if (!row) return pass(row);
      if (!*row) break;
      out.push_back({s->column_int(0), s->column_int(1), s->column_text(2), s->column_text(3),
                     s->column_text(4), s->column_text(5), s->column_text(6), s->column_text(7)});
    }
    return out;
  });
}

}  // namespace kmebind::store::sqlite
