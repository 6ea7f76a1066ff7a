// SQLite engine: request_pair_kme_renewal, the renewal mark a refused racing confirm puts on its
// own pair (docs/protocol.md §2 "Racing provisionings").
#include "store/engine_util.h"
#include "store/kme_renewal.h"
#include "store/sqlite_attach_sql.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace kmebind::store::sqlite {

Result<bool> SqliteStore::request_pair_kme_renewal(std::string_view imsi, std::string_view imei_in,
                                                   std::uint32_t version, std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return write([&](Connection& c) -> Result<bool> {
    {
      auto s = c.prepare(attach_sql::kRenewalMark);
      if (!s) return pass(s);
      s->bind_text(1, imsi).bind_text(2, *imei).bind_int(3, version);
      if (auto st = s->run(); !st) return pass(st);
    }
    if (c.changes() == 0) return false;
    if (auto st = insert_audit(c, now_unix_s(),
                               {actor, "kme-renew", imsi, *imei, kme_renewal_detail(version), ""});
        !st) {
      return pass(st);
    }
    return true;
  });
}

}  // namespace kmebind::store::sqlite
