// The PostgreSQL engine of SubscriberStore (docs/store.md "PostgreSQL"): several HSS front-ends
// and the admin CLI share one database. A pool of connections; every mutating call is one
// transaction (READ COMMITTED) whose read-modify-writes lock the rows they depend on:
// advance_sqn is one UPDATE ... RETURNING (the row lock orders concurrent callers, each adds to
// the value the previous one committed); store_kme locks the pair's binding row (SELECT ... FOR
// UPDATE) before it reads the version, so concurrent store_kme calls for a pair, and a
// deny_binding racing one, take turns. synchronous_commit is on: a call returned success after its
// COMMIT did.
//
// Broken connections: a call whose connection breaks before COMMIT was sent is retried once on a
// new connection (the server rolled the transaction back); a second failure, or a server that
// cannot be reached, fails kUnavailable having changed nothing. A connection lost while COMMIT was
// in flight fails kUnavailable "outcome unknown" (the only case where the change may or may not
// have been made). Serialization failures and deadlocks (SQLSTATE 40001/40P01) are retried up to
// three times.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <type_traits>

#include "store/key_wrap.h"
#include "store/pg_budget.h"
#include "store/pg_pool.h"
#include "store/schema.h"
#include "store/subscriber_store.h"

namespace kmebind::store::pg {

// Applies the migrations that take the database from its current version to `target`, each step
// in its own transaction. kCorruption if the database is newer than this binary or holds other
// tables without a kmebind version. Exposed for tests that need an old-version store.
Status migrate(Connection& conn, int target);
// The schema version recorded in the database (0 when table schema_version is absent or empty).
Result<int> read_schema_version(Connection& conn);

class PgStore final : public SubscriberStore {
 public:
  static Result<std::unique_ptr<PgStore>> open(std::string_view url, SecretBytes master_key,
                                               const StoreOptions& options);

  Result<SubscriberRecord> get_subscriber(std::string_view imsi) override;
  Result<PairView> get_pair(std::string_view imsi, std::string_view imei) override;
  Result<SolePair> get_sole_pair(std::string_view imsi) override;
  Result<std::vector<std::string>> list_subscribers(
      std::size_t limit, std::optional<std::string_view> after_imsi) override;
  Result<std::uint64_t> advance_sqn(std::string_view imsi, std::uint64_t step) override;
  Result<SqnReservation> reserve_sqn(std::string_view imsi, std::uint64_t step,
                                     bool with_sole_pair) override;
  Status set_sqn(std::string_view imsi, std::uint64_t sqn) override;

  Status allow_binding(std::string_view imsi, std::string_view imei,
                       std::string_view actor) override;
  Status deny_binding(std::string_view imsi, std::string_view imei,
                      std::string_view actor) override;
  Result<bool> is_binding_allowed(std::string_view imsi, std::string_view imei) override;
  Result<std::vector<std::string>> list_bindings(std::string_view imsi) override;
  Status set_binding_mode(std::string_view imsi, BindingMode mode, std::string_view actor) override;
  Status set_procedures_allowed(std::string_view imsi, bool procedure1, bool procedure2,
                                std::string_view actor) override;

  Result<DeviceRecord> get_device(std::string_view imei) override;

  Result<std::optional<KmeRecord>> get_kme(std::string_view imsi, std::string_view imei) override;
  Result<std::uint32_t> store_kme(std::string_view imsi, std::string_view imei,
                                  const SecretBytes& kme, int procedure, std::string_view source,
                                  std::optional<std::uint32_t> expected_previous_version) override;
  Result<std::uint32_t> kme_version(std::string_view imsi, std::string_view imei) override;
  Result<KmeCounter> raise_kme_version(std::string_view imsi, std::string_view imei,
                                       std::uint32_t version, std::string_view actor) override;
  Status request_kme_renewal(std::string_view imsi, std::string_view actor) override;
  Result<bool> request_pair_kme_renewal(std::string_view imsi, std::string_view imei,
                                        std::uint32_t version, std::string_view actor) override;
  Result<std::vector<KmeStatus>> list_kme_status(std::optional<std::string_view> imsi,
                                                 std::size_t limit,
                                                 const std::optional<PairKey>& after) override;

