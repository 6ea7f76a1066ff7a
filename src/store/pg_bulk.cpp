// PostgreSQL engine: batched import and snapshot export. The importer keeps the rows of a chunk
// in memory and writes them with multi-row INSERTs of up to kChunkRows rows (subscribers,
// bindings, devices, audit rows): a few round trips per thousand rows instead of several per row.
// A taken IMSI is still refused by the add_subscriber call of that row: the importer loads the
// IMSIs already in the store once (8 octets each) and remembers the ones it added. An IMSI that
// another writer adds while the import runs is found when the chunk is written (ON CONFLICT DO
// NOTHING): that row is left out and the call that wrote the chunk fails kAlreadyExists naming it;
// the import goes on. A batch (options.batch_rows rows) is one transaction.
#include <algorithm>
#include <chrono>
#include <optional>
#include <unordered_set>

#include "store/engine_util.h"
#include "store/pg_rows.h"
#include "store/pg_store.h"

namespace kmebind::store::pg {
namespace {

constexpr std::size_t kChunkRows = 1000;  // rows per multi-row INSERT (11,000 parameters at most)

// An IMSI (6..15 digits, checked) as one number that keeps leading zeros apart: length ‖ digits.
std::uint64_t imsi_key(std::string_view imsi) {
  std::uint64_t v = imsi.size();
  for (char c : imsi) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v;
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

struct PendingSubscriber {
  std::string imsi;
  Bytes k_sealed;
  Bytes opc_sealed;
  std::int64_t amf = 0;
  std::int64_t sqn = 0;
  std::string binding_mode;
  int procedure1 = 1;
  int procedure2 = 1;
  std::vector<std::string> imeis;
  std::string detail;  // of the subscriber-import audit row
};

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
    PendingSubscriber p;
    p.imeis.reserve(allowed_imeis.size());
    for (const auto& raw : allowed_imeis) {
      auto imei = normalize_imei(raw);
      if (!imei) return pass(imei);
      p.imeis.push_back(std::move(*imei));
    }
    if (auto st = load_existing(); !st) return st;
    const std::uint64_t key = imsi_key(record.imsi);
    if (std::binary_search(existing_.begin(), existing_.end(), key) || added_.contains(key)) {
      return fail(Code::kAlreadyExists, "subscriber " + record.imsi + " already exists");
    }
    auto k = store_.keys().seal_k(record.imsi, record.k);
    if (!k) return pass(k);
    auto opc = store_.keys().seal_opc(record.imsi, record.opc);
    if (!opc) return pass(opc);
    if (auto st = open_batch(); !st) return st;
    p.imsi = record.imsi;
    p.k_sealed = std::move(*k);
    p.opc_sealed = std::move(*opc);
    p.amf = (record.amf[0] << 8) | record.amf[1];
    p.sqn = static_cast<std::int64_t>(record.sqn);
    p.binding_mode = std::string(to_string(record.binding_mode));
    p.procedure1 = record.procedure1_allowed ? 1 : 0;
    p.procedure2 = record.procedure2_allowed ? 1 : 0;
    p.detail = "binding " + p.binding_mode + ", imeis";
    std::sort(p.imeis.begin(), p.imeis.end());
    p.imeis.erase(std::unique(p.imeis.begin(), p.imeis.end()), p.imeis.end());
    for (const auto& imei : allowed_imeis) {  // as given, like the SQLite engine
      auto n = normalize_imei(imei);
      p.detail += ' ';
      p.detail += *n;
    }
    if (allowed_imeis.empty()) p.detail += " none";
    added_.insert(key);
    subscribers_.push_back(std::move(p));
    return row_done();
  }

