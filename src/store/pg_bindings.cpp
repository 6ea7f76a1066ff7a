// PostgreSQL engine: the IMSI/IMEI binding list and device public keys.
#include <chrono>

#include "store/engine_util.h"
#include "store/pg_rows.h"
#include "store/pg_store.h"

namespace kmebind::store::pg {
Status PgStore::allow_binding(std::string_view imsi, std::string_view imei_in,
                              std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return st;
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return run(Txn::kWrite, [&](Connection& c) -> Status {
    if (auto st = require_subscriber(c, imsi); !st) return st;
    const std::int64_t now = now_unix_s();
    auto added = insert_binding(c, imsi, *imei, now);
    if (!added) return pass(added);
    if (!*added) return {};
    return insert_audit(c, now, {actor, "binding-allow", imsi, *imei, "pair allowed", ""});
  });
}

Status PgStore::deny_binding(std::string_view imsi, std::string_view imei_in,
                             std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return st;
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return run(Txn::kWrite, [&](Connection& c) -> Status {
    // Waits for a store_kme holding the binding row; the revoke below then sees its KME.
    auto del = c.query("DELETE FROM bindings WHERE imsi = $1 AND imei = $2 RETURNING 1",
                       Params().text(imsi).text(*imei));
    if (!del) return pass(del);
    if (del->count() == 0) {
      return fail(Code::kNotFound,
                  "IMSI " + std::string(imsi) + " / IMEI " + *imei + " is not an allowed pair");
    }
    const std::int64_t now = now_unix_s();
    auto revoke = c.query(
        "UPDATE kme_records SET kme_sealed = NULL, renewal_requested = 0, stored_at = $1 "
        "WHERE imsi = $2 AND imei = $3 AND kme_sealed IS NOT NULL RETURNING 1",
        Params().integer(now).text(imsi).text(*imei));
    if (!revoke) return pass(revoke);
    const bool revoked = revoke->count() > 0;
    return insert_audit(c, now,
                        {actor, "binding-deny", imsi, *imei,
                         revoked ? "pair removed, its KME revoked" : "pair removed", ""});
  });
}

Result<bool> PgStore::is_binding_allowed(std::string_view imsi, std::string_view imei_in) {
  if (auto st = check_imsi(imsi); !st) return pass(st);
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return run(Txn::kNone, [&](Connection& c) -> Result<bool> {
    auto r = c.query("SELECT 1 FROM bindings WHERE imsi = $1 AND imei = $2",
                     Params().text(imsi).text(*imei));
    if (!r) return pass(r);
    return r->count() > 0;
  });
}

Result<std::vector<std::string>> PgStore::list_bindings(std::string_view imsi) {
  if (auto st = check_imsi(imsi); !st) return pass(st);
  return run(Txn::kNone, [&](Connection& c) -> Result<std::vector<std::string>> {
    // One statement (one snapshot): the subscriber's row, joined with its bindings if any.
    auto r = c.query(
        "SELECT b.imei FROM subscribers s LEFT JOIN bindings b ON b.imsi = s.imsi "
        "WHERE s.imsi = $1 ORDER BY b.imei",
        Params().text(imsi));
    if (!r) return pass(r);
    if (r->count() == 0)
      return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
    std::vector<std::string> out;
    for (int i = 0; i < r->count(); ++i) {
      if (!r->is_null(i, 0)) out.push_back(r->text(i, 0));
    }
    return out;
  });
}

Status PgStore::do_put_device(const DeviceRecord& device_in, std::string_view actor) {
  DeviceRecord device{device_in.imei, device_in.enc_profile, device_in.enc_public_key,
                      device_in.sig_alg, device_in.sig_public_key};
  if (auto st = validate_device(device); !st) return st;
  return run(Txn::kWrite, [&](Connection& c) -> Status {
    const std::int64_t now = now_unix_s();
    auto change = upsert_device(c, device, now);
    if (!change) return pass(change);
    if (*change == DeviceChange::kUnchanged) return {};
    const std::string detail = device_put_detail(*change, device);
    return insert_audit(c, now, {actor, "device-put", "", device.imei, detail, ""});
  });
}

Result<DeviceRecord> PgStore::get_device(std::string_view imei_in) {
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return run(Txn::kNone, [&](Connection& c) -> Result<DeviceRecord> {
    auto r = c.query("SELECT " + std::string(kDeviceColumns) + " FROM devices WHERE imei = $1",
                     Params().text(*imei));
    if (!r) return pass(r);
    if (r->count() == 0) return fail(Code::kNotFound, "no device with IMEI " + *imei);
    return decode_device(*r, 0);
  });
}

}  // namespace kmebind::store::pg
