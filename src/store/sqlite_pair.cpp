// SQLite engine: get_pair, the reads of a KME-Request or a confirming ULR in one read transaction
// (one connection, one WAL snapshot, instead of five of each); get_sole_pair, the reads of an
// AIR that attaches KME material, likewise (how many IMEIs the subscription allows, up to two, and
// its one pair). The statements are in sqlite_attach_sql.h.
#include <limits>

#include "store/engine_util.h"
#include "store/sqlite_attach_sql.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace kmebind::store::sqlite {
namespace {

// Columns 9 and 10 of attach_sql::sole_pair().
constexpr int kImeiColumn = 9;
constexpr int kSecondImeiColumn = 10;

Status read_device(Connection& c, std::string_view imei, PairView& view) {
  auto s = c.prepare(attach_sql::device());
  if (!s) return pass(s);
  s->bind_text(1, imei);
  auto row = s->step();
  if (!row) return pass(row);
  if (!*row) return {};
  auto device = decode_device(*s);
  if (!device) return pass(device);
  view.device = std::move(*device);
  return {};
}

// The pair's kme_records row: the version counter, and the KME when it is present (not revoked).
Status read_kme(Connection& c, const KeyWrap& keys, std::string_view imsi, std::string_view imei,
                PairView& view) {
  auto s = c.prepare(attach_sql::kme());
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
      auto s = c.prepare(attach_sql::pair_subscriber());
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
      auto s = c.prepare(attach_sql::kBinding);
      if (!s) return pass(s);
      s->bind_text(1, imsi).bind_text(2, *imei);
      auto row = s->step();
      if (!row) return pass(row);
      view.binding_allowed = *row;
    }
    if (auto st = read_device(c, *imei, view); !st) return std::unexpected(st.error());
    if (auto st = read_kme(c, keys_, imsi, *imei, view); !st) return std::unexpected(st.error());
    return view;
  }, /*snapshot=*/true);
}

// Three statements: the subscriber with its first two allowed IMEIs, the device, the KME row.
Result<SolePair> read_sole_pair(Connection& c, const KeyWrap& keys, std::string_view imsi) {
  SolePair out;
  PairView view;
  {
    auto s = c.prepare(attach_sql::sole_pair());
    if (!s) return pass(s);
    s->bind_text(1, imsi);
    auto row = s->step();
    if (!row) return pass(row);
    if (!*row) return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
    out.allowed_imeis = s->column_is_null(kImeiColumn)         ? 0
                        : s->column_is_null(kSecondImeiColumn) ? 1
                                                               : 2;
    if (out.allowed_imeis != 1) return out;
    auto sub = decode_subscriber(*s, keys, /*with_keys=*/false);
    if (!sub) return pass(sub);
    view.subscriber = std::move(*sub);
    out.imei = s->column_text(kImeiColumn);
  }
  view.binding_allowed = true;
  if (auto st = read_device(c, out.imei, view); !st) return std::unexpected(st.error());
  if (auto st = read_kme(c, keys, imsi, out.imei, view); !st) return std::unexpected(st.error());
  out.pair = std::move(view);
  return out;
}

// read_sole_pair in one read transaction.
Result<SolePair> SqliteStore::get_sole_pair(std::string_view imsi) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  return read([&](Connection& c) { return read_sole_pair(c, keys_, imsi); }, /*snapshot=*/true);
}

}  // namespace kmebind::store::sqlite
