#include "store/schema.h"

#include <array>

namespace kmebind::store {
namespace {

// Version 1: the base tables.
constexpr std::array<std::string_view, 6> kV1 = {
    // Named values: the key check value, the KME import key pair, engine settings.
    R"(CREATE TABLE meta (
  name TEXT PRIMARY KEY,
  value {BLOB} NOT NULL
))",
    // K and OPc sealed under the master key (AAD "kmebind.store.k" / ".opc" ‖ IMSI).
    R"(CREATE TABLE subscribers (
  imsi TEXT PRIMARY KEY,
  k_sealed {BLOB} NOT NULL,
  opc_sealed {BLOB} NOT NULL,
  amf INTEGER NOT NULL CHECK (amf BETWEEN 0 AND 65535),
  sqn BIGINT NOT NULL CHECK (sqn BETWEEN 0 AND 281474976710655),
  binding_mode TEXT NOT NULL CHECK (binding_mode IN ('none', 'imei-check', 'kme-required')),
  procedure1_allowed INTEGER NOT NULL CHECK (procedure1_allowed IN (0, 1)),
  procedure2_allowed INTEGER NOT NULL CHECK (procedure2_allowed IN (0, 1)),
  kme_renewal_requested INTEGER NOT NULL DEFAULT 0 CHECK (kme_renewal_requested IN (0, 1)),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
))",
    // The allowed IMSI/IMEI pairs (TR 33.868 §5.4.4.2.3.3 step 0).
    R"(CREATE TABLE bindings (
  imsi TEXT NOT NULL REFERENCES subscribers (imsi) ON DELETE CASCADE,
  imei TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (imsi, imei)
))",
    R"(CREATE TABLE devices (
  imei TEXT PRIMARY KEY,
  enc_profile TEXT NOT NULL CHECK (enc_profile IN ('A', 'B')),
  enc_public_key {BLOB} NOT NULL,
  sig_alg TEXT NOT NULL CHECK (sig_alg IN ('ed25519', 'ecdsa-p256')),
  sig_public_key {BLOB} NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
))",
    // The current KME of each pair, sealed with AAD "kmebind.store.kme" ‖ IMSI ‖ IMEI ‖ version;
    // kme_sealed is NULL once revoked, the row kept so that versions keep increasing.
    R"(CREATE TABLE kme_records (
  imsi TEXT NOT NULL REFERENCES subscribers (imsi) ON DELETE CASCADE,
  imei TEXT NOT NULL,
  version BIGINT NOT NULL CHECK (version >= 1),
  kme_sealed {BLOB},
  stored_at BIGINT NOT NULL,
  kme_procedure TEXT NOT NULL CHECK (kme_procedure IN ('1', '2', 'import')),
  source TEXT NOT NULL,
  PRIMARY KEY (imsi, imei)
))",
    R"(CREATE TABLE audit (
  id {AUTO_ID},
  created_at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  imsi TEXT,
  imei TEXT,
  detail TEXT NOT NULL
))",
};

// Version 2: the origin of audited data (import source name) and the lookups by IMSI in the
// audit trail and by IMEI in the binding list.
constexpr std::array<std::string_view, 3> kV2 = {
    "ALTER TABLE audit ADD COLUMN source TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX audit_by_imsi ON audit (imsi, id)",
    "CREATE INDEX bindings_by_imei ON bindings (imei)",
};

