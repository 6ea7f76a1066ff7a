// SQLite engine: KME records (TR 33.868 §5.4.4.2.3.3).
#include <limits>

#include "store/engine_util.h"
#include "store/sqlite_listings.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace kmebind::store::sqlite {
namespace {

Result<std::uint32_t> version_of(const Statement& s, int col) {
  const std::int64_t v = s.column_int(col);
  if (v < 1 || v > std::numeric_limits<std::uint32_t>::max()) {
    return fail(Code::kCorruption, "KME version out of range");
  }
  return static_cast<std::uint32_t>(v);
}

}  // namespace

Result<std::optional<KmeRecord>> SqliteStore::get_kme(std::string_view imsi,
                                                      std::string_view imei_in) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return read([&](Connection& c) -> Result<std::optional<KmeRecord>> {
    auto s = c.prepare("SELECT " + std::string(kKmeColumns) +
                       " FROM kme_records WHERE imsi = ? AND imei = ? AND kme_sealed IS NOT NULL");
    if (!s) return pass(s);
    s->bind_text(1, imsi).bind_text(2, *imei);
    auto row = s->step();
    if (!row) return pass(row);
    if (!*row) return std::optional<KmeRecord>();
    auto version = version_of(*s, 0);
    if (!version) return pass(version);
    auto r = decode_kme(*s, keys_, imsi, *imei, *version);
    if (!r) return pass(r);
    return std::optional<KmeRecord>(std::move(*r));
  });
}

Result<std::uint32_t> SqliteStore::store_kme(std::string_view imsi, std::string_view imei_in,
                                             const SecretBytes& kme, int procedure,
                                             std::string_view source,
                                             std::optional<std::uint32_t> expected_previous_version) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  if (auto st = validate_kme(kme, procedure); !st) return std::unexpected(st.error());
  if (source.empty()) return fail(Code::kInvalidArgument, "KME source must not be empty");
  return write([&](Connection& c) {
    return store_kme_row(c, keys_, imsi, *imei, kme, procedure, source, expected_previous_version,
                         now_unix_s());
  });
}

Result<std::uint32_t> SqliteStore::kme_version(std::string_view imsi, std::string_view imei_in) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return read([&](Connection& c) -> Result<std::uint32_t> {
    auto s = c.prepare("SELECT version FROM kme_records WHERE imsi = ? AND imei = ?");
    if (!s) return pass(s);
    s->bind_text(1, imsi).bind_text(2, *imei);
    auto row = s->step();
    if (!row) return pass(row);
    if (!*row) return 0u;
    return version_of(*s, 0);
  });
}

// Keyset paging (subscriber_store.h): one range read of the primary key (imsi, imei) from `after`
// on; with `imsi`, a lookup of that IMSI's pairs by the primary key.
Result<std::vector<KmeStatus>> SqliteStore::list_kme_status(std::optional<std::string_view> imsi,
                                                            std::size_t limit,
                                                            const std::optional<PairKey>& after) {
  if (imsi) {
    if (auto st = check_imsi(*imsi); !st) return std::unexpected(st.error());
  }
  PairKey from;  // "", "": before every pair
  if (after) {
    auto key = normalize_pair_key(*after);
    if (!key) return pass(key);
    from = std::move(*key);
  }
  return read([&](Connection& c) -> Result<std::vector<KmeStatus>> {
    auto s = c.prepare(imsi ? listing_sql::kKmeStatusOfImsi : listing_sql::kKmeStatus);
    if (!s) return pass(s);
    int next = 1;
    if (imsi) s->bind_text(next++, *imsi);
    s->bind_text(next, from.imsi)
        .bind_text(next + 1, from.imei)
        .bind_int(next + 2, sql_limit(limit));
    std::vector<KmeStatus> out;
    for (;;) {
      auto row = s->step();
      if (!row) return pass(row);
      if (!*row) return out;
      KmeStatus k;
      k.imsi = s->column_text(0);
      k.imei = s->column_text(1);
      auto version = version_of(*s, 2);
      if (!version) return pass(version);
      k.version = *version;
      k.stored_at_unix_s = s->column_int(3);
      auto procedure = parse_kme_procedure(s->column_text(4));
      if (!procedure) return pass(procedure);
      k.procedure = *procedure;
      k.source = s->column_text(5);
      k.present = s->column_int(6) != 0;
      k.renewal_requested = s->column_int(7) != 0;
      out.push_back(std::move(k));
    }
  }, /*snapshot=*/false);
}

}  // namespace kmebind::store::sqlite