  Status put_device(const DeviceRecord& device_in) override {
    if (auto st = usable(); !st) return st;
    DeviceRecord device{device_in.imei, device_in.enc_profile, device_in.enc_public_key,
                        device_in.sig_alg, device_in.sig_public_key};
    if (auto st = validate_device(device); !st) return st;
    if (auto st = open_batch(); !st) return st;
    // One row per IMEI in a chunk: a second put of the same IMEI writes the first one out.
    if (!pending_imeis_.insert(device.imei).second) {
      if (auto st = flush(); !st) return st;
      pending_imeis_.insert(device.imei);
    }
    devices_.push_back(std::move(device));
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
    if (auto st = flush(); !st) return pass(st);  // subscribers and bindings queued before it
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

  // The IMSIs in the store before the import, once (a sorted vector: 8 MB per million).
  Status load_existing() {
    if (loaded_) return {};
    auto r = lease_->query("SELECT imsi FROM subscribers");
    if (!r) return poison(r.error());
    existing_.reserve(static_cast<std::size_t>(r->count()));
    for (int i = 0; i < r->count(); ++i) existing_.push_back(imsi_key(r->text(i, 0)));
    std::sort(existing_.begin(), existing_.end());
    loaded_ = true;
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
    if (subscribers_.size() >= kChunkRows || devices_.size() >= kChunkRows) {
      if (auto st = flush(); !st) return st;
    }
    if (++rows_in_batch_ < options_.batch_rows) return {};
    return commit_batch();
  }

  Result<Rows> insert_rows(std::string_view head, std::size_t rows, std::size_t cols,
                           std::string_view tail, const Params& p) {
    const std::string sql = multi_row_insert(head, rows, cols, tail);
    return rows == kChunkRows ? lease_->query(sql, p) : lease_->query_once(sql, p);
  }

  // Writes the queued rows: subscribers, then their bindings, devices, audit rows. Returns
  // kAlreadyExists (the batch going on) when another writer took a queued IMSI meanwhile.
  Status flush() {
    std::vector<std::string> taken;
    for (std::size_t i = 0; i < subscribers_.size(); i += kChunkRows) {
      const std::size_t n = std::min(kChunkRows, subscribers_.size() - i);
      Params p;
      for (std::size_t j = i; j < i + n; ++j) {
        const PendingSubscriber& s = subscribers_[j];
        p.text(s.imsi)
            .bytes(s.k_sealed)
            .bytes(s.opc_sealed)
            .integer(s.amf)
            .integer(s.sqn)
            .text(s.binding_mode)
            .integer(s.procedure1)
            .integer(s.procedure2)
            .integer(now_)
            .integer(now_);
      }
      auto r = insert_rows(
          "subscribers (imsi, k_sealed, opc_sealed, amf, sqn, binding_mode, procedure1_allowed, "
          "procedure2_allowed, created_at, updated_at)",
          n, 10, "ON CONFLICT (imsi) DO NOTHING RETURNING imsi", p);
      if (!r) return poison(r.error());
      std::unordered_set<std::string> inserted;
      for (int row = 0; row < r->count(); ++row) inserted.insert(r->text(row, 0));
      for (std::size_t j = i; j < i + n; ++j) {
        PendingSubscriber& s = subscribers_[j];
        if (!inserted.contains(s.imsi)) {
          taken.push_back(s.imsi);
          s.imsi.clear();  // left out below
          continue;
        }
        ++stats_.subscribers;
        for (auto& imei : s.imeis) bindings_.emplace_back(s.imsi, std::move(imei));
        audits_.push_back({"subscriber-import", s.imsi, "", std::move(s.detail)});
      }
    }
    subscribers_.clear();
    for (std::size_t i = 0; i < bindings_.size(); i += kChunkRows) {
      const std::size_t n = std::min(kChunkRows, bindings_.size() - i);
      Params p;
      for (std::size_t j = i; j < i + n; ++j) {
        p.text(bindings_[j].first).text(bindings_[j].second).integer(now_);
      }
      auto r = insert_rows("bindings (imsi, imei, created_at)", n, 3,
                           "ON CONFLICT (imsi, imei) DO NOTHING RETURNING 1", p);
      if (!r) return poison(r.error());
      stats_.bindings += static_cast<std::uint64_t>(r->count());
    }
    bindings_.clear();
    if (auto st = flush_devices(); !st) return st;
    for (std::size_t i = 0; i < audits_.size(); i += kChunkRows) {
      const std::size_t n = std::min(kChunkRows, audits_.size() - i);
      Params p;
      for (std::size_t j = i; j < i + n; ++j) {
        const PendingAudit& a = audits_[j];
        p.integer(now_)
            .text(options_.actor)
            .text(a.action)
            .text_or_null(a.imsi)
            .text_or_null(a.imei)
            .text(a.detail)
            .text(options_.source);
      }
      auto r =
          insert_rows("audit (created_at, actor, action, imsi, imei, detail, source)", n, 7, "", p);
      if (!r) return poison(r.error());
    }
    audits_.clear();
    if (!taken.empty()) {
      std::string list;
      for (const auto& imsi : taken) list += (list.empty() ? "" : ", ") + imsi;
      return fail(Code::kAlreadyExists, "subscriber(s) " + list +
                                            " added by another writer during the import; those "
                                            "rows were left out, the others written");
    }
    return {};
  }

  // New devices in multi-row INSERTs; the IMEIs already known get the per-row replace.
  Status flush_devices() {
    for (std::size_t i = 0; i < devices_.size(); i += kChunkRows) {
      const std::size_t n = std::min(kChunkRows, devices_.size() - i);
      Params p;
      for (std::size_t j = i; j < i + n; ++j) {
        const DeviceRecord& d = devices_[j];
        p.text(d.imei)
            .text(to_string(d.enc_profile))
            .bytes(d.enc_public_key)
            .text(to_string(d.sig_alg))
            .bytes(d.sig_public_key)
            .integer(now_)
            .integer(now_);
      }
      auto r = insert_rows(
          "devices (imei, enc_profile, enc_public_key, sig_alg, sig_public_key, "
          "created_at, updated_at)",
          n, 7, "ON CONFLICT (imei) DO NOTHING RETURNING imei", p);
      if (!r) return poison(r.error());
      std::unordered_set<std::string> added;
      for (int row = 0; row < r->count(); ++row) added.insert(r->text(row, 0));
      devices_added_in_batch_ += added.size();
      stats_.devices += added.size();
      for (std::size_t j = i; j < i + n; ++j) {
        const DeviceRecord& d = devices_[j];
        if (added.contains(d.imei)) continue;
        auto change = upsert_device(*lease_, d, now_);
        if (!change) return poison(change.error());
        if (*change == DeviceChange::kUnchanged) continue;
        if (*change == DeviceChange::kReplaced) ++stats_.devices;
        audits_.push_back({"device-put", "", d.imei, device_put_detail(*change, d)});
      }
    }
    devices_.clear();
    pending_imeis_.clear();
    return {};
  }

  Status commit_batch() {
    if (!in_txn_) return {};
    Status flushed = flush();
    if (!flushed && flushed.error().code() != Code::kAlreadyExists) return flushed;
    if (devices_added_in_batch_ > 0) {
      const std::string detail = std::to_string(devices_added_in_batch_) + " devices added";
      if (auto st = insert_audit(
              *lease_, now_, {options_.actor, "device-import", "", "", detail, options_.source});
          !st) {
        return poison(st.error());
      }
      devices_added_in_batch_ = 0;
    }
    in_txn_ = false;
    if (auto st = lease_->exec("COMMIT"); !st) {
      failed_ = true;
      if (!lease_->broken() && !lease_->idle()) (void)lease_->exec("ROLLBACK");
      return std::unexpected(st.error().with_context(
          lease_->broken() ? "bulk import commit (outcome unknown)" : "bulk import commit"));
    }
    ++stats_.transactions;
    return flushed;
  }

  // Rolls back the open batch and refuses further rows.
  std::unexpected<Error> poison(const Error& err) {
    failed_ = true;
    abandon();
    return std::unexpected(err.with_context("bulk import batch rolled back"));
  }

  void abandon() {
    devices_added_in_batch_ = 0;
    subscribers_.clear();
    bindings_.clear();
    devices_.clear();
    pending_imeis_.clear();
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
  bool loaded_ = false;
  std::vector<std::uint64_t> existing_;      // sorted imsi_key of the store's IMSIs at start
  std::unordered_set<std::uint64_t> added_;  // imsi_key of the IMSIs this import queued
  std::vector<PendingSubscriber> subscribers_;
  std::vector<std::pair<std::string, std::string>> bindings_;
  std::vector<DeviceRecord> devices_;
  std::unordered_set<std::string> pending_imeis_;
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
                           "ORDER BY s.imsi LIMIT " +
                           std::to_string(kPage),
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
      auto r =
          c.query("SELECT " + std::string(kDeviceColumns) +
                      " FROM devices WHERE imei > $1 ORDER BY imei LIMIT " + std::to_string(kPage),
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
