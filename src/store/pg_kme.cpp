// PostgreSQL engine: KME records (TR 33.868 §5.4.4.2.3.3).
#include <chrono>

#include "store/engine_util.h"
#include "store/pg_rows.h"
#include "store/pg_store.h"

namespace kmebind::store::pg {
Result<std::optional<KmeRecord>> PgStore::get_kme(std::string_view imsi, std::string_view imei_in) {
  if (auto st = check_imsi(imsi); !st) return pass(st);
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return run(Txn::kNone, [&](Connection& c) -> Result<std::optional<KmeRecord>> {
    auto r = c.query(
        "SELECT version, kme_sealed, stored_at, kme_procedure, source, renewal_requested "
        "FROM kme_records "
        "WHERE imsi = $1 AND imei = $2 AND kme_sealed IS NOT NULL",
        Params().text(imsi).text(*imei));
    if (!r) return pass(r);
    if (r->count() == 0) return std::optional<KmeRecord>();
    KmeRecord k;
    k.imsi = std::string(imsi);
    k.imei = *imei;
    auto version = version_of(*r, 0, 0);
    if (!version) return pass(version);
    k.version = *version;
    auto kme = keys_.open_kme(imsi, *imei, k.version, r->bytes(0, 1));
    if (!kme) return pass(kme);
    k.kme = std::move(*kme);
    k.stored_at_unix_s = r->integer_or_zero(0, 2);
    auto procedure = parse_kme_procedure(r->text(0, 3));
    if (!procedure) return pass(procedure);
    k.procedure = *procedure;
    k.source = r->text(0, 4);
    k.renewal_requested = r->integer_or_zero(0, 5) != 0;
    return std::optional<KmeRecord>(std::move(k));
  });
}

Result<std::uint32_t> PgStore::store_kme(std::string_view imsi, std::string_view imei_in,
                                         const SecretBytes& kme, int procedure,
                                         std::string_view source,
                                         std::optional<std::uint32_t> expected_previous_version) {
  if (auto st = check_imsi(imsi); !st) return pass(st);
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  if (auto st = validate_kme(kme, procedure); !st) return pass(st);
  if (source.empty()) return fail(Code::kInvalidArgument, "KME source must not be empty");
  return run(Txn::kWrite, [&](Connection& c) {
    return store_kme_row(c, keys_, imsi, *imei, kme, procedure, source, expected_previous_version,
                         now_unix_s());
  });
}

Result<std::uint32_t> PgStore::kme_version(std::string_view imsi, std::string_view imei_in) {
  if (auto st = check_imsi(imsi); !st) return pass(st);
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return run(Txn::kNone, [&](Connection& c) -> Result<std::uint32_t> {
    auto r = c.query("SELECT version FROM kme_records WHERE imsi = $1 AND imei = $2",
                     Params().text(imsi).text(*imei));
    if (!r) return pass(r);
    if (r->count() == 0) return 0u;
    return version_of(*r, 0, 0);
  });
}

// Keyset paging (subscriber_store.h): one range scan of the primary key (imsi, imei) from
// `after` on (a row comparison, which a B-tree index scan takes as its start); with `imsi`, an
// equality on the key's first column. Every column is the KME row's own (the renewal state too,
// schema.cpp version 4): no join, so no second scan whose start the planner could misplace.
Result<std::vector<KmeStatus>> PgStore::list_kme_status(std::optional<std::string_view> imsi,
                                                        std::size_t limit,
                                                        const std::optional<PairKey>& after) {
  if (imsi) {
    if (auto st = check_imsi(*imsi); !st) return pass(st);
  }
  PairKey from;  // "", "": before every pair
  if (after) {
    auto key = normalize_pair_key(*after);
    if (!key) return pass(key);
    from = std::move(*key);
  }
  return run(Txn::kNone, [&](Connection& c) -> Result<std::vector<KmeStatus>> {
    Params p;
    if (imsi) p.text(*imsi);
    p.text(from.imsi).text(from.imei).integer(sql_limit(limit));
    constexpr std::string_view kSelect =
        "SELECT k.imsi, k.imei, k.version, k.stored_at, k.kme_procedure, k.source, "
        "k.kme_sealed IS NOT NULL, k.renewal_requested FROM kme_records k ";
    auto r = c.query(
        std::string(kSelect) +
            (imsi ? "WHERE k.imsi = $1 AND (k.imsi, k.imei) > ($2, $3) ORDER BY k.imei LIMIT $4"
                  : "WHERE (k.imsi, k.imei) > ($1, $2) "
                    "ORDER BY k.imsi, k.imei LIMIT $3"),
        p);
    if (!r) return pass(r);
    std::vector<KmeStatus> out;
    for (int i = 0; i < r->count(); ++i) {
      KmeStatus k;
      k.imsi = r->text(i, 0);
      k.imei = r->text(i, 1);
      auto version = version_of(*r, i, 2);
      if (!version) return pass(version);
      k.version = *version;
      k.stored_at_unix_s = r->integer_or_zero(i, 3);
      auto procedure = parse_kme_procedure(r->text(i, 4));
      if (!procedure) return pass(procedure);
      k.procedure = *procedure;
      k.source = r->text(i, 5);
      k.present = r->integer_or_zero(i, 6) != 0;
      k.renewal_requested = r->integer_or_zero(i, 7) != 0;
      out.push_back(std::move(k));
    }
    return out;
  });
}

}  // namespace kmebind::store::pg
