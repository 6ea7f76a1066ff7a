// The SQLite engine of SubscriberStore (DESIGN.md §5): one database file in WAL mode,
// synchronous=FULL, foreign keys on, a pool of connections. Reads borrow any connection and run
// in parallel. Writes go through group commit (sqlite_group_commit.h): concurrent mutating calls
// share one BEGIN IMMEDIATE … COMMIT, each in its own savepoint, so many calls cost one WAL sync
// while each still returns only once its writes are durable. A batch also takes an in-process
// writer lock (SQLite admits one writer at a time; waiting on a lock is cheaper than SQLite's
// sleep-and-retry busy handler), which the bulk importer holds between its batches.
// Other processes writing the same file (the admin CLI next to a running HSS) are waited for by
// SQLite's busy timeout.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>

#include "store/key_wrap.h"
#include "store/sqlite_group_commit.h"
#include "store/schema.h"
#include "store/sqlite_pool.h"
#include "store/subscriber_store.h"

namespace kmebind::store::sqlite {

// Applies the migrations that take the database from its current version to `target` (each step
// in its own write transaction). kCorruption if the database is newer than this binary knows.
// Exposed for tests that need an old-version store.
Status migrate(Connection& conn, int target);
// The schema version recorded in the database (0 for an empty one).
Result<int> read_schema_version(Connection& conn);

class SqliteStore final : public SubscriberStore {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, SecretBytes master_key,
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

  Status allow_binding(std::string_view imsi, std::string_view imei, std::string_view actor) override;
  Status deny_binding(std::string_view imsi, std::string_view imei, std::string_view actor) override;
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

  // Used by the bulk importer: a connection and the writer lock for the duration of the import.
  Result<ConnectionPool::Lease> lease() { return pool_.acquire(); }
  std::timed_mutex& writer_lock() { return writer_; }
  std::chrono::milliseconds busy_timeout() const { return busy_timeout_; }
  const KeyWrap& keys() const { return keys_; }
  // Batches and jobs of the group commit so far (tests, diagnostics).
  GroupCommitStats group_commit_stats() const { return group_.stats(); }

 protected:
  Status do_add_subscriber(const SubscriberRecord& record, std::string_view actor) override;
  Status do_remove_subscriber(std::string_view imsi, std::string_view actor) override;
  Status do_put_device(const DeviceRecord& device, std::string_view actor) override;

 private:
  SqliteStore(std::string path, SecretBytes master_key, const StoreOptions& options);

  // Runs `fn(Connection&)` in a savepoint of a group-commit transaction; returns fn's result once
  // that transaction is committed (durable), or an error when fn failed (its savepoint rolled
  // back) or the commit failed. fn must not call the store.
  template <class F>
  std::invoke_result_t<F&, Connection&> write(F&& fn);
  // Runs `fn(Connection&)` on a borrowed connection; `snapshot` wraps it in a read transaction.
  template <class F>
  std::invoke_result_t<F&, Connection&> read(F&& fn, bool snapshot = false);

  ConnectionPool pool_;
  KeyWrap keys_;
  std::timed_mutex writer_;
  std::chrono::milliseconds busy_timeout_;
  GroupCommit group_;
};

template <class F>
std::invoke_result_t<F&, Connection&> SqliteStore::write(F&& fn) {
  using R = std::invoke_result_t<F&, Connection&>;
  std::optional<R> result;
  auto job = [&](Connection& conn) -> Status {
    result.emplace(fn(conn));
    if (!*result) return std::unexpected(result->error());
    return {};
  };
  Status committed = group_.run(job);
  if (result && !*result) return std::move(*result);  // fn's own error; its savepoint undone
  if (!committed) return std::unexpected(committed.error());
  return std::move(*result);
}

template <class F>
std::invoke_result_t<F&, Connection&> SqliteStore::read(F&& fn, bool snapshot) {
  auto lease = pool_.acquire();
  if (!lease) return std::unexpected(lease.error());
  if (!snapshot) return fn(**lease);
  auto txn = Transaction::begin(**lease, Transaction::Kind::kRead);
  if (!txn) return std::unexpected(txn.error());
  auto result = fn(**lease);
  txn->rollback();  // read-only: nothing to commit
  return result;
}

}  // namespace kmebind::store::sqlite
