// SQLite engine: request_pair_kme_renewal, the renewal mark a refused racing confirm puts on its
// own pair (docs/protocol.md §2 "Racing provisionings").
#include "store/engine_util.h"
#include "store/kme_renewal.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace kmebind::store::sqlite {

Result<bool> SqliteStore::request_pair_kme_renewal(std::string_view imsi, std::string_view imei_in,
                                                   std::uint32_t version, std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return write([&](Connection& c) -> Result<bool> {
    bool marked = false;
    {
      auto s = c.prepare(
          "UPDATE kme_records SET renewal_requested = 1 WHERE imsi = ? AND imei = ? AND "
          "version = ? AND kme_sealed IS NOT NULL AND renewal_requested = 0 RETURNING version");
      if (!s) return pass(s);
      s->bind_text(1, imsi).bind_text(2, *imei).bind_int(3, version);
      for (;;) {
        auto row = s->step();
        if (!row) return pass(row);
        if (!*row) break;
        marked = true;
      }
    }
    if (!marked) return false;
    if (auto st = insert_audit(c, now_unix_s(),
                               {actor, "kme-renew", imsi, *imei, kme_renewal_detail(version), ""});
        !st) {
      return pass(st);
    }
    return true;
  });
}

}  // namespace kmebind::store::sqlite
