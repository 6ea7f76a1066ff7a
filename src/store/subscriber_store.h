// SubscriberStore: the HSS's subscription data — subscribers (K, OPc, AMF, SQN, binding policy),
// the allowed IMSI/IMEI pairs, device public keys, KME records and an audit trail
// (TR 33.868 §5.4.4.2.3.3 step 0: "pre-provisioned with a list of allowable IMSI/IMEI pairs and the
// public key associated with the IMEIs"). One interface, several engines: SQLite now, PostgreSQL
// later, both behind open_store().
//
// Secrets at rest: K, OPc and KME are sealed with AES-256-GCM under the store master key, the
// associated data binding each value to its row (label ‖ IMSI [‖ IMEI ‖ version]), so a sealed
// value copied to another row does not open. Opening a store with the wrong master key fails with
// kCorruption "master key does not match this store"; no call ever returns a wrongly-unsealed key.
//
// Thread safety: a SubscriberStore is safe to use from many threads at once. Reads run
// concurrently with each other and with one writer; writes are serialized (SQLite allows one
// writer at a time). A call that cannot get the database within the busy timeout fails with
// kUnavailable and changes nothing; it may be retried.
//
// Every mutating call is one transaction: on failure nothing it would have written is visible.
// Calls that change bindings, binding modes, device keys or KMEs append an audit row in the same
// transaction.
//
// Identifiers: an IMSI is 6–15 digits; an IMEI is given as 14 digits (TAC ‖ SNR) or 15 with a
// valid check digit and always returned as 14 (store_types.h). A malformed identifier fails
// kInvalidArgument before anything is read.
//
// Listings page by key, not by position (keyset paging): the caller passes the key of the last row
// it has seen and gets the rows after it, in key order. A page is one range read of the primary
// key, so its cost does not grow with how far into the listing it starts, and a full listing of N
// rows costs O(N) whatever the page size (an OFFSET would re-walk every earlier row: O(N²/page)).
// A page shorter than `limit` is the last one. Rows added or removed between two pages are seen or
// not according to their key; no row is ever returned twice or skipped for that reason.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"
#include "common/secret.h"
#include "store/store_types.h"

