// PostgreSQL engine: batched import and snapshot export. The importer inserts each subscriber
// with one statement (so a taken IMSI is refused for that row at once) and sends its bindings and
// audit rows as multi-row INSERTs of up to kChunkRows rows; a batch is one transaction.
#include <chrono>
#include <optional>

#include "store/pg_rows.h"
#include "store/pg_store.h"

namespace kmebind::store::pg {
namespace {

template <class T>
std::unexpected<Error> pass(const Result<T>& r) {
  return std::unexpected(r.error());
}

constexpr std::size_t kChunkRows = 1000;  // rows per multi-row INSERT (7000 parameters at most)

std::int64_t now_unix_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "INSERT INTO <head> VALUES ($1, ..., $k), (...) <tail>" for `rows` rows of `cols` columns.
std::string multi_row_insert(std::string_view head, std::size_t rows, std::size_t cols,
                             std::string_view tail) {
  std::string sql = "INSERT INTO " + std::string(head) + " VALUES ";
  std::size_t n = 1;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (std::size_t c = 0; c < cols; ++c, ++n) {
      if (c > 0) sql += ", ";
      sql += "$" + std::to_string(n);
    }
    sql += ")";
  }
  sql += ' ';
  sql += tail;
  return sql;
}

struct PendingAudit {
  std::string action;
  std::string imsi;
  std::string imei;
  std::string detail;
};

class PgBulkImport final : public BulkImport {
 public:
  PgBulkImport(PgStore& store, ConnectionPool::Lease lease, BulkImportOptions options)
      : store_(store), lease_(std::move(lease)), options_(std::move(options)) {
    if (options_.batch_rows == 0) options_.batch_rows = 1;
  }
  ~PgBulkImport() override { abandon(); }

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
    // A taken IMSI is found by ON CONFLICT DO NOTHING: the transaction goes on.
    if (auto st = insert_subscriber(*lease_, store_.keys(), record, now_); !st) {
      if (st.error().code() == Code::kAlreadyExists && !lease_->broken()) return st;
      return poison(st.error());
    }
    std::string detail = "binding " + std::string(to_string(record.binding_mode)) + ", imeis";
    for (auto& imei : imeis) {
      detail += ' ';
      detail += imei;
      bindings_.emplace_back(record.imsi, std::move(imei));
    }
    if (imeis.empty()) detail += " none";
    audits_.push_back({"subscriber-import", record.imsi, "", std::move(detail)});
    ++stats_.subscribers;
    return row_done();
  }

  Status put_device(const DeviceRecord& device_in) override {
    if (auto st = usable(); !st) return st;
    DeviceRecord device{device_in.imei, device_in.enc_profile, device_in.enc_public_key,
                        device_in.sig_alg, device_in.sig_public_key};
    if (auto st = validate_device(device); !st) return st;
    if (auto st = open_batch(); !st) return st;
    auto change = upsert_device(*lease_, device, now_);
    if (!change) return poison(change.error());
    if (*change == DeviceChange::kAdded) {
      ++devices_added_in_batch_;  // audited as one "device-import" row per batch
      ++stats_.devices;
    } else if (*change == DeviceChange::kReplaced) {
      audits_.push_back({"device-put", "", device.imei,
                         "keys replaced: enc profile " + std::string(to_string(device.enc_profile)) +
                             " key " + to_hex(device.enc_public_key) + ", sig " +
                             std::string(to_string(device.sig_alg)) + " key " +
                             to_hex(device.sig_public_key)});
      ++stats_.devices;
    }
    return row_done();
  }

  Result<std::uint32_t> store_kme(std::string_view imsi, std::string_view imei_in,
                                  const SecretBytes& kme, int procedure) override {
    if (auto st = usable(); !st) return pass(st);
    if (auto st = check_imsi(imsi); !st) return pass(st);
    auto imei = normalize_imei(imei_in);
    if (!imei) return pass(imei);
    if (auto st = validate_kme(kme, procedure); !st) return pass(st);
    const std::string source = options_.source.empty() ? options_.actor : options_.source;
    if (auto st = open_batch(); !st) return pass(st);
    if (auto st = flush(); !st) return pass(st);  // bindings added earlier in this import
    auto version = store_kme_row(*lease_, store_.keys(), imsi, *imei, kme, procedure, source,
                                 std::nullopt, now_);
    if (!version) {
      // Refusals found before anything was written leave the transaction usable.
      const Code code = version.error().code();
      if ((code == Code::kNotAllowed || code == Code::kNotFound) && !lease_->broken() &&
          lease_->last_sqlstate().empty()) {
        return version;
      }
      return poison(version.error());
    }
    ++stats_.kmes;
    if (auto st = row_done(); !st) return pass(st);
    return version;
  }

  Result<BulkImportStats> finish() override {
    if (auto st = usable(); !st) return pass(st);
    if (auto st = commit_batch(); !st) return pass(st);
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
    if (in_txn_) return {};
    if (auto st = lease_->exec("BEGIN"); !st) return poison(st.error());
    in_txn_ = true;
    rows_in_batch_ = 0;
    now_ = now_unix_s();
    return {};
  }

  Status row_done() {
    if (bindings_.size() >= kChunkRows || audits_.size() >= kChunkRows) {
      if (auto st = flush(); !st) return st;
    }
    if (++rows_in_batch_ < options_.batch_rows) return {};
    return commit_batch();
  }

