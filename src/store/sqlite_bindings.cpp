// SQLite engine: the IMSI/IMEI binding list and device public keys.
#include "store/engine_util.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace kmebind::store::sqlite {
Status SqliteStore::allow_binding(std::string_view imsi, std::string_view imei_in,
                                  std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return st;
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return write([&](Connection& c) -> Status {
    if (auto st = require_subscriber(c, imsi); !st) return st;
    const std::int64_t now = now_unix_s();
    auto added = insert_binding(c, imsi, *imei, now);
    if (!added) return pass(added);
    if (!*added) return {};
    return insert_audit(c, now, {actor, "binding-allow", imsi, *imei, "pair allowed", ""});
  });
}

Status SqliteStore::deny_binding(std::string_view imsi, std::string_view imei_in,
                                 std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return st;
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return write([&](Connection& c) -> Status {
    auto del = c.prepare("DELETE FROM bindings WHERE imsi = ? AND imei = ?");
    if (!del) return pass(del);
    del->bind_text(1, imsi).bind_text(2, *imei);
    if (auto st = del->run(); !st) return st;
    if (c.changes() == 0) {
      return fail(Code::kNotFound, "IMSI " + std::string(imsi) + " / IMEI " + *imei +
                                       " is not an allowed pair");
    }
    const std::int64_t now = now_unix_s();
    auto revoke = c.prepare(
        "UPDATE kme_records SET kme_sealed = NULL, renewal_requested = 0, stored_at = ? "
        "WHERE imsi = ? AND imei = ? AND kme_sealed IS NOT NULL");
    if (!revoke) return pass(revoke);
    revoke->bind_int(1, now).bind_text(2, imsi).bind_text(3, *imei);
    if (auto st = revoke->run(); !st) return st;
    const bool revoked = c.changes() > 0;
    return insert_audit(c, now, {actor, "binding-deny", imsi, *imei,
                                 revoked ? "pair removed, its KME revoked" : "pair removed", ""});
  });
}

Result<bool> SqliteStore::is_binding_allowed(std::string_view imsi, std::string_view imei_in) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return read([&](Connection& c) -> Result<bool> {
    auto s = c.prepare("SELECT 1 FROM bindings WHERE imsi = ? AND imei = ?");
    if (!s) return pass(s);
    s->bind_text(1, imsi).bind_text(2, *imei);
    return s->step();
  });
}

Result<std::vector<std::string>> SqliteStore::list_bindings(std::string_view imsi) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  return read([&](Connection& c) -> Result<std::vector<std::string>> {
    if (auto st = require_subscriber(c, imsi); !st) return std::unexpected(st.error());
    auto s = c.prepare("SELECT imei FROM bindings WHERE imsi = ? ORDER BY imei");
    if (!s) return pass(s);
    s->bind_text(1, imsi);
    std::vector<std::string> out;
    for (;;) {
      auto row = s->step();
      if (!row) return pass(row);
      if (!*row) return out;
      out.push_back(s->column_text(0));
    }
  }, /*snapshot=*/true);
}

Status SqliteStore::do_put_device(const DeviceRecord& device_in, std::string_view actor) {
  DeviceRecord device{device_in.imei, device_in.enc_profile, device_in.enc_public_key,
                      device_in.sig_alg, device_in.sig_public_key};
  if (auto st = validate_device(device); !st) return st;
  return write([&](Connection& c) -> Status {
    const std::int64_t now = now_unix_s();
    auto change = upsert_device(c, device, now);
    if (!change) return pass(change);
    if (*change == DeviceChange::kUnchanged) return {};
    const std::string detail = device_put_detail(*change, device);
    return insert_audit(c, now, {actor, "device-put", "", device.imei, detail, ""});
  });
}

Result<DeviceRecord> SqliteStore::get_device(std::string_view imei_in) {
  auto imei = normalize_imei(imei_in);
  if (!imei) return pass(imei);
  return read([&](Connection& c) -> Result<DeviceRecord> {
    auto s = c.prepare("SELECT " + std::string(kDeviceColumns) + " FROM devices WHERE imei = ?");
    if (!s) return pass(s);
    s->bind_text(1, *imei);
    auto row = s->step();
    if (!row) return pass(row);
    if (!*row) return fail(Code::kNotFound, "no device with IMEI " + *imei);
    return decode_device(*s);
  });
}

}  // namespace kmebind::store::sqlite