  Result<std::vector<AuditEntry>> list_audit(const AuditQuery& query) override;
  Result<StoreCounts> counts() override;
  Status put_setting(std::string_view name, ByteView value) override;
  Result<std::optional<Bytes>> get_setting(std::string_view name) override;
  Status put_sealed_setting(std::string_view name, const SecretBytes& value) override;
  Result<std::optional<SecretBytes>> get_sealed_setting(std::string_view name) override;

  Result<std::unique_ptr<BulkImport>> begin_bulk_import(const BulkImportOptions& options) override;
  Status export_all(const ExportSink& sink, bool with_keys) override;
  int schema_version() const override { return kSchemaVersion; }

  // The server's connection budget as this store's login role sees it, `own` = the connections
  // this store's pool holds (pg_budget.h). The HSS checks its pool size against it at start.
  Result<ServerConnectionBudget> connection_budget();

  // Used by the bulk importer.
  Result<ConnectionPool::Lease> lease() { return pool_.acquire(); }
  const KeyWrap& keys() const { return keys_; }

  enum class Txn {
    kNone,      // autocommit: one statement
    kWrite,     // BEGIN ... COMMIT (READ COMMITTED)
    kSnapshot,  // BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY: one consistent view
  };
  // Runs `fn(Connection&)` in a transaction of `kind` with the retry rules above. `fn` must be
  // safe to run again (it is, when it only talks to the database and returns its result).
  template <class F>
  std::invoke_result_t<F&, Connection&> run(Txn kind, F&& fn);

 protected:
  Status do_add_subscriber(const SubscriberRecord& record, std::string_view actor) override;
  Status do_remove_subscriber(std::string_view imsi, std::string_view actor) override;
  Status do_put_device(const DeviceRecord& device, std::string_view actor) override;

 private:
  PgStore(ConnectSettings settings, SecretBytes master_key, const StoreOptions& options);

  ConnectionPool pool_;
  KeyWrap keys_;
};

template <class F>
std::invoke_result_t<F&, Connection&> PgStore::run(Txn kind, F&& fn) {
  constexpr int kMaxAttempts = 4;  // 1 + 3 retries of serialization failures
  int broken_retries = 0;
  for (int attempt = 1;; ++attempt) {
    auto lease = pool_.acquire();
    if (!lease) return std::unexpected(lease.error());
    Connection& c = **lease;
    if (kind != Txn::kNone) {
      if (auto st = c.exec(
              kind == Txn::kWrite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
          !st) {
        if (c.broken() && broken_retries++ == 0) continue;  // nothing was sent: safe
        return std::unexpected(st.error());
      }
    }
    auto result = fn(c);
    if (!result) {
      if (c.broken()) {
        if (broken_retries++ == 0) continue;  // not committed: the server rolled it back
        return result;
      }
      const bool retry = is_retryable_sqlstate(c.last_sqlstate()) && attempt < kMaxAttempts;
      if (kind != Txn::kNone) (void)c.exec("ROLLBACK");
      if (retry) continue;
      return result;
    }
    if (kind != Txn::kNone) {
      if (auto st = c.exec("COMMIT"); !st) {
        if (c.broken()) {
          return std::unexpected(
              Error(Code::kUnavailable,
                    st.error().message() + " (while committing: the outcome is unknown)"));
        }
        const bool retry = is_retryable_sqlstate(c.last_sqlstate()) && attempt < kMaxAttempts;
        if (!c.idle()) (void)c.exec("ROLLBACK");
        if (retry) continue;
        return std::unexpected(st.error().with_context("commit"));
      }
    }
    return result;
  }
}

}  // namespace kmebind::store::pg