namespace kmebind::store {

// One subscription (TS 33.102 §6.3, TS 35.206: K, OPc, AMF, SQN) with its binding policy.
struct SubscriberRecord {
  std::string imsi;
  SecretBytes k;    // 16 octets
  SecretBytes opc;  // 16 octets
  std::array<std::uint8_t, 2> amf{0x80, 0x00};
  std::uint64_t sqn = 0;  // 48-bit SQN of the HE/AuC, TS 33.102 Annex C
  BindingMode binding_mode = BindingMode::kNone;
  bool procedure1_allowed = true;   // KME shared with the CNN, TR 33.868 §5.4.4.2.3.3.1
  bool procedure2_allowed = true;   // KME not shared with the CNN, §5.4.4.2.3.3.2
  // Read (get_subscriber, export_all): some pair of the subscriber holds a KME whose renewal is
  // pending (request_kme_renewal; the per-pair state is KmeRecord/KmeStatus::renewal_requested).
  // PairView::subscriber leaves it false: the pair's own state is PairView::kme. Ignored by
  // add_subscriber and BulkImport::add_subscriber: a new subscriber holds no KME to renew.
  bool kme_renewal_requested = false;
};

// A device's public keys (TR 33.868 §5.4.4.2.3.3 step 0).
struct DeviceRecord {
  std::string imei;                // 14 digits
  EncProfile enc_profile = EncProfile::kA;
  Bytes enc_public_key;  // X25519 (32) or P-256 (65, or 33 compressed)
  SigAlgorithm sig_alg = SigAlgorithm::kEd25519;
  Bytes sig_public_key;  // Ed25519 (32) or P-256 (65, or 33 compressed)
};

// Same algorithms and the same keys (same_public_key: one P-256 point given compressed and
// uncompressed is one key); the IMEIs are not compared.
inline bool same_device_keys(const DeviceRecord& a, const DeviceRecord& b) {
  return a.enc_profile == b.enc_profile && a.sig_alg == b.sig_alg &&
         same_public_key(a.enc_public_key, b.enc_public_key) &&
         same_public_key(a.sig_public_key, b.sig_public_key);
}

// The KME currently stored for an IMSI/IMEI pair.
struct KmeRecord {
  std::string imsi;
  std::string imei;
  SecretBytes kme;               // 32 octets
  std::uint32_t version = 0;     // 1 for the first KME of the pair, +1 for each replacement
  std::int64_t stored_at_unix_s = 0;
  int procedure = kKmeProcedure1;  // kKmeProcedure1 | kKmeProcedure2 | kKmeImported
  std::string source;            // who delivered it: "hss", an import source name, ...
  // request_kme_renewal marked this KME: the HSS provisions the pair a new one at its next
  // KME-Request instead of challenging the device with this one (storing the new one clears it).
  bool renewal_requested = false;
};

// KME metadata without the key, for status displays.
// A pair whose counter raise_kme_version set: version = the counter, procedure kKmeNoProcedure,
// source = the actor, stored_at = when, present = false.
struct KmeStatus {
  std::string imsi;
  std::string imei;
  std::uint32_t version = 0;  // the pair's version counter (= the present KME's version)
  std::int64_t stored_at_unix_s = 0;
  int procedure = kKmeProcedure1;
  std::string source;
  bool present = false;  // false once revoked (deny_binding, raise_kme_version) — the counter stays
  bool renewal_requested =
      false;  // the present KME's renewal is pending (KmeRecord); never if revoked
};

// A pair's KME version counter and whether it has a KME present (raise_kme_version).
struct KmeCounter {
  std::uint32_t counter = 0;  // 0: no KME ever stored and no counter set
  bool kme_present = false;
};

struct AuditEntry {
  std::int64_t id = 0;  // increasing
  std::int64_t at_unix_s = 0;
  std::string actor;    // who asked: "admin", "hss", ...
  std::string action;   // "binding-allow", "kme-store", ... (docs/store.md lists them)
  std::string imsi;     // empty when not about one subscriber
  std::string imei;     // empty when not about one device
  std::string detail;   // never a secret
  std::string source;   // origin of the data (import source name, ...), may be empty
};

struct AuditQuery {
  std::optional<std::string> imsi;  // only rows about this IMSI
  std::int64_t after_id = 0;        // rows with id > after_id
  std::size_t limit = 100;
};

struct StoreCounts {
  std::uint64_t subscribers = 0;
  std::uint64_t bindings = 0;
  std::uint64_t devices = 0;
  std::uint64_t kmes = 0;  // pairs with a KME present
  std::uint64_t audit_rows = 0;
};

// Batched writer for bulk provisioning: rows are written through reused prepared statements in
// transactions of `batch_rows` rows. A failed row rolls back the open batch (earlier batches stay
// committed) and the importer then refuses further rows; callers that need all-or-nothing validate
// first (the admin import does). Single-threaded: use one BulkImport from one thread. While it is
// open it may hold the store's write lock between calls for up to one batch, so other writers
// wait (kUnavailable after the busy timeout); do not call other writing methods of the store from
// the thread that owns an open BulkImport.
struct BulkImportOptions {
  std::size_t batch_rows = 20000;
  std::string actor = "import";
  std::string source;  // recorded in the audit rows
};

struct BulkImportStats {
  std::uint64_t subscribers = 0;
  std::uint64_t bindings = 0;
  std::uint64_t devices = 0;
  std::uint64_t kmes = 0;
  std::uint64_t transactions = 0;
};

class BulkImport {
 public:
  virtual ~BulkImport() = default;  // rolls back the open batch if finish() was not called
  // A new subscriber (kAlreadyExists if the IMSI is in the store) and its allowed IMEIs.
  // One audit row "subscriber-import" per subscriber records the IMEIs.
  virtual Status add_subscriber(const SubscriberRecord& record,
                                std::span<const std::string> allowed_imeis) = 0;
  // Inserts or replaces a device's keys (audited as "device-put" when a key changes).
  virtual Status put_device(const DeviceRecord& device) = 0;
  // As SubscriberStore::store_kme (pair must be allowed; version previous+1; the new KME has no
  // renewal pending).
  virtual Result<std::uint32_t> store_kme(std::string_view imsi, std::string_view imei,
                                          const SecretBytes& kme, int procedure) = 0;
  // Commits the last batch. The importer is unusable afterwards.
  virtual Result<BulkImportStats> finish() = 0;
};

// What a KME procedure step reads about one IMSI/IMEI pair (TR 33.868 §5.4.4.2.3.3 steps 3 and
// 11: the subscriber's policy, the binding list, the device's public keys, the stored KME).
struct PairView {
  // K and OPc left empty (not unsealed); kme_renewal_requested not read (false): the pair's
  // renewal state is kme->renewal_requested.
  SubscriberRecord subscriber;
  bool binding_allowed = false;
  std::optional<DeviceRecord> device;  // nullopt: no public keys for the IMEI
  std::optional<KmeRecord> kme;        // the current KME, as get_kme
  std::uint32_t kme_version = 0;       // the version counter, as kme_version
};

// What get_sole_pair reads: how many IMEIs a subscription allows, and — when exactly one — that
// pair (docs/protocol.md "KME material on the AIA": the HSS answers at the AIR the KME-Request
// the CNN would send for the subscription's one allowed IMEI).
struct SolePair {
  // The allowed IMEIs, counted up to two: 0, 1, or 2 for "two or more" (the read stops at the
  // second, so a long binding list costs no more than a short one).
  std::uint32_t allowed_imeis = 0;
  std::string imei;               // allowed_imeis == 1: the one allowed IMEI (14 digits); else ""
  std::optional<PairView> pair;   // allowed_imeis == 1: get_pair(imsi, imei); else nullopt
};

// What an AIR takes from the store in one call (SubscriberStore::reserve_sqn): SQNs reserved
// (TS 33.102 Annex C.3.2), the subscriber they were reserved for and, when asked for a
// subscriber whose binding mode is KME-required, its sole pair (docs/protocol.md "KME material on
// the AIA").
struct SqnReservation {
  SubscriberRecord subscriber;  // as get_subscriber returns it; sqn is SQN_HE before the advance
  std::uint64_t last_sqn = 0;   // SQN_HE after it: the last SQN reserved
  std::optional<SolePair> sole_pair;  // asked for, KME-required, and read
  std::string sole_pair_failure;      // asked for, KME-required, but not read: why (no secret)
};

// Receives an export snapshot, subscribers in IMSI order, then devices in IMEI order.
struct ExportSink {
  std::function<Status(const SubscriberRecord&, std::span<const std::string> imeis)> subscriber;
  std::function<Status(const DeviceRecord&)> device;
};

class SubscriberStore {
 public:
  virtual ~SubscriberStore() = default;

