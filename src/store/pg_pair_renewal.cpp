// PostgreSQL engine: request_pair_kme_renewal, the renewal mark a refused racing confirm puts on
// its own pair (docs/protocol.md §2 "Racing provisionings").
#include "store/engine_util.h"
#include "store/kme_renewal.h"
#include "store/pg_rows.h"
#include "store/pg_store.h"

namespace kmebind::store::pg {

// One UPDATE of the pair's row (it waits for a store_kme of the pair holding the row and then
// re-reads it, so a newer KME committed first is not marked), and its audit row.
Result<bool> PgStore::request_pair_kme_renewal(std::string_view imsi, std::string_view imei_in,
                                               std::uint32_t version, std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return pass(st);
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return run(Txn::kWrite, [&](Connection& c) -> Result<bool> {
    auto r = c.query(
        "UPDATE kme_records SET renewal_requested = 1 WHERE imsi = $1 AND imei = $2 AND "
        "version = $3 AND kme_sealed IS NOT NULL AND renewal_requested = 0 RETURNING version",
        Params().text(imsi).text(*imei).integer(version));
    if (!r) return pass(r);
    if (r->count() == 0) return false;
    if (auto st = insert_audit(c, now_unix_s(),
                               {actor, "kme-renew", imsi, *imei, kme_renewal_detail(version), ""});
        !st) {
      return pass(st);
    }
    return true;
  });
}

}  // namespace kmebind::store::pg
