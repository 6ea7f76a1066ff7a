// PostgreSQL engine: raise_kme_version, an operator's way out of a KME rollback lock-out
// (docs/security.md §4.3).
#include <chrono>

#include "store/engine_util.h"
#include "store/kme_counter.h"
#include "store/pg_rows.h"
#include "store/pg_store.h"

namespace kmebind::store::pg {
namespace {

// Locks the pair's binding row (the pair's lock, as store_kme_row takes it: a concurrent
// store_kme or deny_binding of the pair waits) and reads its kme_records row; nullopt when the
// pair is not allowed.
Result<std::optional<KmeCounter>> lock_and_read_counter(Connection& c, std::string_view imsi,
                                                             std::string_view imei) {
  auto lock = c.query("SELECT 1 FROM bindings WHERE imsi = $1 AND imei = $2 FOR UPDATE",
                      Params().text(imsi).text(imei));
  if (!lock) return pass(lock);
  if (lock->count() == 0) {
    if (auto st = require_subscriber(c, imsi); !st) return pass(st);
    return std::optional<KmeCounter>();
  }
  auto r = c.query(
      "SELECT version, kme_sealed IS NOT NULL FROM kme_records WHERE imsi = $1 AND imei = $2",
      Params().text(imsi).text(imei));
  if (!r) return pass(r);
  KmeCounter state;
  if (r->count() > 0) {
    auto v = version_of(*r, 0, 0);
    if (!v) return std::unexpected(v.error().with_context("IMSI " + std::string(imsi)));
    state.counter = *v;
    state.kme_present = r->integer_or_zero(0, 1) != 0;
  }
  return std::optional<KmeCounter>(state);
}

}  // namespace

Result<KmeCounter> PgStore::raise_kme_version(std::string_view imsi, std::string_view imei_in,
                                                 std::uint32_t version, std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return pass(st);
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  if (auto st = check_raise_target(version); !st) return pass(st);
  return run(Txn::kWrite, [&](Connection& c) -> Result<KmeCounter> {
    auto state = lock_and_read_counter(c, imsi, *imei);
    if (!state) return pass(state);
    if (!*state) return std::unexpected(pair_not_allowed(imsi, *imei));
    auto changes = plan_kme_counter_raise(imsi, *imei, **state, version);
    if (!changes) return pass(changes);
    if (!*changes) return **state;
    const std::int64_t now = now_unix_s();
    auto w = c.query(
        "INSERT INTO kme_records (imsi, imei, version, kme_sealed, stored_at, kme_procedure, "
        "source) VALUES ($1, $2, $3, NULL, $4, 'none', $5) "
        "ON CONFLICT (imsi, imei) DO UPDATE SET version = excluded.version, kme_sealed = NULL, "
        "renewal_requested = 0, stored_at = excluded.stored_at, kme_procedure = 'none', source = "
        "excluded.source",
        Params().text(imsi).text(*imei).integer(version).integer(now).text(actor));
    if (!w) return pass(w);
    const std::string detail = kme_counter_raise_detail(**state, version);
    if (auto st = insert_audit(c, now, {actor, "kme-version-raise", imsi, *imei, detail, ""}); !st) {
      return pass(st);
    }
    return **state;
  });
}

}  // namespace kmebind::store::pg