  // --- subscribers --------------------------------------------------------------------------
  // Adds a new subscriber; kAlreadyExists if the IMSI is taken, kInvalidArgument on a bad IMSI,
  // K/OPc not 16 octets or SQN over 48 bits. Audited ("subscriber-add").
  Status add_subscriber(const SubscriberRecord& record, std::string_view actor = "admin") {
    return do_add_subscriber(record, actor);
  }
  // kNotFound if absent. K and OPc come back unsealed.
  virtual Result<SubscriberRecord> get_subscriber(std::string_view imsi) = 0;
  // The subscriber (without K and OPc) and everything stored about its pair with `imei`, as
  // get_subscriber, is_binding_allowed, get_device, get_kme and kme_version would return them, in
  // one call; an engine that can reads them in one snapshot (SQLite does, in one read
  // transaction). kNotFound if the IMSI is absent; kInvalidArgument on a malformed identifier.
  virtual Result<PairView> get_pair(std::string_view imsi, std::string_view imei);
  // The subscription's sole allowed pair: how many IMEIs the IMSI allows (counted up to two) and,
  // when exactly one, that IMEI and its pair as get_pair would return it — what list_bindings and
  // then get_pair give, in one call. SQLite reads it in one read transaction (one snapshot: the
  // pair's binding_allowed is then true), PostgreSQL in one statement; the default (other
  // engines) calls list_bindings then get_pair, so a binding denied in between shows as
  // binding_allowed false. kNotFound if the IMSI is absent; kInvalidArgument if malformed.
  virtual Result<SolePair> get_sole_pair(std::string_view imsi);
  // Removes the subscriber with its bindings and KMEs (audit rows stay). kNotFound if absent.
  Status remove_subscriber(std::string_view imsi, std::string_view actor = "admin") {
    return do_remove_subscriber(imsi, actor);
  }
  // IMSIs in ascending order, at most `limit`, those after `after_imsi` (from the first when
  // nullopt); the next page starts after the last IMSI returned (keyset paging, above).
  // kInvalidArgument if `after_imsi` is not an IMSI.
  virtual Result<std::vector<std::string>> list_subscribers(
      std::size_t limit, std::optional<std::string_view> after_imsi) = 0;