  // Sends the queued bindings and audit rows.
  Status flush() {
    for (std::size_t i = 0; i < bindings_.size(); i += kChunkRows) {
      const std::size_t n = std::min(kChunkRows, bindings_.size() - i);
      Params p;
      for (std::size_t j = i; j < i + n; ++j) {
        p.text(bindings_[j].first).text(bindings_[j].second).integer(now_);
      }
      const std::string sql = multi_row_insert("bindings (imsi, imei, created_at)", n, 3,
                                               "ON CONFLICT (imsi, imei) DO NOTHING RETURNING 1");
      auto r = n == kChunkRows ? lease_->query(sql, p) : lease_->query_once(sql, p);
      if (!r) return poison(r.error());
      stats_.bindings += static_cast<std::uint64_t>(r->count());
    }
    bindings_.clear();
    for (std::size_t i = 0; i < audits_.size(); i += kChunkRows) {
      const std::size_t n = std::min(kChunkRows, audits_.size() - i);
      Params p;
      for (std::size_t j = i; j < i + n; ++j) {
        const PendingAudit& a = audits_[j];
        p.integer(now_).text(options_.actor).text(a.action).text_or_null(a.imsi)
            .text_or_null(a.imei).text(a.detail).text(options_.source);
      }
      const std::string sql = multi_row_insert(
          "audit (created_at, actor, action, imsi, imei, detail, source)", n, 7, "");
      auto r = n == kChunkRows ? lease_->query(sql, p) : lease_->query_once(sql, p);
      if (!r) return poison(r.error());
    }
    audits_.clear();
    return {};
  }

  Status commit_batch() {
    if (!in_txn_) return {};
    if (auto st = flush(); !st) return st;
    if (devices_added_in_batch_ > 0) {
      const std::string detail = std::to_string(devices_added_in_batch_) + " devices added";
      if (auto st = insert_audit(*lease_, now_, {options_.actor, "device-import", "", "", detail,
                                                 options_.source});
          !st) {
        return poison(st.error());
      }
      devices_added_in_batch_ = 0;
    }
    in_txn_ = false;
    if (auto st = lease_->exec("COMMIT"); !st) {
      failed_ = true;
      if (!lease_->broken() && !lease_->idle()) (void)lease_->exec("ROLLBACK");
      return std::unexpected(st.error().with_context(lease_->broken()
                                                         ? "bulk import commit (outcome unknown)"
                                                         : "bulk import commit"));
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
    bindings_.clear();
    audits_.clear();
    if (in_txn_) {
      in_txn_ = false;
      if (!lease_->broken()) (void)lease_->exec("ROLLBACK");
    }
  }

  PgStore& store_;
  ConnectionPool::Lease lease_;
  BulkImportOptions options_;
  bool in_txn_ = false;
  std::vector<std::pair<std::string, std::string>> bindings_;
  std::vector<PendingAudit> audits_;
  std::size_t rows_in_batch_ = 0;
  std::size_t devices_added_in_batch_ = 0;
  std::int64_t now_ = 0;
  bool failed_ = false;
  bool finished_ = false;
  BulkImportStats stats_;
};

}  // namespace

Result<std::unique_ptr<BulkImport>> PgStore::begin_bulk_import(const BulkImportOptions& options) {
  auto lease = pool_.acquire();
  if (!lease) return pass(lease);
  return std::unique_ptr<BulkImport>(new PgBulkImport(*this, std::move(*lease), options));
}

// One REPEATABLE READ transaction (one snapshot), read in pages by key so that a million rows
// never sit in memory at once. Not retried: the sink may have seen rows already.
Status PgStore::export_all(const ExportSink& sink, bool with_keys) {
  constexpr int kPage = 2000;
  auto lease = pool_.acquire();
  if (!lease) return pass(lease);
  Connection& c = **lease;
  if (auto st = c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"); !st) return st;
  auto body = [&]() -> Status {
    std::string last;
    for (;;) {
      auto r = c.query("SELECT " + std::string(kSubscriberColumns) +
                           ", (SELECT string_agg(b.imei, ',' ORDER BY b.imei) FROM bindings b "
                           "WHERE b.imsi = s.imsi) FROM subscribers s WHERE s.imsi > $1 "
                           "ORDER BY s.imsi LIMIT " + std::to_string(kPage),
                       Params().text(last));
      if (!r) return pass(r);
      std::vector<std::string> imeis;
      for (int i = 0; i < r->count(); ++i) {
        auto record = decode_subscriber(*r, i, keys_, with_keys);
        if (!record) return pass(record);
        imeis.clear();
        const std::string joined = r->text(i, 9);
        for (std::size_t pos = 0; pos < joined.size();) {
          const std::size_t comma = std::min(joined.find(',', pos), joined.size());
          imeis.push_back(joined.substr(pos, comma - pos));
          pos = comma + 1;
        }
        last = record->imsi;
        if (sink.subscriber) {
          if (auto st = sink.subscriber(*record, imeis); !st) return st;
        }
      }
      if (r->count() < kPage) break;
    }
    last.clear();
    for (;;) {
      auto r = c.query("SELECT " + std::string(kDeviceColumns) +
                           " FROM devices WHERE imei > $1 ORDER BY imei LIMIT " +
                           std::to_string(kPage),
                       Params().text(last));
      if (!r) return pass(r);
      for (int i = 0; i < r->count(); ++i) {
        auto device = decode_device(*r, i);
        if (!device) return pass(device);
        last = device->imei;
        if (sink.device) {
          if (auto st = sink.device(*device); !st) return st;
        }
      }
      if (r->count() < kPage) return {};
    }
  };
  auto st = body();
  if (!c.broken()) (void)c.exec(st ? "COMMIT" : "ROLLBACK");
  return st;
}

}  // namespace kmebind::store::pg
