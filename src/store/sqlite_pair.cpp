// SQLite engine: get_pair, the reads of a KME-Request or a confirming ULR in one read transaction
// (one connection, one WAL snapshot, instead of five of each).
#include <limits>

#include "store/engine_util.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace kmebind::store::sqlite {
namespace {

const std::string& subscriber_query() {
  static const std::string sql =
      "SELECT " + std::string(kPairSubscriberColumns) + " FROM subscribers s WHERE s.imsi = ?";
  return sql;
}

const std::string& device_query() {
  static const std::string sql =
      "SELECT " + std::string(kDeviceColumns) + " FROM devices WHERE imei = ?";
  return sql;
}

// The pair's kme_records row: the version counter, and the KME when it is present (not revoked).
Status read_kme(Connection& c, const KeyWrap& keys, std::string_view imsi, std::string_view imei,
                PairView& view) {
  auto s = c.prepare("SELECT " + std::string(kKmeColumns) +
                     " FROM kme_records WHERE imsi = ? AND imei = ?");
  if (!s) return pass(s);
  s->bind_text(1, imsi).bind_text(2, imei);
  auto row = s->step();
  if (!row) return pass(row);
  if (!*row) return {};
  const std::int64_t v = s->column_int(0);
  if (v < 1 || v > std::numeric_limits<std::uint32_t>::max()) {
    return fail(Code::kCorruption, "KME version out of range");
  }
  view.kme_version = static_cast<std::uint32_t>(v);
  if (s->column_is_null(1)) return {};  // revoked: the counter stays
  auto r = decode_kme(*s, keys, imsi, imei, view.kme_version);
  if (!r) return pass(r);
  view.kme = std::move(*r);
  return {};
}

}  // namespace

Result<PairView> SqliteStore::get_pair(std::string_view imsi, std::string_view imei_in) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return read([&](Connection& c) -> Result<PairView> {
    PairView view;
    {
      auto s = c.prepare(subscriber_query());
      if (!s) return pass(s);
      s->bind_text(1, imsi);
      auto row = s->step();
      if (!row) return pass(row);
      if (!*row) return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
      auto sub = decode_subscriber(*s, keys_, /*with_keys=*/false);
      if (!sub) return pass(sub);
      view.subscriber = std::move(*sub);
    }
    {
      auto s = c.prepare("SELECT 1 FROM bindings WHERE imsi = ? AND imei = ?");
      if (!s) return pass(s);
      s->bind_text(1, imsi).bind_text(2, *imei);
      auto row = s->step();
      if (!row) return pass(row);
      view.binding_allowed = *row;
    }
    {
      auto s = c.prepare(device_query());
      if (!s) return pass(s);
      s->bind_text(1, *imei);
      auto row = s->step();
      if (!row) return pass(row);
      if (*row) {
        auto device = decode_device(*s);
        if (!device) return pass(device);
        view.device = std::move(*device);
      }
    }
    if (auto st = read_kme(c, keys_, imsi, *imei, view); !st) return std::unexpected(st.error());
    return view;
  }, /*snapshot=*/true);
}

}  // namespace kmebind::store::sqlite
