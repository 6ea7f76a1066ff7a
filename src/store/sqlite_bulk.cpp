// SQLite engine: batched import and snapshot export.
#include <optional>

#include "store/engine_util.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace kmebind::store::sqlite {
namespace {

class SqliteBulkImport final : public BulkImport {
 public:
  SqliteBulkImport(SqliteStore& store, ConnectionPool::Lease lease, BulkImportOptions options)
      : store_(store), lease_(std::move(lease)), options_(std::move(options)),
        lock_(store.writer_lock(), std::defer_lock) {
    if (options_.batch_rows == 0) options_.batch_rows = 1;
    // A large page cache for the import: the B-trees of a million-row store outgrow SQLite's
    // default 2 MB cache and pages would be read back from the OS for every insert. Memory only;
    // durability is unchanged.
    (void)lease_->exec("PRAGMA cache_size = -262144");  // 256 MiB
    // Fewer, larger checkpoints: pages rewritten by several batches are copied back once.
    (void)lease_->exec("PRAGMA wal_autocheckpoint = 16384");  // pages (64 MiB)
  }
  ~SqliteBulkImport() override {
    abandon();
    (void)lease_->exec("PRAGMA cache_size = -2000");  // SQLite's defaults, for the pool
    (void)lease_->exec("PRAGMA wal_autocheckpoint = 1000");
  }

  Status add_subscriber(const SubscriberRecord& record,
                        std::span<const std::string> allowed_imeis) override {
    if (auto st = usable(); !st) return st;
    if (auto st = validate_subscriber(record); !st) return st;
    std::vector<std::string> imeis;
    imeis.reserve(allowed_imeis.size());
    for (const auto& raw : allowed_imeis) {
      auto imei = normalize_imei(raw);
      if (!imei) return pass(imei);
      imeis.push_back(std::move(*imei));
    }
    if (auto st = open_batch(); !st) return st;
    Connection& c = *lease_;
    // A taken IMSI fails the first statement of the row, which wrote nothing: the batch goes on.
    if (auto st = insert_subscriber(c, store_.keys(), record, now_); !st) {
      if (st.error().code() == Code::kAlreadyExists) return st;
      return poison(st.error());
    }
    std::string detail = "binding " + std::string(to_string(record.binding_mode)) + ", imeis";
    for (const auto& imei : imeis) {
      auto added = insert_binding(c, record.imsi, imei, now_);
      if (!added) return poison(added.error());
      if (*added) ++stats_.bindings;
      detail += ' ';
      detail += imei;
    }
    if (imeis.empty()) detail += " none";
    if (auto st = insert_audit(c, now_, {options_.actor, "subscriber-import", record.imsi, "",
                                         detail, options_.source});
        !st) {
      return poison(st.error());
    }
    ++stats_.subscribers;
    return row_done();
  }

  Status put_device(const DeviceRecord& device_in) override {
    if (auto st = usable(); !st) return st;
    DeviceRecord device{device_in.imei, device_in.enc_profile, device_in.enc_public_key,
                        device_in.sig_alg, device_in.sig_public_key};
    if (auto st = validate_device(device); !st) return st;
    if (auto st = open_batch(); !st) return st;
    Connection& c = *lease_;
    auto change = upsert_device(c, device, now_);
    if (!change) return poison(change.error());
    if (*change == DeviceChange::kAdded) {
      // New devices are audited as one "device-import" row per batch (commit_batch).
      ++devices_added_in_batch_;
      ++stats_.devices;
    } else if (*change != DeviceChange::kUnchanged) {  // replaced, or re-encoded (same keys)
      if (auto st = insert_audit(c, now_,
                                 {options_.actor, "device-put", "", device.imei,
                                  device_put_detail(*change, device), options_.source});
          !st) {
        return poison(st.error());
      }
      if (*change == DeviceChange::kReplaced) ++stats_.devices;
    }
    return row_done();
  }

  Result<std::uint32_t> store_kme(std::string_view imsi, std::string_view imei_in,
                                  const SecretBytes& kme, int procedure) override {
    if (auto st = usable(); !st) return std::unexpected(st.error());
    if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
    auto imei = normalize_imei(imei_in);
    if (!imei) return pass(imei);
    if (auto st = validate_kme(kme, procedure); !st) return std::unexpected(st.error());
    const std::string source = options_.source.empty() ? options_.actor : options_.source;
    if (auto st = open_batch(); !st) return std::unexpected(st.error());
    auto version = store_kme_row(*lease_, store_.keys(), imsi, *imei, kme, procedure, source,
                                 std::nullopt, now_);
    if (!version) {
      // Refusals (pair not allowed, unknown IMSI) happen before any write of the row.
      const Code code = version.error().code();
      if (code == Code::kNotAllowed || code == Code::kNotFound) return version;
      return std::unexpected(poison(version.error()).error());
    }
    ++stats_.kmes;
    if (auto st = row_done(); !st) return std::unexpected(st.error());
    return version;
  }