  // SQN of the HE/AuC (TS 33.102 Annex C.1.1.2): one atomic read-modify-write that adds `step` to
  // the stored SQN and returns the new value, so concurrent callers never get the same SQN. The
  // store treats SQN as a 48-bit counter; the caller chooses `step` for its SEQ ‖ IND split
  // (e.g. 32 = SEQ+1 with a 5-bit IND, Annex C.3.2). Fails kInvalidArgument for step 0 or
  // >= 2^48, kNotFound if the IMSI is absent, kNotAllowed (SQN unchanged) if the result would
  // exceed 2^48 - 1.
  virtual Result<std::uint64_t> advance_sqn(std::string_view imsi, std::uint64_t step) = 0;
  // advance_sqn with the reads an AIR makes around it: the subscriber (as get_subscriber) and,
  // when `with_sole_pair` and its binding mode is kKmeRequired, its sole pair (as get_sole_pair;
  // a failure of that read is reported in sole_pair_failure, the SQNs stay reserved). Errors as
  // advance_sqn; kNotFound changes nothing; a K or OPc that does not unseal (kCorruption) fails
  // the call after the SQNs were reserved. SQLite makes it one write transaction (the reads on
  // the writer's connection: no read transaction of their own); PostgreSQL one UPDATE … RETURNING
  // the subscriber, then get_sole_pair; the default (other engines) calls get_subscriber,
  // advance_sqn and get_sole_pair one after the other.
  virtual Result<SqnReservation> reserve_sqn(std::string_view imsi, std::uint64_t step,
                                             bool with_sole_pair);
  // Sets SQN (re-synchronisation with AUTS, TS 33.102 §6.3.5). kInvalidArgument over 48 bits.
  virtual Status set_sqn(std::string_view imsi, std::uint64_t sqn) = 0;

  // --- binding list (TR 33.868 §5.4.4.2.1.3) -------------------------------------------------
  // Allows the pair (idempotent; audited when it changes). kNotFound if the IMSI is absent.
  virtual Status allow_binding(std::string_view imsi, std::string_view imei,
                               std::string_view actor) = 0;
  // Removes the pair and revokes its KME (the version counter is kept, so a later KME for the
  // pair continues the numbering). kNotFound if the pair is not allowed.
  virtual Status deny_binding(std::string_view imsi, std::string_view imei,
                              std::string_view actor) = 0;
  // Whether the pair is on the list. The binding mode is policy for the caller (HSS) to apply.
  virtual Result<bool> is_binding_allowed(std::string_view imsi, std::string_view imei) = 0;
  // The allowed IMEIs of the subscriber, ascending. kNotFound if the IMSI is absent.
  virtual Result<std::vector<std::string>> list_bindings(std::string_view imsi) = 0;
  virtual Status set_binding_mode(std::string_view imsi, BindingMode mode,
                                  std::string_view actor) = 0;
  // Which KME procedures a CNN may run for this subscriber (DESIGN.md §4 hardening).
  virtual Status set_procedures_allowed(std::string_view imsi, bool procedure1, bool procedure2,
                                        std::string_view actor) = 0;

