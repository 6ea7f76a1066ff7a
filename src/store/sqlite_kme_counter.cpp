// SQLite engine: raise_kme_version, an operator's way out of a KME rollback lock-out
// (docs/security.md §4.3).
#include <limits>

#include "store/engine_util.h"
#include "store/kme_counter.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace kmebind::store::sqlite {
namespace {

// The subscriber, the pair's binding and its kme_records row in one statement; nullopt when the
// pair is not allowed.
Result<std::optional<KmeCounter>> read_counter(Connection& c, std::string_view imsi,
                                                    std::string_view imei) {
  auto s = c.prepare(
      "SELECT EXISTS (SELECT 1 FROM bindings b WHERE b.imsi = ?1 AND b.imei = ?2), "
      "(SELECT k.version FROM kme_records k WHERE k.imsi = ?1 AND k.imei = ?2), "
      "(SELECT k.kme_sealed IS NOT NULL FROM kme_records k WHERE k.imsi = ?1 AND k.imei = ?2) "
      "FROM subscribers s WHERE s.imsi = ?1");
  if (!s) return pass(s);
  s->bind_text(1, imsi).bind_text(2, imei);
  auto row = s->step();
  if (!row) return pass(row);
  if (!*row) return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
  if (s->column_int(0) == 0) return std::optional<KmeCounter>();
  KmeCounter state;
  if (!s->column_is_null(1)) {
    const std::int64_t v = s->column_int(1);
    if (v < 1 || v > std::numeric_limits<std::uint32_t>::max()) {
      return fail(Code::kCorruption, "KME version out of range for IMSI " + std::string(imsi));
    }
    state.counter = static_cast<std::uint32_t>(v);
    state.kme_present = s->column_int(2) != 0;
  }
  return std::optional<KmeCounter>(state);
}

}  // namespace

Result<KmeCounter> SqliteStore::raise_kme_version(std::string_view imsi,
                                                     std::string_view imei_in,
                                                     std::uint32_t version,
                                                     std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  if (auto st = check_raise_target(version); !st) return std::unexpected(st.error());
  return write([&](Connection& c) -> Result<KmeCounter> {
    auto state = read_counter(c, imsi, *imei);
    if (!state) return pass(state);
    if (!*state) return std::unexpected(pair_not_allowed(imsi, *imei));
    auto changes = plan_kme_counter_raise(imsi, *imei, **state, version);
    if (!changes) return pass(changes);
    if (!*changes) return **state;
    const std::int64_t now = now_unix_s();
    auto s = c.prepare(
        "INSERT INTO kme_records (imsi, imei, version, kme_sealed, stored_at, kme_procedure, "
        "source) "
        "VALUES (?, ?, ?, NULL, ?, 'none', ?) "
        "ON CONFLICT (imsi, imei) DO UPDATE SET version = excluded.version, kme_sealed = NULL, "
        "renewal_requested = 0, stored_at = excluded.stored_at, kme_procedure = 'none', source = "
        "excluded.source");
    if (!s) return pass(s);
    s->bind_text(1, imsi).bind_text(2, *imei).bind_int(3, version).bind_int(4, now).bind_text(5, actor);
    if (auto st = s->run(); !st) return pass(st);
    const std::string detail = kme_counter_raise_detail(**state, version);
    if (auto st = insert_audit(c, now, {actor, "kme-version-raise", imsi, *imei, detail, ""}); !st) {
      return pass(st);
    }
    return **state;
  });
}

}  // namespace kmebind::store::sqlite