  Result<BulkImportStats> finish() override {
    if (auto st = usable(); !st) return std::unexpected(st.error());
    if (auto st = commit_batch(); !st) return std::unexpected(st.error());
    finished_ = true;
    return stats_;
  }

 private:
  Status usable() const {
    if (failed_) return fail(Code::kNotAllowed, "bulk import stopped after an earlier error");
    if (finished_) return fail(Code::kNotAllowed, "bulk import already finished");
    return {};
  }

  Status open_batch() {
    if (txn_) return {};
    if (!lock_.try_lock_for(store_.busy_timeout())) {
      return fail(Code::kUnavailable, "store busy: the write lock was not free within " +
                                          std::to_string(store_.busy_timeout().count()) + " ms");
    }
    auto txn = Transaction::begin(*lease_, Transaction::Kind::kWrite);
    if (!txn) {
      lock_.unlock();
      return pass(txn);
    }
    txn_.emplace(std::move(*txn));
    now_ = now_unix_s();
    rows_in_batch_ = 0;
    return {};
  }

  Status row_done() {
    if (++rows_in_batch_ < options_.batch_rows) return {};
    return commit_batch();
  }

  Status commit_batch() {
    if (!txn_) return {};
    if (devices_added_in_batch_ > 0) {
      const std::string detail = std::to_string(devices_added_in_batch_) + " devices added";
      if (auto st = insert_audit(*lease_, now_, {options_.actor, "device-import", "", "", detail,
                                                 options_.source});
          !st) {
        return poison(st.error());
      }
      devices_added_in_batch_ = 0;
    }
    auto st = txn_->commit();
    txn_.reset();
    lock_.unlock();
    if (!st) {
      failed_ = true;
      return st;
    }
    ++stats_.transactions;
    return {};
  }

  // Rolls back the open batch and refuses further rows.
  std::unexpected<Error> poison(const Error& err) {
    failed_ = true;
    abandon();
    return std::unexpected(err.with_context("bulk import batch rolled back"));
  }

  void abandon() {
    devices_added_in_batch_ = 0;
    if (txn_) {
      txn_->rollback();
      txn_.reset();
    }
    if (lock_.owns_lock()) lock_.unlock();
  }

  SqliteStore& store_;
  ConnectionPool::Lease lease_;
  BulkImportOptions options_;
  std::unique_lock<std::timed_mutex> lock_;
  std::optional<Transaction> txn_;
  std::size_t rows_in_batch_ = 0;
  std::size_t devices_added_in_batch_ = 0;
  std::int64_t now_ = 0;
  bool failed_ = false;
  bool finished_ = false;
  BulkImportStats stats_;
};

}  // namespace

Result<std::unique_ptr<BulkImport>> SqliteStore::begin_bulk_import(
    const BulkImportOptions& options) {
  auto lease = pool_.acquire();
  if (!lease) return pass(lease);
  return std::unique_ptr<BulkImport>(new SqliteBulkImport(*this, std::move(*lease), options));
}

Status SqliteStore::export_all(const ExportSink& sink, bool with_keys) {
  return read([&](Connection& c) -> Status {
    auto subs = c.prepare("SELECT " + std::string(kSubscriberColumns) +
                          " FROM subscribers s ORDER BY s.imsi");
    if (!subs) return pass(subs);
    auto binds = c.prepare("SELECT imsi, imei FROM bindings ORDER BY imsi, imei");
    if (!binds) return pass(binds);
    // Merge join: both cursors walk IMSIs in ascending order.
    auto brow = binds->step();
    if (!brow) return pass(brow);
    std::vector<std::string> imeis;
    for (;;) {
      auto row = subs->step();
      if (!row) return pass(row);
      if (!*row) break;
      auto record = decode_subscriber(*subs, keys_, with_keys);
      if (!record) return pass(record);
      imeis.clear();
      while (*brow) {
        const std::string imsi = binds->column_text(0);
        if (imsi > record->imsi) break;
        if (imsi == record->imsi) imeis.push_back(binds->column_text(1));
        brow = binds->step();
        if (!brow) return pass(brow);
      }
      if (sink.subscriber) {
        if (auto st = sink.subscriber(*record, imeis); !st) return st;
      }
    }
    auto devs = c.prepare("SELECT " + std::string(kDeviceColumns) + " FROM devices ORDER BY imei");
    if (!devs) return pass(devs);
    for (;;) {
      auto row = devs->step();
      if (!row) return pass(row);
      if (!*row) return {};
      auto device = decode_device(*devs);
      if (!device) return pass(device);
      if (sink.device) {
        if (auto st = sink.device(*device); !st) return st;
      }
    }
  }, /*snapshot=*/true);
}

}  // namespace kmebind::store::sqlite
