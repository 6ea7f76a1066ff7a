// Row-level operations of the SQLite engine shared by the single-call API and the bulk importer.
// Each runs inside a transaction the caller holds (REQUIRES: an open write transaction for the
// writers) and validates its input first. Identifiers passed in are already normalized
// (check_imsi / normalize_imei).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "store/device_change.h"
#include "store/key_wrap.h"
#include "store/sqlite_db.h"
#include "store/subscriber_store.h"

namespace kmebind::store::sqlite {

struct AuditRow {
  std::string_view actor;
  std::string_view action;
  std::string_view imsi;    // empty: NULL
  std::string_view imei;    // empty: NULL
  std::string_view detail;
  std::string_view source;
};
Status insert_audit(Connection& conn, std::int64_t now, const AuditRow& row);

// Field checks of a new subscriber: IMSI, K and OPc sizes, SQN range.
Status validate_subscriber(const SubscriberRecord& record);
// Inserts the subscriber (K and OPc sealed); kAlreadyExists if the IMSI is taken.
Status insert_subscriber(Connection& conn, const KeyWrap& keys, const SubscriberRecord& record,
                         std::int64_t now);
// kNotFound "no subscriber with IMSI ..." unless the row exists.
Status require_subscriber(Connection& conn, std::string_view imsi);

// Adds the pair; returns false if it was already there. REQUIRES: the subscriber exists.
Result<bool> insert_binding(Connection& conn, std::string_view imsi, std::string_view imei,
                            std::int64_t now);

// Checks a device's IMEI (normalized in place) and key encodings.
Status validate_device(DeviceRecord& device);
// Inserts the device, replaces its keys or re-encodes them (device_change.h); says which.
Result<DeviceChange> upsert_device(Connection& conn, const DeviceRecord& device, std::int64_t now);

// The body of store_kme (see SubscriberStore::store_kme), audit row included.
Result<std::uint32_t> store_kme_row(Connection& conn, const KeyWrap& keys, std::string_view imsi,
                                    std::string_view imei, const SecretBytes& kme, int procedure,
                                    std::string_view source,
                                    std::optional<std::uint32_t> expected_previous_version,
                                    std::int64_t now);
// The body of get_sole_pair (see SubscriberStore::get_sole_pair), in the caller's transaction.
Result<SolePair> read_sole_pair(Connection& conn, const KeyWrap& keys, std::string_view imsi);
// Checks of store_kme's arguments that need no database.
Status validate_kme(const SecretBytes& kme, int procedure);

// Column lists and decoders for SELECTs.
// The subscriber from "subscribers s"; the last column is SubscriberRecord::kme_renewal_requested,
// derived from the pairs (schema.cpp version 4): an index range read of the IMSI's KME rows.
inline constexpr std::string_view kSubscriberColumns =
    "s.imsi, s.k_sealed, s.opc_sealed, s.amf, s.sqn, s.binding_mode, s.procedure1_allowed, "
    "s.procedure2_allowed, EXISTS (SELECT 1 FROM kme_records r WHERE r.imsi = s.imsi AND "
    "r.renewal_requested <> 0)";
// The same columns for PairView::subscriber, which leaves kme_renewal_requested false (the pair's
// own state comes with its KME row): get_pair reads no other pair's row.
inline constexpr std::string_view kPairSubscriberColumns =
    "s.imsi, s.k_sealed, s.opc_sealed, s.amf, s.sqn, s.binding_mode, s.procedure1_allowed, "
    "s.procedure2_allowed, 0";
// Decodes a row selected with kSubscriberColumns or kPairSubscriberColumns; K and OPc are
// unsealed only if `with_keys`.
Result<SubscriberRecord> decode_subscriber(const Statement& row, const KeyWrap& keys,
                                           bool with_keys);

inline constexpr std::string_view kDeviceColumns =
    "imei, enc_profile, enc_public_key, sig_alg, sig_public_key";
Result<DeviceRecord> decode_device(const Statement& row);

inline constexpr std::string_view kKmeColumns =
    "version, kme_sealed, stored_at, kme_procedure, source, renewal_requested";
// Decodes a kme_records row selected with kKmeColumns whose KME is present (kme_sealed not NULL),
// of the pair imsi/imei at `version` (read from column 0 by the caller): the KME is unsealed.
Result<KmeRecord> decode_kme(const Statement& row, const KeyWrap& keys, std::string_view imsi,
                             std::string_view imei, std::uint32_t version);

}  // namespace kmebind::store::sqlite
