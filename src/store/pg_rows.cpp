#include "store/pg_rows.h"

#include <limits>

#include "store/engine_util.h"

namespace kmebind::store::pg {
Status validate_subscriber(const SubscriberRecord& record) {
  if (auto st = check_imsi(record.imsi); !st) return st;
  if (record.k.size() != kKeySize) return fail(Code::kInvalidArgument, "K must be 16 octets");
  if (record.opc.size() != kKeySize) return fail(Code::kInvalidArgument, "OPc must be 16 octets");
  if (record.sqn > kSqnMax) return fail(Code::kInvalidArgument, "SQN must fit in 48 bits");
  return {};
}

Status validate_device(DeviceRecord& device) {
  auto imei = normalize_imei(device.imei);
  if (!imei) return pass(imei);
  device.imei = std::move(*imei);
  if (auto st = check_enc_public_key(device.enc_profile, device.enc_public_key); !st) return st;
  return check_sig_public_key(device.sig_alg, device.sig_public_key);
}

Status validate_kme(const SecretBytes& kme, int procedure) {
  if (kme.size() != kKmeSize) return fail(Code::kInvalidArgument, "KME must be 32 octets");
  if (procedure != kKmeProcedure1 && procedure != kKmeProcedure2 && procedure != kKmeImported) {
    return fail(Code::kInvalidArgument, "unknown KME procedure " + std::to_string(procedure));
  }
  return {};
}

Status insert_audit(Connection& conn, std::int64_t now, const AuditRow& row) {
  Params p;
  p.integer(now)
      .text(row.actor)
      .text(row.action)
      .text_or_null(row.imsi)
      .text_or_null(row.imei)
      .text(row.detail)
      .text(row.source);
  auto r = conn.query(
      "INSERT INTO audit (created_at, actor, action, imsi, imei, detail, source) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      p);
  if (!r) return std::unexpected(r.error().with_context("audit"));
  return {};
}

Status insert_subscriber(Connection& conn, const KeyWrap& keys, const SubscriberRecord& record,
                         std::int64_t now) {
  auto k = keys.seal_k(record.imsi, record.k);
  if (!k) return pass(k);
  auto opc = keys.seal_opc(record.imsi, record.opc);
  if (!opc) return pass(opc);
  Params p;
  p.text(record.imsi)
      .bytes(*k)
      .bytes(*opc)
      .integer((record.amf[0] << 8) | record.amf[1])
      .integer(static_cast<std::int64_t>(record.sqn))
      .text(to_string(record.binding_mode))
      .integer(record.procedure1_allowed ? 1 : 0)
      .integer(record.procedure2_allowed ? 1 : 0)
      .integer(now);
  auto r = conn.query(
      "INSERT INTO subscribers (imsi, k_sealed, opc_sealed, amf, sqn, binding_mode, "
      "procedure1_allowed, procedure2_allowed, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (imsi) DO NOTHING "
      "RETURNING 1",
      p);
  if (!r) return pass(r);
  if (r->count() == 0) {
    return fail(Code::kAlreadyExists, "subscriber " + record.imsi + " already exists");
  }
  return {};
}

Status require_subscriber(Connection& conn, std::string_view imsi) {
  auto r = conn.query("SELECT 1 FROM subscribers WHERE imsi = $1", Params().text(imsi));
  if (!r) return pass(r);
  if (r->count() == 0) return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
  return {};
}

Result<bool> insert_binding(Connection& conn, std::string_view imsi, std::string_view imei,
                            std::int64_t now) {
  auto r = conn.query(
      "INSERT INTO bindings (imsi, imei, created_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (imsi, imei) DO NOTHING RETURNING 1",
      Params().text(imsi).text(imei).integer(now));
  if (!r) return pass(r);
  return r->count() > 0;
}

namespace {
// $1 imei, $2 enc_profile, $3 enc_public_key, $4 sig_alg, $5 sig_public_key, $6 now.
Params device_params(const DeviceRecord& d, std::int64_t now) {
  Params p;
  p.text(d.imei)
      .text(to_string(d.enc_profile))
      .bytes(d.enc_public_key)
      .text(to_string(d.sig_alg))
      .bytes(d.sig_public_key)
      .integer(now);
  return p;
}
}  // namespace

Result<DeviceChange> upsert_device(Connection& conn, const DeviceRecord& device, std::int64_t now) {
  auto added = conn.query(
      "INSERT INTO devices (imei, enc_profile, enc_public_key, sig_alg, sig_public_key, "
      "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (imei) DO NOTHING "
      "RETURNING 1",
      device_params(device, now));
  if (!added) return pass(added);
  if (added->count() > 0) return DeviceChange::kAdded;
  // The IMEI is known. Other keys replace the stored ones; the same keys (one P-256 point may be
  // stored compressed and given uncompressed, or the reverse) are kept, a compressed P-256 key
  // taking the given uncompressed form (device_change.h). FOR NO KEY UPDATE: no other transaction
  // changes the row between this comparison and the UPDATE (no foreign key references devices).
  auto current = conn.query(
      "SELECT " + std::string(kDeviceColumns) + " FROM devices WHERE imei = $1 FOR NO KEY UPDATE",
      Params().text(device.imei));
  if (!current) return pass(current);
  DeviceRecord row_to_store = device;
  DeviceChange change = DeviceChange::kReplaced;
  if (current->count() > 0) {
    auto stored = decode_device(*current, 0, 0);
    if (!stored) return pass(stored);
    change = change_over(*stored, device, row_to_store);
    if (change == DeviceChange::kUnchanged) return change;
  }
  auto updated = conn.query(
      "UPDATE devices SET enc_profile = $2, enc_public_key = $3, sig_alg = $4, sig_public_key = "
      "$5, updated_at = $6 WHERE imei = $1 RETURNING 1",
      device_params(row_to_store, now));
  if (!updated) return pass(updated);
  return updated->count() > 0 ? change : DeviceChange::kUnchanged;
}

Result<std::uint32_t> version_of(const Rows& rows, int row, int col) {
  auto v = rows.integer(row, col);
  if (!v) return pass(v);
  if (*v < 1 || *v > std::numeric_limits<std::uint32_t>::max()) {
    return fail(Code::kCorruption, "KME version out of range");
  }
  return static_cast<std::uint32_t>(*v);
}

// TR 33.868 §5.4.4.2.3.3.1 step 11 / §5.4.4.2.3.3.2 step 11.
Result<std::uint32_t> store_kme_row(Connection& conn, const KeyWrap& keys, std::string_view imsi,
                                    std::string_view imei, const SecretBytes& kme, int procedure,
                                    std::string_view source,
                                    std::optional<std::uint32_t> expected_previous_version,
                                    std::int64_t now) {
  {
    // The binding row is the pair's lock: held until COMMIT.
    auto r = conn.query("SELECT 1 FROM bindings WHERE imsi = $1 AND imei = $2 FOR UPDATE",
                        Params().text(imsi).text(imei));
    if (!r) return pass(r);
    if (r->count() == 0) {
      if (auto st = require_subscriber(conn, imsi); !st) return std::unexpected(st.error());
      return fail(Code::kNotAllowed, "IMSI " + std::string(imsi) + " / IMEI " + std::string(imei) +
                                         " is not an allowed pair; KME not stored");
    }
  }
  std::uint32_t current = 0;
  {
    auto r = conn.query("SELECT version FROM kme_records WHERE imsi = $1 AND imei = $2",
                        Params().text(imsi).text(imei));
    if (!r) return pass(r);
    if (r->count() > 0) {
      auto v = version_of(*r, 0, 0);
      if (!v) return std::unexpected(v.error().with_context("IMSI " + std::string(imsi)));
      current = *v;
    }
  }
  if (expected_previous_version && *expected_previous_version != current) {
    return fail(Code::kNotAllowed, "KME version mismatch for IMSI " + std::string(imsi) +
                                       " / IMEI " + std::string(imei) +
                                       ": expected previous version " +
                                       std::to_string(*expected_previous_version) + ", store has " +
                                       std::to_string(current) + "; KME not stored");
  }
  if (current == std::numeric_limits<std::uint32_t>::max()) {
    return fail(Code::kNotAllowed, "KME version counter exhausted for IMSI " + std::string(imsi));
  }
  const std::uint32_t version = current + 1;
  auto sealed = keys.seal_kme(imsi, imei, version, kme);
  if (!sealed) return pass(sealed);
  const std::string_view proc = kme_procedure_name(procedure);
  {
    Params p;
    p.text(imsi)
        .text(imei)
        .integer(version)
        .bytes(*sealed)
        .integer(now)
        .text(proc)
        .text(source)
        .integer(current);
    // The WHERE re-checks the version read above (belt and braces for engines without the lock).
    // The new KME has no renewal pending: a renewal requested for the pair's previous KME is done
    // (schema.cpp version 4).
    auto r = conn.query(
        "INSERT INTO kme_records (imsi, imei, version, kme_sealed, stored_at, kme_procedure, "
        "source, renewal_requested) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, 0) "
        "ON CONFLICT (imsi, imei) DO UPDATE SET version = excluded.version, "
        "kme_sealed = excluded.kme_sealed, stored_at = excluded.stored_at, "
        "kme_procedure = excluded.kme_procedure, source = excluded.source, renewal_requested = 0 "
        "WHERE kme_records.version = $8 RETURNING 1",
        p);
    if (!r) return pass(r);
    if (r->count() == 0) {
      return fail(Code::kUnavailable, "KME version of IMSI " + std::string(imsi) +
                                          " changed concurrently; KME not stored, retry");
    }
  }
  const std::string detail =
      "version " + std::to_string(version) + ", procedure " + std::string(proc);
  if (auto st = insert_audit(conn, now, {source, "kme-store", imsi, imei, detail, source}); !st) {
    return std::unexpected(st.error());
  }
  return version;
}

Result<SubscriberRecord> decode_subscriber(const Rows& rows, int row, const KeyWrap& keys,
                                           bool with_keys, int first) {
  SubscriberRecord r;
  r.imsi = rows.text(row, first);
  if (with_keys) {
    auto k = keys.open_k(r.imsi, rows.bytes(row, first + 1));
    if (!k) return pass(k);
    auto opc = keys.open_opc(r.imsi, rows.bytes(row, first + 2));
    if (!opc) return pass(opc);
    r.k = std::move(*k);
    r.opc = std::move(*opc);
  }
  auto amf = rows.integer(row, first + 3);
  auto sqn = rows.integer(row, first + 4);
  if (!amf || !sqn || *amf < 0 || *amf > 0xffff || *sqn < 0) {
    return fail(Code::kCorruption, "subscriber " + r.imsi + ": bad AMF or SQN");
  }
  r.amf = {static_cast<std::uint8_t>((*amf >> 8) & 0xff), static_cast<std::uint8_t>(*amf & 0xff)};
  r.sqn = static_cast<std::uint64_t>(*sqn);
  auto mode = parse_binding_mode(rows.text(row, first + 5));
  if (!mode) return fail(Code::kCorruption, "subscriber " + r.imsi + ": bad binding mode");
  r.binding_mode = *mode;
  r.procedure1_allowed = rows.integer_or_zero(row, first + 6) != 0;
  r.procedure2_allowed = rows.integer_or_zero(row, first + 7) != 0;
  r.kme_renewal_requested = rows.integer_or_zero(row, first + 8) != 0;
  return r;
}

Result<DeviceRecord> decode_device(const Rows& rows, int row, int first) {
  DeviceRecord d;
  d.imei = rows.text(row, first);
  auto profile = parse_enc_profile(rows.text(row, first + 1));
  auto alg = parse_sig_algorithm(rows.text(row, first + 3));
  if (!profile || !alg) return fail(Code::kCorruption, "device " + d.imei + ": bad algorithm name");
  d.enc_profile = *profile;
  const ByteView enc = rows.bytes(row, first + 2);
  d.enc_public_key.assign(enc.begin(), enc.end());
  d.sig_alg = *alg;
  const ByteView sig = rows.bytes(row, first + 4);
  d.sig_public_key.assign(sig.begin(), sig.end());
  return d;
}

}  // namespace kmebind::store::pg
