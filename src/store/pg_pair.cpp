// PostgreSQL engine: get_pair, the reads of a KME-Request or a ULR in one statement — one round
// trip and one snapshot instead of five of each (docs/performance-s6a.md "PostgreSQL").
#include <string>

#include "store/engine_util.h"
#include "store/pg_rows.h"
#include "store/pg_store.h"

namespace kmebind::store::pg {
namespace {

// Columns: 0-8 kSubscriberColumns, 9 binding allowed, 10-14 kDeviceColumns (NULL: no device),
// 15-20 the pair's kme_records row (NULL: none; kme_sealed NULL: revoked, the counter stays).
constexpr int kBindingColumn = 9;
constexpr int kDeviceFirst = 10;
constexpr int kKmeFirst = 15;

const std::string& pair_query() {
  static const std::string sql =
      "SELECT s.*, EXISTS (SELECT 1 FROM bindings b WHERE b.imsi = $1 AND b.imei = $2), "
      "d.imei, d.enc_profile, d.enc_public_key, d.sig_alg, d.sig_public_key, "
      "k.version, k.kme_sealed, k.stored_at, k.kme_procedure, k.source, k.renewal_requested "
      "FROM (SELECT " +
      std::string(kPairSubscriberColumns) +
      " FROM subscribers s WHERE s.imsi = $1) s "
      "LEFT JOIN devices d ON d.imei = $2 "
      "LEFT JOIN kme_records k ON k.imsi = $1 AND k.imei = $2";
  return sql;
}

}  // namespace

Result<PairView> PgStore::get_pair(std::string_view imsi, std::string_view imei_in) {
  if (auto st = check_imsi(imsi); !st) return pass(st);
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return run(Txn::kNone, [&](Connection& c) -> Result<PairView> {
    auto r = c.query(pair_query(), Params().text(imsi).text(*imei));
    if (!r) return pass(r);
    if (r->count() == 0)
      return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
    PairView view;
    auto sub = decode_subscriber(*r, 0, keys_, /*with_keys=*/false);
    if (!sub) return pass(sub);
    view.subscriber = std::move(*sub);
    view.binding_allowed = r->integer_or_zero(0, kBindingColumn) != 0;
    if (!r->is_null(0, kDeviceFirst)) {
      auto device = decode_device(*r, 0, kDeviceFirst);
      if (!device) return pass(device);
      view.device = std::move(*device);
    }
    if (r->is_null(0, kKmeFirst)) return view;  // no KME was ever stored for the pair
    auto version = version_of(*r, 0, kKmeFirst);
    if (!version) return pass(version);
    view.kme_version = *version;
    if (r->is_null(0, kKmeFirst + 1)) return view;  // revoked: the counter stays
    KmeRecord k;
    k.imsi = std::string(imsi);
    k.imei = *imei;
    k.version = *version;
    auto kme = keys_.open_kme(imsi, *imei, k.version, r->bytes(0, kKmeFirst + 1));
    if (!kme) return pass(kme);
    k.kme = std::move(*kme);
    k.stored_at_unix_s = r->integer_or_zero(0, kKmeFirst + 2);
    auto procedure = parse_kme_procedure(r->text(0, kKmeFirst + 3));
    if (!procedure) return pass(procedure);
    k.procedure = *procedure;
    k.source = r->text(0, kKmeFirst + 4);
    k.renewal_requested = r->integer_or_zero(0, kKmeFirst + 5) != 0;
    view.kme = std::move(k);
    return view;
  });
}

}  // namespace kmebind::store::pg