  // --- devices -------------------------------------------------------------------------------
  // Inserts or replaces a device's public keys (audited when new or changed).
  Status put_device(const DeviceRecord& device, std::string_view actor = "admin") {
    return do_put_device(device, actor);
  }
  virtual Result<DeviceRecord> get_device(std::string_view imei) = 0;

  // --- KME -----------------------------------------------------------------------------------
  // The current KME of the pair, std::nullopt if none was stored (or it was revoked).
  virtual Result<std::optional<KmeRecord>> get_kme(std::string_view imsi,
                                                   std::string_view imei) = 0;
  // Stores a new KME for the pair (TR 33.868 §5.4.4.2.3.3 step 11: "stores the KME ... if the
  // IMSI/IMEI pair is allowed") and returns its version (previous + 1, 1 for the first). Durable
  // before it returns (the commit is synced). Refuses with kNotAllowed, changing nothing, when the
  // pair is not allowed, or when `expected_previous_version` is given and differs from the current
  // version (0 = none yet) — this guards against a stale or replayed provisioning racing a newer
  // one. kNotFound if the IMSI is absent; kInvalidArgument if the KME is not 32 octets or the
  // procedure unknown. The new KME has no renewal pending (a renewal requested for the pair's
  // previous KME is done; the subscriber's other pairs keep theirs). Appends an audit row
  // ("kme-store", actor = source) in the same transaction.
  virtual Result<std::uint32_t> store_kme(std::string_view imsi, std::string_view imei,
                                          const SecretBytes& kme, int procedure,
                                          std::string_view source,
                                          std::optional<std::uint32_t> expected_previous_version) = 0;
  // The pair's KME version counter: the version of its current KME, or of its last one if that
  // was revoked, or the value raise_kme_version set; 0 if none of these. The next store_kme
  // writes this + 1.
  virtual Result<std::uint32_t> kme_version(std::string_view imsi, std::string_view imei) = 0;
  // Raises the pair's KME version counter to `version`, so that the next KME stored for the pair
  // is version + 1 (docs/security.md §4.3: a device that committed a KME version the HSS never
  // issued refuses every version up to its own as a rollback; docs/admin.md). The pair's current
  // KME, if any, is revoked in the same transaction, so the HSS provisions a new KME at the pair's
  // next KME-Request instead of challenging with one the device no longer holds, and a present
  // KME always has the counter's version. The counter is never lowered: kNotAllowed, naming the
  // current counter, if `version` is below it; `version` equal to it only revokes a present KME
  // (and otherwise changes nothing). kNotFound if the IMSI is absent or the pair not allowed;
  // kInvalidArgument for version 0 or 2^32 - 1 (no version could follow). Returns the pair as it
  // was before the call. Durable before it returns; audited ("kme-version-raise") when it writes.
  virtual Result<KmeCounter> raise_kme_version(std::string_view imsi, std::string_view imei,
                                               std::uint32_t version, std::string_view actor) = 0;
  // KME re-provisioning (device sold, operator change) for every pair of the subscriber that
  // holds a KME now: each pair's KME is marked (KmeRecord::renewal_requested) and the HSS
  // provisions that pair a new KME at its own next KME-Request, whichever device attaches first;
  // storing a KME for a pair clears that pair's mark only. Pairs without a KME (none yet, or
  // revoked) are provisioned at their next KME-Request anyway, and KMEs stored after the call are
  // not marked. kNotFound if the IMSI is absent. Audited: one "kme-renew" row per marked pair
  // (with its IMEI and KME version), or one row without an IMEI when no pair holds a KME.
  virtual Status request_kme_renewal(std::string_view imsi, std::string_view actor) = 0;
  // The renewal of one pair's KME, for a refused confirm of two provisionings that raced
  // (docs/protocol.md §2 "Racing provisionings"): marks the pair's KME as request_kme_renewal
  // does, if the pair holds a present KME of `version` not marked yet; the subscriber's other
  // pairs are not touched. True if it marked (audited: one "kme-renew" row with the IMEI and
  // version); false, writing nothing, if the pair holds no such KME (a newer one was stored, or it
  // was revoked or marked meanwhile). kInvalidArgument on a malformed identifier.
  virtual Result<bool> request_pair_kme_renewal(std::string_view imsi, std::string_view imei,
                                                std::uint32_t version,
                                                std::string_view actor) = 0;
  // KME metadata (never the key) for one IMSI, or for all pairs when `imsi` is nullopt; ordered
  // by IMSI then IMEI, at most `limit`, the pairs after `after` (from the first when nullopt);
  // the next page starts after the last pair returned (keyset paging, above). With `imsi` the
  // read is a primary-key lookup of that IMSI's pairs. kInvalidArgument if `imsi` or `after`
  // holds a malformed identifier.
  virtual Result<std::vector<KmeStatus>> list_kme_status(std::optional<std::string_view> imsi,
                                                         std::size_t limit,
                                                         const std::optional<PairKey>& after) = 0;

