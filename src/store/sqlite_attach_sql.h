// The SQL of the SQLite engine's statements that an attach runs: the AIR's reads and SQN advance,
// the reads of a confirming ULR (get_pair), the KME it stores and its audit row, and the renewal
// mark of a refused racing confirm. Named here so that the engine and the test that checks them
// (tests/store/sqlite_attach_sql_test.cpp: EXPLAIN shows no temporary table, EXPLAIN QUERY PLAN
// index searches only) run the same text. SQLite builds a temporary B-tree inside a statement for
// a FROM subquery it cannot flatten, for RETURNING, and for a CHECK (x IN (…)) of more than two
// constants; on this path each cost far more than its ≈ 2 µs alone (docs/store.md "Temporary
// tables on the hot path").
#pragma once

#include <string>
#include <string_view>

#include "store/sqlite_rows.h"

namespace kmebind::store::sqlite::attach_sql {

// get_subscriber (AIR, ULR): ?1 IMSI.
inline const std::string& subscriber() {
  static const std::string sql =
      "SELECT " + std::string(kSubscriberColumns) + " FROM subscribers s WHERE s.imsi = ?1";
  return sql;
}

// get_pair's subscriber, without K and OPc: ?1 IMSI.
inline const std::string& pair_subscriber() {
  static const std::string sql =
      "SELECT " + std::string(kPairSubscriberColumns) + " FROM subscribers s WHERE s.imsi = ?1";
  return sql;
}

// get_sole_pair: the subscriber and (columns 9, 10) the least and the second least IMEI it
// allows, each NULL when there is none — two scalar subqueries, each one lookup in the binding
// list's primary key: ?1 IMSI.
inline const std::string& sole_pair() {
  static const std::string sql =
      "SELECT " + std::string(kPairSubscriberColumns) +
      ", (SELECT imei FROM bindings WHERE imsi = ?1 ORDER BY imei LIMIT 1), "
      "(SELECT imei FROM bindings WHERE imsi = ?1 ORDER BY imei LIMIT 1 OFFSET 1) "
      "FROM subscribers s WHERE s.imsi = ?1";
  return sql;
}

// get_pair: ?1 IMSI, ?2 IMEI.
inline constexpr std::string_view kBinding = "SELECT 1 FROM bindings WHERE imsi = ?1 AND imei = ?2";

// get_pair, get_sole_pair: ?1 IMEI.
inline const std::string& device() {
  static const std::string sql =
      "SELECT " + std::string(kDeviceColumns) + " FROM devices WHERE imei = ?1";
  return sql;
}

// get_pair, get_sole_pair: the pair's kme_records row, present or revoked: ?1 IMSI, ?2 IMEI.
inline const std::string& kme() {
  static const std::string sql =
      "SELECT " + std::string(kKmeColumns) + " FROM kme_records WHERE imsi = ?1 AND imei = ?2";
  return sql;
}

// advance_sqn, inside its write transaction (TS 33.102 Annex C.1.1.2): ?1 IMSI; then ?1 SQN,
// ?2 now, ?3 IMSI.
inline constexpr std::string_view kSqnRead = "SELECT sqn FROM subscribers WHERE imsi = ?1";
inline constexpr std::string_view kSqnWrite =
    "UPDATE subscribers SET sqn = ?1, updated_at = ?2 WHERE imsi = ?3";

// store_kme: the subscriber, the pair's binding and its version counter in one statement: ?1 IMSI,
// ?2 IMEI.
inline constexpr std::string_view kKmeStoreCheck =
    "SELECT EXISTS (SELECT 1 FROM bindings b WHERE b.imsi = ?1 AND b.imei = ?2), "
    "(SELECT k.version FROM kme_records k WHERE k.imsi = ?1 AND k.imei = ?2) "
    "FROM subscribers s WHERE s.imsi = ?1";

// store_kme: the new KME, with no renewal pending (schema.cpp version 4): ?1 IMSI, ?2 IMEI,
// ?3 version, ?4 sealed KME, ?5 stored at, ?6 procedure, ?7 source.
inline constexpr std::string_view kKmeStore =
    "INSERT INTO kme_records (imsi, imei, version, kme_sealed, stored_at, kme_procedure, source, "
    "renewal_requested) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0) "
    "ON CONFLICT (imsi, imei) DO UPDATE SET version = excluded.version, "
    "kme_sealed = excluded.kme_sealed, stored_at = excluded.stored_at, "
    "kme_procedure = excluded.kme_procedure, source = excluded.source, renewal_requested = 0";

// Every audited change: ?1 created at, ?2 actor, ?3 action, ?4 IMSI, ?5 IMEI, ?6 detail, ?7 source.
inline constexpr std::string_view kAudit =
    "INSERT INTO audit (created_at, actor, action, imsi, imei, detail, source) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

// request_pair_kme_renewal (a refused racing confirm marks its own pair): one row by primary key,
// whether it changed read from sqlite3_changes: ?1 IMSI, ?2 IMEI, ?3 version.
inline constexpr std::string_view kRenewalMark =
    "UPDATE kme_records SET renewal_requested = 1 WHERE imsi = ?1 AND imei = ?2 AND "
    "version = ?3 AND kme_sealed IS NOT NULL AND renewal_requested = 0";

}  // namespace kmebind::store::sqlite::attach_sql