// Version 3: a pair's version counter may be set by an operator before any KME exists
// (SubscriberStore::raise_kme_version, docs/security.md §4.3): such a kme_records row holds no
// KME and procedure 'none'. Only the CHECK on kme_procedure changes. PostgreSQL replaces the
// constraint (named table_column_check by PostgreSQL) NOT VALID, so that the migration's ACCESS
// EXCLUSIVE lock does not last a scan of every KME record (the new CHECK only widens the old one,
// which every row met); the PostgreSQL engine validates it afterwards, outside the migration's
// transaction, under a lock that lets reads and writes go on (pg_store.cpp). SQLite cannot alter
// a CHECK, so the table is rebuilt with its rows (nothing references kme_records).
constexpr std::array<std::string_view, 1> kV3Postgres = {
    "ALTER TABLE kme_records DROP CONSTRAINT kme_records_kme_procedure_check, "
    "ADD CONSTRAINT kme_records_kme_procedure_check "
    "CHECK (kme_procedure IN ('1', '2', 'import', 'none')) NOT VALID",
};
constexpr std::array<std::string_view, 4> kV3Sqlite = {
    R"(CREATE TABLE kme_records_v3 (
  imsi TEXT NOT NULL REFERENCES subscribers (imsi) ON DELETE CASCADE,
  imei TEXT NOT NULL,
  version BIGINT NOT NULL CHECK (version >= 1),
  kme_sealed BLOB,
  stored_at BIGINT NOT NULL,
  kme_procedure TEXT NOT NULL CHECK (kme_procedure IN ('1', '2', 'import', 'none')),
  source TEXT NOT NULL,
  PRIMARY KEY (imsi, imei)
))",
    "INSERT INTO kme_records_v3 (imsi, imei, version, kme_sealed, stored_at, kme_procedure, source) "
    "SELECT imsi, imei, version, kme_sealed, stored_at, kme_procedure, source FROM kme_records",
    "DROP TABLE kme_records",
    "ALTER TABLE kme_records_v3 RENAME TO kme_records",
};

// Version 4: KME renewal per IMSI/IMEI pair instead of per subscriber. The data model is a flag
// on the pair's kme_records row: request_kme_renewal sets it on every row of the IMSI that holds a
// KME, store_kme writes the new KME with the flag 0, and a revocation (deny_binding,
// raise_kme_version) zeroes it with the KME. The flag sits in the row the HSS already reads per
// KME-Request (the pair's primary-key read), so renewal costs that hot path nothing; an epoch per
// subscriber compared with one stored per KME would do as well but needs the subscriber row in
// every comparison (listings, store_kme) and reads less plainly in the table. The subscriber-level
// state (SubscriberRecord::kme_renewal_requested, the exchange files' kme_renewal) is derived:
// some pair of the IMSI has a renewal pending. The migration carries the old meaning over: a
// subscriber flagged before it has each of its pairs that holds a KME pending after it, and its
// old column is zeroed and no longer read or written (dropping it would rewrite the subscribers
// table under SQLite). Finding the flagged subscribers reads the subscribers table once (no index
// on the old flag); the UPDATEs write only their rows. PostgreSQL adds the column with a constant
// default (no table rewrite) and its CHECK NOT VALID, validated after the migration like the
// version-3 CHECK (pg_store.cpp). SQLite checks the new column's CHECK as it adds it.
// The derived subscriber-level state is read by every get_subscriber, i.e. by every AIR and ULR:
// a partial index holding only the pending pairs answers its EXISTS without visiting the
// subscriber's KME rows (measured on SQLite with 200k subscribers each holding a KME: the read
// took 5.7 µs before version 4, 9.4 µs with the EXISTS alone, 6.0 µs with this index).
constexpr std::array<std::string_view, 5> kV4Postgres = {
    "ALTER TABLE kme_records ADD COLUMN renewal_requested INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE kme_records ADD CONSTRAINT kme_records_renewal_requested_check "
    "CHECK (renewal_requested IN (0, 1)) NOT VALID",
    "UPDATE kme_records SET renewal_requested = 1 WHERE kme_sealed IS NOT NULL AND imsi IN "
    "(SELECT imsi FROM subscribers WHERE kme_renewal_requested <> 0)",
    "UPDATE subscribers SET kme_renewal_requested = 0 WHERE kme_renewal_requested <> 0",
    "CREATE INDEX kme_records_renewal_pending ON kme_records (imsi) WHERE renewal_requested <> 0",
};
constexpr std::array<std::string_view, 4> kV4Sqlite = {
    "ALTER TABLE kme_records ADD COLUMN renewal_requested INTEGER NOT NULL DEFAULT 0 "
    "CHECK (renewal_requested IN (0, 1))",
    kV4Postgres[2],
    kV4Postgres[3],
    kV4Postgres[4],
};

