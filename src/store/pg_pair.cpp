// PostgreSQL engine: get_pair, the reads of a KME-Request or a ULR in one statement — one round
// trip and one snapshot instead of five of each (docs/performance-s6a.md "PostgreSQL"); and
// get_sole_pair, the reads of an AIR that attaches KME material (the subscription's binding
// count and its one pair), in one statement too.
#include <string>

#include "store/engine_util.h"
#include "store/pg_rows.h"
#include "store/pg_store.h"

namespace kmebind::store::pg {
namespace {

// get_pair's columns: 0-8 kSubscriberColumns, 9 binding allowed, 10-14 kDeviceColumns (NULL: no
// device), 15-20 the pair's kme_records row (NULL: none; kme_sealed NULL: revoked, the counter
// stays).
constexpr int kBindingColumn = 9;
constexpr int kDeviceFirst = 10;
constexpr int kKmeFirst = 15;

// The device and KME columns both queries end with, from the LEFT JOINs of `d` and `k`.
constexpr std::string_view kDeviceAndKmeColumns =
    "d.imei, d.enc_profile, d.enc_public_key, d.sig_alg, d.sig_public_key, "
    "k.version, k.kme_sealed, k.stored_at, k.kme_procedure, k.source, k.renewal_requested ";

const std::string& pair_query() {
  static const std::string sql =
      "SELECT s.*, EXISTS (SELECT 1 FROM bindings b WHERE b.imsi = $1 AND b.imei = $2), " +
      std::string(kDeviceAndKmeColumns) + "FROM (SELECT " + std::string(kPairSubscriberColumns) +
      " FROM subscribers s WHERE s.imsi = $1) s "
      "LEFT JOIN devices d ON d.imei = $2 "
      "LEFT JOIN kme_records k ON k.imsi = $1 AND k.imei = $2";
  return sql;
}

// get_sole_pair's columns: 0-8 kSubscriberColumns, 9 the allowed IMEIs counted up to two (the
// binding list read stops at its second row), 10 the least of them, 11-15 kDeviceColumns and
// 16-21 the kme_records row of that pair when the count is 1 (else NULL).
constexpr int kAllowedColumn = 9;
constexpr int kSoleImeiColumn = 10;
constexpr int kSoleDeviceFirst = 11;
constexpr int kSoleKmeFirst = 16;

const std::string& sole_query() {
  static const std::string sql =
      "SELECT s.*, n.allowed, n.imei, " + std::string(kDeviceAndKmeColumns) + "FROM (SELECT " +
      std::string(kPairSubscriberColumns) +
      " FROM subscribers s WHERE s.imsi = $1) s "
      "CROSS JOIN (SELECT count(*) AS allowed, min(b.imei) AS imei "
      "FROM (SELECT imei FROM bindings WHERE imsi = $1 LIMIT 2) b) n "
      "LEFT JOIN devices d ON n.allowed = 1 AND d.imei = n.imei "
      "LEFT JOIN kme_records k ON n.allowed = 1 AND k.imsi = $1 AND k.imei = n.imei";
  return sql;
}

// The device (from column `device_first`) and the pair's KME row (from `kme_first`) of row 0 into
// `view`: NULL device columns mean no device, a NULL version no KME row, a NULL kme_sealed a
// revoked KME whose counter stays.
Status decode_device_and_kme(const Rows& r, const KeyWrap& keys, std::string_view imsi,
                             std::string_view imei, int device_first, int kme_first,
                             PairView& view) {
  if (!r.is_null(0, device_first)) {
    auto device = decode_device(r, 0, device_first);
    if (!device) return pass(device);
    view.device = std::move(*device);
  }
  if (r.is_null(0, kme_first)) return {};  // no KME was ever stored for the pair
  auto version = version_of(r, 0, kme_first);
  if (!version) return pass(version);
  view.kme_version = *version;
  if (r.is_null(0, kme_first + 1)) return {};  // revoked: the counter stays
  KmeRecord k;
  k.imsi = std::string(imsi);
  k.imei = std::string(imei);
  k.version = *version;
  auto kme = keys.open_kme(imsi, imei, k.version, r.bytes(0, kme_first + 1));
  if (!kme) return pass(kme);
  k.kme = std::move(*kme);
  k.stored_at_unix_s = r.integer_or_zero(0, kme_first + 2);
  auto procedure = parse_kme_procedure(r.text(0, kme_first + 3));
  if (!procedure) return pass(procedure);
  k.procedure = *procedure;
  k.source = r.text(0, kme_first + 4);
  k.renewal_requested = r.integer_or_zero(0, kme_first + 5) != 0;
  view.kme = std::move(k);
  return {};
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
    if (auto st = decode_device_and_kme(*r, keys_, imsi, *imei, kDeviceFirst, kKmeFirst, view);
        !st) {
      return pass(st);
    }
    return view;
  });
}

Result<SolePair> PgStore::get_sole_pair(std::string_view imsi) {
  if (auto st = check_imsi(imsi); !st) return pass(st);
  return run(Txn::kNone, [&](Connection& c) -> Result<SolePair> {
    auto r = c.query(sole_query(), Params().text(imsi));
    if (!r) return pass(r);
    if (r->count() == 0)
      return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
    SolePair out;
    const std::int64_t allowed = r->integer_or_zero(0, kAllowedColumn);
    if (allowed < 0 || allowed > 2) return fail(Code::kCorruption, "binding count out of range");
    out.allowed_imeis = static_cast<std::uint32_t>(allowed);
    if (out.allowed_imeis != 1) return out;
    PairView view;
    auto sub = decode_subscriber(*r, 0, keys_, /*with_keys=*/false);
    if (!sub) return pass(sub);
    view.subscriber = std::move(*sub);
    view.binding_allowed = true;
    out.imei = r->text(0, kSoleImeiColumn);
    if (auto st = decode_device_and_kme(*r, keys_, imsi, out.imei, kSoleDeviceFirst,
                                        kSoleKmeFirst, view);
        !st) {
      return pass(st);
    }
    out.pair = std::move(view);
    return out;
  });
}

}  // namespace kmebind::store::pg
