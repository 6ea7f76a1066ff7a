// The SQL of the SQLite engine's keyset listings (SubscriberStore::list_subscribers and
// list_kme_status, subscriber_store.h "keyset paging"). Named here so that the engine and the tests
// that check their query plans (EXPLAIN QUERY PLAN: primary-key range reads, no table scan) run the
// same text. The first page binds "" as the last key seen: every IMSI and IMEI sorts after it.
#pragma once

#include <string_view>

namespace kmebind::store::sqlite::listing_sql {

// ?1 IMSI after, ?2 limit.
inline constexpr std::string_view kSubscribers =
    "SELECT imsi FROM subscribers WHERE imsi > ?1 ORDER BY imsi LIMIT ?2";

// All pairs, with the columns list_kme_status reads: ?1 IMSI after, ?2 IMEI after, ?3 limit.
inline constexpr std::string_view kKmeStatus =
    "SELECT k.imsi, k.imei, k.version, k.stored_at, k.kme_procedure, k.source, "
    "k.kme_sealed IS NOT NULL, k.renewal_requested "
    "FROM kme_records k "
    "WHERE (k.imsi, k.imei) > (?1, ?2) ORDER BY k.imsi, k.imei LIMIT ?3";

// One IMSI's pairs, same columns: ?1 IMSI, ?2 IMSI after, ?3 IMEI after, ?4 limit.
inline constexpr std::string_view kKmeStatusOfImsi =
    "SELECT k.imsi, k.imei, k.version, k.stored_at, k.kme_procedure, k.source, "
    "k.kme_sealed IS NOT NULL, k.renewal_requested "
    "FROM kme_records k "
    "WHERE k.imsi = ?1 AND (k.imsi, k.imei) > (?2, ?3) ORDER BY k.imei LIMIT ?4";

}  // namespace kmebind::store::sqlite::listing_sql
