// PostgreSQL engine: opening, schema migrations, the key check, settings, audit and counts.
#include "store/pg_store.h"

#include <chrono>

#include "store/engine_util.h"
#include "store/pg_rows.h"

namespace kmebind::store::pg {
namespace {

constexpr std::string_view kKeyCheckName = "kmebind.key_check";
constexpr std::string_view kSealedPrefix = "sealed.";

Status check_setting_name(std::string_view name) {
  if (name.empty() || name.size() > 200 || name == "schema_version" ||
      name.starts_with("kmebind.") || name.starts_with(kSealedPrefix)) {
    return fail(Code::kInvalidArgument, "setting name '" + std::string(name.substr(0, 200)) +
                                            "' is empty, too long or reserved");
  }
  return {};
}

Result<std::optional<Bytes>> read_meta(Connection& conn, std::string_view name) {
  auto r = conn.query("SELECT value FROM meta WHERE name = $1", Params().text(name));
  if (!r) return pass(r);
  if (r->count() == 0) return std::optional<Bytes>();
  const ByteView v = r->bytes(0, 0);
  return std::optional<Bytes>(Bytes(v.begin(), v.end()));
}

Status write_meta(Connection& conn, std::string_view name, ByteView value) {
  auto r = conn.query(
      "INSERT INTO meta (name, value) VALUES ($1, $2) "
      "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      Params().text(name).bytes(value));
  if (!r) return pass(r);
  return {};
}

// Tables of the connection's current schema (information_schema: portable across PostgreSQL,
// CockroachDB, YugabyteDB and Citus).
Result<std::int64_t> count_tables(Connection& conn, bool only_version_table) {
  auto r = conn.query(only_version_table
                          ? "SELECT COUNT(*) FROM information_schema.tables WHERE "
                            "table_schema = current_schema() AND table_name = 'schema_version'"
                          : "SELECT COUNT(*) FROM information_schema.tables WHERE "
                            "table_schema = current_schema() AND table_name <> 'schema_version'");
  if (!r) return pass(r);
  return r->integer(0, 0);
}

// SQLSTATEs of two processes creating the same table at once: the loser retries the step.
bool lost_create_race(std::string_view state) {
  return state == "42P07" || state == "23505" || is_retryable_sqlstate(state);
}

// Runs one migration step N -> N+1 in a transaction. Returns the version found (>= target: done).
Result<int> migrate_step(Connection& conn, const std::vector<Migration>& steps, int target,
                         bool& new_store, bool first, std::string& failed_state) {
  if (auto st = conn.exec("BEGIN"); !st) return pass(st);
  auto body = [&]() -> Result<int> {
    auto version = read_schema_version(conn);
    if (!version) return version;
    if (*version > kSchemaVersion) {
      return fail(Code::kCorruption, "store schema version " + std::to_string(*version) +
                                         " is newer than this kmebind understands (" +
                                         std::to_string(kSchemaVersion) + "); use a newer kmebind");
    }
    if (first) new_store = *version == 0;
    if (*version >= target) return *version;
    if (*version == 0) {
      auto tables = count_tables(conn, false);
      if (!tables) return tables;
      if (*tables != 0) {
        return fail(Code::kCorruption,
                    "the database has tables but no kmebind schema version; "
                    "it is not a kmebind store");
      }
    }
    const Migration& step = steps.at(static_cast<std::size_t>(*version));
    for (const std::string& sql : step.statements) {
      if (auto st = conn.exec(sql); !st) {
        return std::unexpected(st.error().with_context("schema migration to version " +
                                                       std::to_string(step.to_version)));
      }
    }
    auto set = conn.query(*version == 0 ? "INSERT INTO schema_version (version) VALUES ($1)"
                                        : "UPDATE schema_version SET version = $1",
                          Params().integer(step.to_version));
    if (!set) return pass(set);
    if (!new_store) {  // an upgrade of a store in use: leave a trace
      auto a = conn.query(
          "INSERT INTO audit (created_at, actor, action, detail) VALUES ($1, 'store', "
          "'schema-upgrade', $2)",
          Params()
              .integer(now_unix_s())
              .text(std::to_string(*version) + " -> " + std::to_string(step.to_version) + ": " +
                    std::string(step.description)));
      if (!a) return pass(a);
    }
    return *version;
  };
  auto found = body();
  if (!found) {
    failed_state = conn.last_sqlstate();
    if (!conn.broken()) (void)conn.exec("ROLLBACK");
    return found;
  }
  if (auto st = conn.exec("COMMIT"); !st) {
    failed_state = conn.last_sqlstate();
    return pass(st);
  }
  return found;
}

// Validates the CHECK constraints the version-3 and version-4 migrations added NOT VALID
// (schema.cpp): a scan under SHARE UPDATE EXCLUSIVE, which does not block the HSS's reads and
// writes, in its own transaction. Once validated there is nothing left to do, so a later open only
// reads the catalog. Only kmebind's own constraints: one an operator added NOT VALID on purpose is
// not ours to check. The table is found as the statements find it, through search_path
// (to_regclass: a schema name cast to regnamespace would be case-folded, and a store in schema
// "Site2" would not open). A NOT VALID CHECK already holds for every row written since, and every
// row older than it met it (the version-3 one only widens the old CHECK; the version-4 column was
// added with the default 0), so the open goes on when the validation cannot run now — another
// process opening the store holds the lock while it validates (55P03 after lock_timeout), or a
// statement_timeout cut the scan short (57014) — and a later open validates.
Status validate_constraints(Connection& conn) {
  auto pending = conn.query(
      "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass('kme_records') "
      "AND conname IN ('kme_records_kme_procedure_check', 'kme_records_renewal_requested_check') "
      "AND NOT convalidated ORDER BY conname");
  if (!pending) return pass(pending);
  for (int i = 0; i < pending->count(); ++i) {
    const std::string name = pending->text(i, 0);
    if (auto st = conn.exec("ALTER TABLE kme_records VALIDATE CONSTRAINT " + name); !st) {
      const std::string& state = conn.last_sqlstate();
      if (!conn.broken() && (state == "55P03" || state == "57014")) return {};
      return std::unexpected(st.error().with_context("validating constraint " + name));
    }
  }
  return {};
}

}  // namespace

Result<int> read_schema_version(Connection& conn) {
  auto exists = count_tables(conn, true);
  if (!exists) return pass(exists);
  if (*exists == 0) return 0;
  // FOR UPDATE: two processes upgrading the same store take turns.
  auto r = conn.query("SELECT version FROM schema_version FOR UPDATE");
  if (!r) return pass(r);
  if (r->count() == 0) return 0;
  auto v = r->integer(0, 0);
  if (r->count() != 1 || !v || *v < 1 || *v > 1000000) {
    return fail(Code::kCorruption, "table schema_version must hold one positive version");
  }
  return static_cast<int>(*v);
}

Status migrate(Connection& conn, int target) {
  const std::vector<Migration> steps = migrations(Dialect::kPostgres);
  bool new_store = true;
  bool first = true;  // the next step decides whether this is a new store
  int races = 0;
  // A database holding other tables and no version is not ours: refuse before creating anything.
  auto has_version_table = count_tables(conn, true);
  if (!has_version_table) return pass(has_version_table);
  if (*has_version_table == 0) {
    auto others = count_tables(conn, false);
    if (!others) return pass(others);
    if (*others != 0) {
      return fail(Code::kCorruption,
                  "the database has tables but no kmebind schema version; "
                  "it is not a kmebind store");
    }
  }
  for (;;) {
    if (auto st = conn.exec(kCreateVersionTable); !st) {
      if (lost_create_race(conn.last_sqlstate()) && ++races < 5) continue;
      return st;
    }
    std::string failed_state;
    auto found = migrate_step(conn, steps, target, new_store, first, failed_state);
    if (!found) {
      if (!conn.broken() && lost_create_race(failed_state) && ++races < 5) {
        first = true;  // another process created or upgraded the store meanwhile
        continue;
      }
      return pass(found);
    }
    first = false;
    if (*found >= target) return validate_constraints(conn);
  }
}

PgStore::PgStore(ConnectSettings settings, SecretBytes master_key, const StoreOptions& options)
    : pool_(std::move(settings), options.max_connections < 1 ? 1 : options.max_connections,
            std::chrono::milliseconds(options.busy_timeout_ms)),
      keys_(std::move(master_key)) {}

Result<std::unique_ptr<PgStore>> PgStore::open(std::string_view url, SecretBytes master_key,
                                               const StoreOptions& options) {
  ConnectSettings settings;
  settings.url = std::string(url);
  settings.redacted = redact_location(url);
  settings.connect_timeout_s = options.busy_timeout_ms / 1000;
  settings.lock_timeout_ms = options.busy_timeout_ms;
  auto conn = Connection::connect(settings);
  if (!conn) return pass(conn);
  const std::string where = "store " + settings.redacted;
  if (!options.create_if_missing) {
    auto version = read_schema_version(**conn);
    if (!version) return std::unexpected(version.error().with_context(where));
    if (*version == 0) {
      return fail(Code::kNotFound, where +
                                       " holds no kmebind store; create it with "
                                       "`kmebind admin --store URL init`");
    }
  }
  if (auto st = migrate(**conn, kSchemaVersion); !st) {
    return std::unexpected(st.error().with_context(where));
  }
  std::unique_ptr<PgStore> store(new PgStore(settings, std::move(master_key), options));
  // The key check value: recorded by the first open, verified by every later one. Inserting
  // (unless present) and reading back in one transaction settles two processes creating a store.
  auto made = store->keys_.make_key_check();
  if (!made) return pass(made);
  auto check = store->run(Txn::kWrite, [&](Connection& c) -> Result<std::optional<Bytes>> {
    auto ins =
        c.query("INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                Params().text(kKeyCheckName).bytes(*made));
    if (!ins) return pass(ins);
    return read_meta(c, kKeyCheckName);
  });
  if (!check) return std::unexpected(check.error().with_context(where));
  if (!*check) return fail(Code::kCorruption, where + ": key check value missing");
  if (auto st = store->keys_.verify_key_check(**check); !st) return pass(st);
  store->pool_.adopt(std::move(*conn));
  return store;
}

Result<ServerConnectionBudget> PgStore::connection_budget() {
  auto budget = run(Txn::kNone, [](Connection& c) { return read_connection_budget(c); });
  if (!budget) return budget;
  budget->own = pool_.open_connections();
  return budget;
}

Status PgStore::put_setting(std::string_view name, ByteView value) {
  if (auto st = check_setting_name(name); !st) return st;
  return run(Txn::kWrite, [&](Connection& c) { return write_meta(c, name, value); });
}

Result<std::optional<Bytes>> PgStore::get_setting(std::string_view name) {
  if (auto st = check_setting_name(name); !st) return pass(st);
  return run(Txn::kNone, [&](Connection& c) { return read_meta(c, name); });
}

Status PgStore::put_sealed_setting(std::string_view name, const SecretBytes& value) {
  if (auto st = check_setting_name(name); !st) return st;
  auto sealed = keys_.seal_named(name, value);
  if (!sealed) return pass(sealed);
  const std::string key = std::string(kSealedPrefix) + std::string(name);
  return run(Txn::kWrite, [&](Connection& c) { return write_meta(c, key, *sealed); });
}

Result<std::optional<SecretBytes>> PgStore::get_sealed_setting(std::string_view name) {
  if (auto st = check_setting_name(name); !st) return pass(st);
  const std::string key = std::string(kSealedPrefix) + std::string(name);
  auto sealed = run(Txn::kNone, [&](Connection& c) { return read_meta(c, key); });
  if (!sealed) return pass(sealed);
  if (!*sealed) return std::optional<SecretBytes>();
  auto value = keys_.open_named(name, **sealed);
  if (!value) return pass(value);
  return std::optional<SecretBytes>(std::move(*value));
}

Result<StoreCounts> PgStore::counts() {
  return run(Txn::kNone, [&](Connection& c) -> Result<StoreCounts> {
    auto r = c.query(
        "SELECT (SELECT COUNT(*) FROM subscribers), (SELECT COUNT(*) FROM bindings), "
        "(SELECT COUNT(*) FROM devices), "
        "(SELECT COUNT(*) FROM kme_records WHERE kme_sealed IS NOT NULL), "
        "(SELECT COUNT(*) FROM audit)");
    if (!r) return pass(r);
    StoreCounts n;
    n.subscribers = static_cast<std::uint64_t>(r->integer_or_zero(0, 0));
    n.bindings = static_cast<std::uint64_t>(r->integer_or_zero(0, 1));
    n.devices = static_cast<std::uint64_t>(r->integer_or_zero(0, 2));
    n.kmes = static_cast<std::uint64_t>(r->integer_or_zero(0, 3));
    n.audit_rows = static_cast<std::uint64_t>(r->integer_or_zero(0, 4));
    return n;
  });
}

Result<std::vector<AuditEntry>> PgStore::list_audit(const AuditQuery& query) {
  if (query.imsi) {
    if (auto st = check_imsi(*query.imsi); !st) return pass(st);
  }
  return run(Txn::kNone, [&](Connection& c) -> Result<std::vector<AuditEntry>> {
    Params p;
    if (query.imsi) p.text(*query.imsi);
    p.integer(query.after_id).integer(static_cast<std::int64_t>(query.limit));
    auto r = c.query(
        query.imsi ? "SELECT id, created_at, actor, action, imsi, imei, detail, source FROM audit "
                     "WHERE imsi = $1 AND id > $2 ORDER BY id LIMIT $3"
                   : "SELECT id, created_at, actor, action, imsi, imei, detail, source FROM audit "
                     "WHERE id > $1 ORDER BY id LIMIT $2",
        p);
    if (!r) return pass(r);
    std::vector<AuditEntry> out;
    out.reserve(static_cast<std::size_t>(r->count()));
    for (int i = 0; i < r->count(); ++i) {
      out.push_back({r->integer_or_zero(i, 0), r->integer_or_zero(i, 1), r->text(i, 2),
                     r->text(i, 3), r->text(i, 4), r->text(i, 5), r->text(i, 6), r->text(i, 7)});
    }
    return out;
  });
}

}  // namespace kmebind::store::pg