// Version 5 (SQLite; nothing to do on PostgreSQL): kme_procedure's CHECK written as comparisons.
// SQLite checks `x IN (…)` with more than two constants by building a temporary index of the list
// on every INSERT that evaluates it: on the HSS's hot path (one KME stored per provisioning) that
// was a temporary B-tree opened, filled and freed per KME (store.md "Temporary tables on the hot
// path"). SQLite cannot alter a CHECK, so the table is rebuilt with its rows as in version 3, and
// the version-4 partial index, dropped with the old table, is made again. A row whose subscriber
// is gone (only a hand edit with foreign keys off leaves one: the cascade deletes them) is not
// copied: the new table's foreign key would refuse it, and the store would not open.
constexpr std::array<std::string_view, 5> kV5Sqlite = {
    R"(CREATE TABLE kme_records_v5 (
  imsi TEXT NOT NULL REFERENCES subscribers (imsi) ON DELETE CASCADE,
  imei TEXT NOT NULL,
  version BIGINT NOT NULL CHECK (version >= 1),
  kme_sealed BLOB,
  stored_at BIGINT NOT NULL,
  kme_procedure TEXT NOT NULL CHECK (kme_procedure = '1' OR kme_procedure = '2' OR
                                     kme_procedure = 'import' OR kme_procedure = 'none'),
  source TEXT NOT NULL,
  renewal_requested INTEGER NOT NULL DEFAULT 0 CHECK (renewal_requested IN (0, 1)),
  PRIMARY KEY (imsi, imei)
))",
    "INSERT INTO kme_records_v5 (imsi, imei, version, kme_sealed, stored_at, kme_procedure, "
    "source, renewal_requested) SELECT imsi, imei, version, kme_sealed, stored_at, kme_procedure, "
    "source, renewal_requested FROM kme_records WHERE imsi IN (SELECT imsi FROM subscribers)",
    "DROP TABLE kme_records",
    "ALTER TABLE kme_records_v5 RENAME TO kme_records",
    kV4Postgres[4],
};

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

template <std::size_t N>
std::vector<std::string> render_all(const std::array<std::string_view, N>& sqls, Dialect d) {
  std::vector<std::string> out;
  out.reserve(N);
  for (auto sql : sqls) out.push_back(render(sql, d));
  return out;
}

}  // namespace

std::string render(std::string_view sql, Dialect dialect) {
  std::string out(sql);
  const bool pg = dialect == Dialect::kPostgres;
  replace_all(out, "{BLOB}", pg ? "BYTEA" : "BLOB");
  replace_all(out, "{AUTO_ID}",
              pg ? "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY");
  return out;
}

std::vector<Migration> migrations(Dialect dialect) {
  std::vector<Migration> steps;
  steps.push_back({1, "base tables", render_all(kV1, dialect)});
  steps.push_back({2, "audit source column, audit and binding indexes", render_all(kV2, dialect)});
  steps.push_back({3, "KME version counter without a KME (procedure 'none')",
                   dialect == Dialect::kPostgres ? render_all(kV3Postgres, dialect)
                                                 : render_all(kV3Sqlite, dialect)});
  steps.push_back({4, "KME renewal per IMSI/IMEI pair (kme_records.renewal_requested)",
                   dialect == Dialect::kPostgres ? render_all(kV4Postgres, dialect)
                                                 : render_all(kV4Sqlite, dialect)});
  steps.push_back({5, "KME procedure CHECK as comparisons (SQLite: no temporary index per insert)",
                   dialect == Dialect::kPostgres ? std::vector<std::string>{}
                                                 : render_all(kV5Sqlite, dialect)});
  return steps;
}

}  // namespace kmebind::store
