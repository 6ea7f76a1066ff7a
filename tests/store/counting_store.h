// A SubscriberStore for tests that forwards every call to another store and records the calls by
// name, in order, so that a test can count the store reads and writes an operation makes (e.g.
// an AIR: tests/hss/store_reads_test.cpp). get_pair, get_sole_pair and reserve_sqn go to the
// inner store's own versions, or — PairReads::kDefault — to SubscriberStore's defaults, which are
// made of the single calls (each then recorded), so the defaults can be tested against any engine.
// Thread-safe as the inner store is; the record is kept under a mutex.
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "store/subscriber_store.h"

namespace kmebind::store::testing {

class CountingStore final : public SubscriberStore {
 public:
  enum class PairReads { kInner, kDefault };
  explicit CountingStore(SubscriberStore& inner, PairReads pair_reads = PairReads::kInner)
      : inner_(inner), pair_reads_(pair_reads) {}

  // The calls made so far, in order (get_pair, get_sole_pair and reserve_sqn included; with
  // kDefault followed by the single calls they made).
  std::vector<std::string> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  // How many of them read the store (every call but the writes: advance_sqn, set_sqn, ...).
  std::size_t reads() const {
    static const std::vector<std::string> kReads = {
        "get_subscriber", "get_pair",   "get_sole_pair", "list_subscribers",   "is_binding_allowed",
        "list_bindings",  "get_device", "get_kme",       "kme_version",        "list_kme_status",
        "list_audit",     "counts",     "get_setting",   "get_sealed_setting", "export_all"};
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(std::count_if(calls_.begin(), calls_.end(), [](const auto& c) {
      return std::find(kReads.begin(), kReads.end(), c) != kReads.end();
    }));
  }
  void clear() {
    std::lock_guard lock(mu_);
    calls_.clear();
  }

