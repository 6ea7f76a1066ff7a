#include "store/sqlite_rows.h"

#include <limits>

#include "store/engine_util.h"
#include "store/sqlite_attach_sql.h"

namespace kmebind::store::sqlite {
namespace {

void bind_optional_text(Statement& s, int index, std::string_view text) {
  if (text.empty()) {
    s.bind_null(index);
  } else {
    s.bind_text(index, text);
  }
}

}  // namespace

Status insert_audit(Connection& conn, std::int64_t now, const AuditRow& row) {
  auto s = conn.prepare(attach_sql::kAudit);
  if (!s) return pass(s);
  s->bind_int(1, now).bind_text(2, row.actor).bind_text(3, row.action);
  bind_optional_text(*s, 4, row.imsi);
  bind_optional_text(*s, 5, row.imei);
  s->bind_text(6, row.detail).bind_text(7, row.source);
  if (auto st = s->run(); !st) return std::unexpected(st.error().with_context("audit"));
  return {};
}

Status validate_subscriber(const SubscriberRecord& record) {
  if (auto st = check_imsi(record.imsi); !st) return st;
  if (record.k.size() != kKeySize) return fail(Code::kInvalidArgument, "K must be 16 octets");
  if (record.opc.size() != kKeySize) return fail(Code::kInvalidArgument, "OPc must be 16 octets");
  if (record.sqn > kSqnMax) return fail(Code::kInvalidArgument, "SQN must fit in 48 bits");
  return {};
}

Status insert_subscriber(Connection& conn, const KeyWrap& keys, const SubscriberRecord& record,
                         std::int64_t now) {
  auto k = keys.seal_k(record.imsi, record.k);
  if (!k) return pass(k);
  auto opc = keys.seal_opc(record.imsi, record.opc);
  if (!opc) return pass(opc);
  auto s = conn.prepare(
      "INSERT INTO subscribers (imsi, k_sealed, opc_sealed, amf, sqn, binding_mode, "
      "procedure1_allowed, procedure2_allowed, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!s) return pass(s);
  s->bind_text(1, record.imsi)
      .bind_blob(2, *k)
      .bind_blob(3, *opc)
      .bind_int(4, (record.amf[0] << 8) | record.amf[1])
      .bind_int(5, static_cast<std::int64_t>(record.sqn))
      .bind_text(6, to_string(record.binding_mode))
      .bind_int(7, record.procedure1_allowed ? 1 : 0)
      .bind_int(8, record.procedure2_allowed ? 1 : 0)
      .bind_int(9, now)
      .bind_int(10, now);
  if (auto st = s->run(); !st) {
    if (st.error().code() == Code::kAlreadyExists) {
      return fail(Code::kAlreadyExists, "subscriber " + record.imsi + " already exists");
    }
    return st;
  }
  return {};
}

Status require_subscriber(Connection& conn, std::string_view imsi) {
  auto s = conn.prepare("SELECT 1 FROM subscribers WHERE imsi = ?");
  if (!s) return pass(s);
  s->bind_text(1, imsi);
  auto row = s->step();
  if (!row) return pass(row);
  if (!*row) return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
  return {};
}

Result<bool> insert_binding(Connection& conn, std::string_view imsi, std::string_view imei,
                            std::int64_t now) {
  auto s = conn.prepare(
      "INSERT INTO bindings (imsi, imei, created_at) VALUES (?, ?, ?) "
      "ON CONFLICT (imsi, imei) DO NOTHING");
  if (!s) return pass(s);
  s->bind_text(1, imsi).bind_text(2, imei).bind_int(3, now);
  if (auto st = s->run(); !st) return std::unexpected(st.error());
  return conn.changes() > 0;
}

Status validate_device(DeviceRecord& device) {
  auto imei = normalize_imei(device.imei);
  if (!imei) return pass(imei);
  device.imei = std::move(*imei);
  if (auto st = check_enc_public_key(device.enc_profile, device.enc_public_key); !st) return st;
  return check_sig_public_key(device.sig_alg, device.sig_public_key);
}

Result<DeviceChange> upsert_device(Connection& conn, const DeviceRecord& device, std::int64_t now) {
  {
    auto s = conn.prepare(
        "INSERT INTO devices (imei, enc_profile, enc_public_key, sig_alg, sig_public_key, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (imei) DO NOTHING");
    if (!s) return pass(s);
    s->bind_text(1, device.imei)
        .bind_text(2, to_string(device.enc_profile))
        .bind_blob(3, device.enc_public_key)
        .bind_text(4, to_string(device.sig_alg))
        .bind_blob(5, device.sig_public_key)
        .bind_int(6, now)
        .bind_int(7, now);
    if (auto st = s->run(); !st) return std::unexpected(st.error());
    if (conn.changes() > 0) return DeviceChange::kAdded;
  }
  // The IMEI is known. Other keys replace the stored ones; the same keys (one P-256 point may be
  // stored compressed and given uncompressed, or the reverse) are kept, a compressed P-256 key
  // taking the given uncompressed form (device_change.h).
  DeviceRecord row_to_store = device;
  DeviceChange change = DeviceChange::kReplaced;
  {
    auto q = conn.prepare("SELECT " + std::string(kDeviceColumns) + " FROM devices WHERE imei = ?");
    if (!q) return pass(q);
    q->bind_text(1, device.imei);
    auto row = q->step();
    if (!row) return pass(row);
    if (*row) {
      auto stored = decode_device(*q);
      if (!stored) return pass(stored);
      change = change_over(*stored, device, row_to_store);
      if (change == DeviceChange::kUnchanged) return change;
    }
  }
  auto s = conn.prepare(
      "UPDATE devices SET enc_profile = ?2, enc_public_key = ?3, sig_alg = ?4, sig_public_key = "
      "?5, "
      "updated_at = ?6 WHERE imei = ?1");
  if (!s) return pass(s);
  s->bind_text(1, row_to_store.imei)
      .bind_text(2, to_string(row_to_store.enc_profile))
      .bind_blob(3, row_to_store.enc_public_key)
      .bind_text(4, to_string(row_to_store.sig_alg))
      .bind_blob(5, row_to_store.sig_public_key)
      .bind_int(6, now);
  if (auto st = s->run(); !st) return std::unexpected(st.error());
  return conn.changes() > 0 ? change : DeviceChange::kUnchanged;
}

Status validate_kme(const SecretBytes& kme, int procedure) {
  if (kme.size() != kKmeSize) return fail(Code::kInvalidArgument, "KME must be 32 octets");
  if (procedure != kKmeProcedure1 && procedure != kKmeProcedure2 && procedure != kKmeImported) {
    return fail(Code::kInvalidArgument, "unknown KME procedure " + std::to_string(procedure));
  }
  return {};
}

// TR 33.868 §5.4.4.2.3.3.1 step 11 / §5.4.4.2.3.3.2 step 11.
Result<std::uint32_t> store_kme_row(Connection& conn, const KeyWrap& keys, std::string_view imsi,
                                    std::string_view imei, const SecretBytes& kme, int procedure,
                                    std::string_view source,
                                    std::optional<std::uint32_t> expected_previous_version,
                                    std::int64_t now) {
  // The subscriber, the pair's binding and its version counter in one statement: this runs on
  // the group commit's serial path, once per confirmed KME.
  std::uint32_t current = 0;
  {
    auto s = conn.prepare(attach_sql::kKmeStoreCheck);
    if (!s) return pass(s);
    s->bind_text(1, imsi).bind_text(2, imei);
    auto row = s->step();
    if (!row) return pass(row);
    if (!*row) return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
    if (s->column_int(0) == 0) {
      return fail(Code::kNotAllowed, "IMSI " + std::string(imsi) + " / IMEI " + std::string(imei) +
                                         " is not an allowed pair; KME not stored");
    }
    if (!s->column_is_null(1)) {
      const std::int64_t v = s->column_int(1);
      if (v < 1 || v > std::numeric_limits<std::uint32_t>::max()) {
        return fail(Code::kCorruption, "KME version out of range for IMSI " + std::string(imsi));
      }
      current = static_cast<std::uint32_t>(v);
    }
  }
  if (expected_previous_version && *expected_previous_version != current) {
    return fail(Code::kNotAllowed, "KME version mismatch for IMSI " + std::string(imsi) + " / IMEI " +
                                       std::string(imei) + ": expected previous version " +
                                       std::to_string(*expected_previous_version) +
                                       ", store has " + std::to_string(current) +
                                       "; KME not stored");
  }
  if (current == std::numeric_limits<std::uint32_t>::max()) {
    return fail(Code::kNotAllowed, "KME version counter exhausted for IMSI " + std::string(imsi));
  }
  const std::uint32_t version = current + 1;
  auto sealed = keys.seal_kme(imsi, imei, version, kme);
  if (!sealed) return pass(sealed);
  const std::string_view proc = kme_procedure_name(procedure);
  {
    // The new KME has no renewal pending: a renewal requested for the pair's previous KME is done
    // (schema.cpp version 4).
    auto s = conn.prepare(attach_sql::kKmeStore);
    if (!s) return pass(s);
    s->bind_text(1, imsi)
        .bind_text(2, imei)
        .bind_int(3, version)
        .bind_blob(4, *sealed)
        .bind_int(5, now)
        .bind_text(6, proc)
        .bind_text(7, source);
    if (auto st = s->run(); !st) return std::unexpected(st.error());
  }
  const std::string detail =
      "version " + std::to_string(version) + ", procedure " + std::string(proc);
  if (auto st = insert_audit(conn, now, {source, "kme-store", imsi, imei, detail, source}); !st) {
    return std::unexpected(st.error());
  }
  return version;
}

Result<SubscriberRecord> decode_subscriber(const Statement& row, const KeyWrap& keys,
                                           bool with_keys) {
  SubscriberRecord r;
  r.imsi = row.column_text(0);
  if (with_keys) {
    auto k = keys.open_k(r.imsi, row.column_blob(1));
    if (!k) return pass(k);
    auto opc = keys.open_opc(r.imsi, row.column_blob(2));
    if (!opc) return pass(opc);
    r.k = std::move(*k);
    r.opc = std::move(*opc);
  }
  const std::int64_t amf = row.column_int(3);
  r.amf = {static_cast<std::uint8_t>((amf >> 8) & 0xff), static_cast<std::uint8_t>(amf & 0xff)};
  r.sqn = static_cast<std::uint64_t>(row.column_int(4));
  auto mode = parse_binding_mode(row.column_text(5));
  if (!mode) return fail(Code::kCorruption, "subscriber " + r.imsi + ": bad binding mode");
  r.binding_mode = *mode;
  r.procedure1_allowed = row.column_int(6) != 0;
  r.procedure2_allowed = row.column_int(7) != 0;
  r.kme_renewal_requested = row.column_int(8) != 0;
  return r;
}

Result<DeviceRecord> decode_device(const Statement& row) {
  DeviceRecord d;
  d.imei = row.column_text(0);
  auto profile = parse_enc_profile(row.column_text(1));
  auto alg = parse_sig_algorithm(row.column_text(3));
  if (!profile || !alg) return fail(Code::kCorruption, "device " + d.imei + ": bad algorithm name");
  d.enc_profile = *profile;
  const ByteView enc = row.column_blob(2);
  d.enc_public_key.assign(enc.begin(), enc.end());
  d.sig_alg = *alg;
  const ByteView sig = row.column_blob(4);
  d.sig_public_key.assign(sig.begin(), sig.end());
  return d;
}

Result<KmeRecord> decode_kme(const Statement& row, const KeyWrap& keys, std::string_view imsi,
                             std::string_view imei, std::uint32_t version) {
  KmeRecord r;
  r.imsi = std::string(imsi);
  r.imei = std::string(imei);
  r.version = version;
  auto kme = keys.open_kme(imsi, imei, version, row.column_blob(1));
  if (!kme) return std::unexpected(kme.error());
  r.kme = std::move(*kme);
  r.stored_at_unix_s = row.column_int(2);
  auto procedure = parse_kme_procedure(row.column_text(3));
  if (!procedure) return std::unexpected(procedure.error());
  r.procedure = *procedure;
  r.source = row.column_text(4);
  r.renewal_requested = row.column_int(5) != 0;
  return r;
}

}  // namespace kmebind::store::sqlite