  // --- audit, counts, settings ---------------------------------------------------------------
  virtual Result<std::vector<AuditEntry>> list_audit(const AuditQuery& query) = 0;
  virtual Result<StoreCounts> counts() = 0;
  // Named values in the store's meta table. Sealed settings are wrapped under the master key
  // with the name as associated data (e.g. the KME import private key). The names
  // "schema_version" and those starting "kmebind." are reserved (kInvalidArgument).
  virtual Status put_setting(std::string_view name, ByteView value) = 0;
  virtual Result<std::optional<Bytes>> get_setting(std::string_view name) = 0;
  virtual Status put_sealed_setting(std::string_view name, const SecretBytes& value) = 0;
  virtual Result<std::optional<SecretBytes>> get_sealed_setting(std::string_view name) = 0;

  // --- bulk ----------------------------------------------------------------------------------
  virtual Result<std::unique_ptr<BulkImport>> begin_bulk_import(
      const BulkImportOptions& options) = 0;
  // One consistent snapshot of all subscribers (with their allowed IMEIs) and devices. K and OPc
  // are unsealed only when `with_keys` (otherwise empty). Stops at the first error `sink` returns.
  virtual Status export_all(const ExportSink& sink, bool with_keys) = 0;

  // Schema version of the open store (kSchemaVersion after open_store).
  virtual int schema_version() const = 0;

 protected:
  virtual Status do_add_subscriber(const SubscriberRecord& record, std::string_view actor) = 0;
  virtual Status do_remove_subscriber(std::string_view imsi, std::string_view actor) = 0;
  virtual Status do_put_device(const DeviceRecord& device, std::string_view actor) = 0;
};

struct StoreOptions {
  bool create_if_missing = true;  // false: kNotFound when the SQLite file does not exist
  int busy_timeout_ms = 5000;
  int max_connections = 8;        // connection pool size (readers run in parallel)
};

// Opens (creating if allowed) the store at `location`: a file path or "sqlite:///abs/path"
// ("sqlite://rel/path" for a relative one). A store of an older schema is upgraded in place
// (each step one transaction); a newer one fails kCorruption naming both versions. A new store
// records a key check value of `master_key`; an existing one verifies it (kCorruption
// "master key does not match this store"). master_key must be 32 octets.
// "postgres://…" / "postgresql://…" (a libpq connection URI) opens the PostgreSQL engine on that
// database (docs/store.md "PostgreSQL"): the database must exist; create_if_missing = false
// fails kNotFound when it holds no kmebind schema; a server that cannot be reached fails
// kUnavailable. Messages name the location with its password redacted.
Result<std::unique_ptr<SubscriberStore>> open_store(std::string_view location,
                                                    SecretBytes master_key,
                                                    const StoreOptions& options = {});

// The location as it may be shown in messages and logs: the password of a URL (user:password@
// and any password= parameter) replaced by "***". Other locations are returned unchanged.
std::string redact_location(std::string_view location);

}  // namespace kmebind::store