  Result<SubscriberRecord> get_subscriber(std::string_view imsi) override {
    note("get_subscriber");
    return inner_.get_subscriber(imsi);
  }
  Result<PairView> get_pair(std::string_view imsi, std::string_view imei) override {
    note("get_pair");
    if (pair_reads_ == PairReads::kDefault) return SubscriberStore::get_pair(imsi, imei);
    return inner_.get_pair(imsi, imei);
  }
  Result<SolePair> get_sole_pair(std::string_view imsi) override {
    note("get_sole_pair");
    if (pair_reads_ == PairReads::kDefault) return SubscriberStore::get_sole_pair(imsi);
    return inner_.get_sole_pair(imsi);
  }
  Result<std::vector<std::string>> list_subscribers(
      std::size_t limit, std::optional<std::string_view> after_imsi) override {
    note("list_subscribers");
    return inner_.list_subscribers(limit, after_imsi);
  }
  Result<std::uint64_t> advance_sqn(std::string_view imsi, std::uint64_t step) override {
    note("advance_sqn");
    return inner_.advance_sqn(imsi, step);
  }
  Result<SqnReservation> reserve_sqn(std::string_view imsi, std::uint64_t step,
                                     bool with_sole_pair) override {
    note("reserve_sqn");
    if (pair_reads_ == PairReads::kDefault) {
      return SubscriberStore::reserve_sqn(imsi, step, with_sole_pair);
    }
    return inner_.reserve_sqn(imsi, step, with_sole_pair);
  }
  Status set_sqn(std::string_view imsi, std::uint64_t sqn) override {
    note("set_sqn");
    return inner_.set_sqn(imsi, sqn);
  }
  Status allow_binding(std::string_view imsi, std::string_view imei,
                       std::string_view actor) override {
    note("allow_binding");
    return inner_.allow_binding(imsi, imei, actor);
  }
  Status deny_binding(std::string_view imsi, std::string_view imei,
                      std::string_view actor) override {
    note("deny_binding");
    return inner_.deny_binding(imsi, imei, actor);
  }
  Result<bool> is_binding_allowed(std::string_view imsi, std::string_view imei) override {
    note("is_binding_allowed");
    return inner_.is_binding_allowed(imsi, imei);
  }
  Result<std::vector<std::string>> list_bindings(std::string_view imsi) override {
    note("list_bindings");
    return inner_.list_bindings(imsi);
  }
  Status set_binding_mode(std::string_view imsi, BindingMode mode,
                          std::string_view actor) override {
    note("set_binding_mode");
    return inner_.set_binding_mode(imsi, mode, actor);
  }
  Status set_procedures_allowed(std::string_view imsi, bool procedure1, bool procedure2,
                                std::string_view actor) override {
    note("set_procedures_allowed");
    return inner_.set_procedures_allowed(imsi, procedure1, procedure2, actor);
  }
  Result<DeviceRecord> get_device(std::string_view imei) override {
    note("get_device");
    return inner_.get_device(imei);
  }
  Result<std::optional<KmeRecord>> get_kme(std::string_view imsi, std::string_view imei) override {
    note("get_kme");
    return inner_.get_kme(imsi, imei);
  }
  Result<std::uint32_t> store_kme(std::string_view imsi, std::string_view imei,
                                  const SecretBytes& kme, int procedure, std::string_view source,
                                  std::optional<std::uint32_t> expected_previous_version) override {
    note("store_kme");
    return inner_.store_kme(imsi, imei, kme, procedure, source, expected_previous_version);
  }
  Result<std::uint32_t> kme_version(std::string_view imsi, std::string_view imei) override {
    note("kme_version");
    return inner_.kme_version(imsi, imei);
  }
  Result<KmeCounter> raise_kme_version(std::string_view imsi, std::string_view imei,
                                       std::uint32_t version, std::string_view actor) override {
    note("raise_kme_version");
    return inner_.raise_kme_version(imsi, imei, version, actor);
  }
  Status request_kme_renewal(std::string_view imsi, std::string_view actor) override {
    note("request_kme_renewal");
    return inner_.request_kme_renewal(imsi, actor);
  }
  Result<bool> request_pair_kme_renewal(std::string_view imsi, std::string_view imei,
                                        std::uint32_t version, std::string_view actor) override {
    note("request_pair_kme_renewal");
    return inner_.request_pair_kme_renewal(imsi, imei, version, actor);
  }
  Result<std::vector<KmeStatus>> list_kme_status(std::optional<std::string_view> imsi,
                                                 std::size_t limit,
                                                 const std::optional<PairKey>& after) override {
    note("list_kme_status");
    return inner_.list_kme_status(imsi, limit, after);
  }
  Result<std::vector<AuditEntry>> list_audit(const AuditQuery& query) override {
    note("list_audit");
    return inner_.list_audit(query);
  }
  Result<StoreCounts> counts() override {
    note("counts");
    return inner_.counts();
  }
  Status put_setting(std::string_view name, ByteView value) override {
    note("put_setting");
    return inner_.put_setting(name, value);
  }
  Result<std::optional<Bytes>> get_setting(std::string_view name) override {
    note("get_setting");
    return inner_.get_setting(name);
  }
  Status put_sealed_setting(std::string_view name, const SecretBytes& value) override {
    note("put_sealed_setting");
    return inner_.put_sealed_setting(name, value);
  }
  Result<std::optional<SecretBytes>> get_sealed_setting(std::string_view name) override {
    note("get_sealed_setting");
    return inner_.get_sealed_setting(name);
  }
  Result<std::unique_ptr<BulkImport>> begin_bulk_import(const BulkImportOptions& options) override {
    note("begin_bulk_import");
    return inner_.begin_bulk_import(options);
  }
  Status export_all(const ExportSink& sink, bool with_keys) override {
    note("export_all");
    return inner_.export_all(sink, with_keys);
  }
  int schema_version() const override { return inner_.schema_version(); }

 protected:
  Status do_add_subscriber(const SubscriberRecord& record, std::string_view actor) override {
    note("add_subscriber");
    return inner_.add_subscriber(record, actor);
  }
  Status do_remove_subscriber(std::string_view imsi, std::string_view actor) override {
    note("remove_subscriber");
    return inner_.remove_subscriber(imsi, actor);
  }
  Status do_put_device(const DeviceRecord& device, std::string_view actor) override {
    note("put_device");
    return inner_.put_device(device, actor);
  }

 private:
  void note(const char* call) {
    std::lock_guard lock(mu_);
    calls_.emplace_back(call);
  }

  SubscriberStore& inner_;
  const PairReads pair_reads_;
  mutable std::mutex mu_;
  std::vector<std::string> calls_;
};

// An engine's store and SubscriberStore's defaults on it (a CountingStore with
// PairReads::kDefault, made at the first call), named, for tests that run the engine's one-call
// version of a read and the default side by side on the same database.
class EngineAndDefault {
 public:
  std::vector<std::pair<const char*, SubscriberStore*>> of(SubscriberStore& engine) {
    if (!defaults_) {
      defaults_ = std::make_unique<CountingStore>(engine, CountingStore::PairReads::kDefault);
    }
    return {{"engine", &engine}, {"default", defaults_.get()}};
  }

 private:
  std::unique_ptr<CountingStore> defaults_;
};

}  // namespace kmebind::store::testing
