// The world of the hss_core_fuzz harness (docs/fuzzing.md), built once per process: a real SQLite
// SubscriberStore in a temporary directory (tmpfs when /dev/shm exists, so that the synced
// commits of store_kme cost no disk flush), subscribers of every binding mode, devices of both
// ECIES profiles and both signature algorithms (their private keys are the harness's "genuine
// devices"), a Cookie key ring, and a second, raw SQLite connection of the harness's own with
// which it
//  - takes a snapshot of every table (StoreSnapshot) to tell what a request changed, and
//  - puts the store back into the state the fixture left it in before each input (a copy of
//    every table in an attached in-memory database, restored in one transaction), so that each
//    input starts from the same store and a crash input reproduces alone.
// Nothing here is a production key. Not thread-safe (libFuzzer runs one input at a time).
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/cookie.h"
#include "crypto/ecies.h"
#include "crypto/signature.h"
#include "fuzz_fixture.h"
#include "scratch_dirs.h"
#include "store/subscriber_store.h"

namespace kmebind::fuzz::hss_core {

inline constexpr std::int64_t kStartUnixS = kNowUnixS;
inline const Bytes kPlmn{0x00, 0xf1, 0x10};  // MCC 001, MNC 01 (TS 24.008 §10.5.1.3)
inline constexpr std::uint64_t kSqnMax = store::kSqnMax;

// A device as the harness holds it: its 14-digit IMEI and its private keys (TR 33.868
// §5.4.4.2.3.3 step 0: the HSS is provisioned with the public halves). `registered` false: the
// IMEI is on a binding list but the HSS has no keys for it.
struct Device {
  std::string imei14;
  crypto::EciesProfile enc_profile = crypto::EciesProfile::kA;
  SecretBytes enc_private;
  crypto::SignatureAlgorithm sig_alg = crypto::SignatureAlgorithm::kEd25519;
  SecretBytes sig_private;
  bool registered = true;

  std::uint8_t sig_code() const {  // KME-Confirm's Signature-Algorithm (docs/protocol.md)
    return sig_alg == crypto::SignatureAlgorithm::kEd25519 ? 1 : 2;
  }
};

// A subscription with the USIM keys the harness checks AUTN with and computes AUTS from.
struct Subscriber {
  std::string imsi;
  SecretBytes k;
  SecretBytes opc;
  store::BindingMode mode = store::BindingMode::kNone;
  bool procedure1 = true;
  bool procedure2 = true;
};

inline Subscriber make_subscriber(std::string_view imsi, std::uint8_t seed, store::BindingMode mode,
                                  bool procedure1, bool procedure2) {
  return Subscriber{std::string(imsi),
                    fixed_key(16, seed),
                    fixed_key(16, static_cast<std::uint8_t>(seed + 0x40)),
                    mode,
                    procedure1,
                    procedure2};
}

inline Device make_device(std::string_view imei14, crypto::EciesProfile profile,
                          crypto::SignatureAlgorithm alg, std::uint8_t seed,
                          bool registered = true) {
  Device d;
  d.imei14 = std::string(imei14);
  d.enc_profile = profile;
  // P-256 scalars: a first octet well below the group order's 0xff… keeps them in [1, n-1].
  d.enc_private = fixed_key(32, seed);
  d.sig_alg = alg;
  d.sig_private = fixed_key(32, static_cast<std::uint8_t>(seed + 1));
  d.registered = registered;
  return d;
}

// Every table of the store as rows of text, by part: equal snapshots mean an equal store. The
// subscribers table is split so that a check can say which of its columns may move: SQN and
// updated_at (an AIR, even a refused one: hss.h "an AIR's SQN reservation stands once made"). The
// renewal state is per pair, in kme_records (store/schema.cpp version 4).
struct StoreSnapshot {
  std::map<std::string, std::string> parts;  // part name → its rows
  std::map<std::string, std::uint64_t> sqn;  // imsi → SQN_HE
  friend bool operator==(const StoreSnapshot& a, const StoreSnapshot& b) {
    return a.parts == b.parts;
  }
};

class World {
 public:
  // The fixture; aborts (a broken harness, not a finding) when it cannot be built.
  static World& get() {
    static World* world = new World();  // never destroyed: the store outlives every input
    return *world;
  }

  store::SubscriberStore& store() { return *store_; }
  const crypto::CookieKeyRing& cookie_keys() const { return ring_; }
  const std::vector<Subscriber>& subscribers() const { return subscribers_; }
  const std::vector<Device>& devices() const { return devices_; }
  const Subscriber* subscriber(std::string_view imsi) const {
    for (const auto& s : subscribers_) {
      if (s.imsi == imsi) return &s;
    }
    return nullptr;
  }
  const Device* device(std::string_view imei14) const {
    for (const auto& d : devices_) {
      if (d.imei14 == imei14 && d.registered) return &d;
    }
    return nullptr;
  }

  // Puts every table back as the fixture left it, when the last input (finished()) changed it.
  void reset() {
    if (!dirty_) return;
    exec(restore_sql_);
    KMEBIND_FUZZ_CHECK(snapshot() == initial_);
    dirty_ = false;
  }
  // The store as an input found it (after reset()).
  const StoreSnapshot& initial() const { return initial_; }
  // How the input left the store: the harness's last snapshot of it.
  void finished(const StoreSnapshot& state) { dirty_ = !(state == initial_); }

  StoreSnapshot snapshot() {
    StoreSnapshot s;
    for (const char* table : {"meta", "bindings", "devices"}) {
      s.parts[table] = rows(std::string("SELECT * FROM ") + table + " ORDER BY rowid");
    }
    s.parts["kme_records"] = rows("SELECT * FROM kme_records ORDER BY imsi, imei");
    s.parts["audit"] = rows("SELECT * FROM audit ORDER BY id");
    s.parts["subscribers"] = rows(
        "SELECT imsi, k_sealed, opc_sealed, amf, binding_mode, procedure1_allowed, "
        "procedure2_allowed, created_at FROM subscribers ORDER BY imsi");
    s.parts["subscribers.sqn"] = rows("SELECT imsi, sqn FROM subscribers ORDER BY imsi");
    s.parts["subscribers.updated_at"] =
        rows("SELECT imsi, updated_at FROM subscribers ORDER BY imsi");
    sqlite3_stmt* st = statement("SELECT imsi, sqn FROM subscribers ORDER BY imsi");
    while (sqlite3_step(st) == SQLITE_ROW) {
      const auto* imsi = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      s.sqn[imsi == nullptr ? "" : imsi] = static_cast<std::uint64_t>(sqlite3_column_int64(st, 1));
    }
    sqlite3_reset(st);
    return s;
  }

 private:
  World() {
    const char* shm = "/dev/shm";
    const std::filesystem::path base = std::filesystem::is_directory(shm)
                                           ? std::filesystem::path(shm)
                                           : std::filesystem::temp_directory_path();
    remove_stale_scratch_dirs(base, kDirPrefix);
    dir_ = base / (std::string(kDirPrefix) + std::to_string(::getpid()));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    std::filesystem::create_directories(dir_);
    static const std::string dir_text = dir_.string();
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(dir_text, ignored);
    });
    const std::string path = (dir_ / "hss.db").string();
    auto opened = store::open_store(path, fixed_key(32, 0x71));
    must(opened.has_value(), "open_store");
    store_ = std::move(*opened);
    must(ring_.add_key(kCookieKeyId, cookie_key()).has_value(), "Cookie key ring");
    populate();
    must(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK,
         "harness connection");
    sqlite3_busy_timeout(db_, 5000);
    exec("ATTACH DATABASE ':memory:' AS tmpl");
    restore_sql_ = "BEGIN IMMEDIATE;";
    for (const char* table :
         {"meta", "subscribers", "bindings", "devices", "kme_records", "audit"}) {
      const std::string t(table);
      exec("CREATE TABLE tmpl." + t + " AS SELECT * FROM main." + t);
      restore_sql_ +=
          "DELETE FROM main." + t + "; INSERT INTO main." + t + " SELECT * FROM tmpl." + t + ";";
    }
    restore_sql_ += "COMMIT;";
    initial_ = snapshot();
  }

  static constexpr std::string_view kDirPrefix = "kmebind-hss-core-fuzz-";

  static void must(bool ok, const char* what) {
    if (!ok) fail(what, __FILE__, __LINE__);
  }

  // Subscribers of every binding mode and procedure policy, devices of both profiles and both
  // signature algorithms, KMEs in several states (present, renewal requested — for two pairs of
  // one subscriber, renewed independently —, counter raised with none present), a subscriber
  // whose SQN is near 2^48 - 1.
  void populate() {
    using BM = store::BindingMode;
    using P = crypto::EciesProfile;
    using A = crypto::SignatureAlgorithm;
    devices_.push_back(make_device("35693803564380", P::kA, A::kEd25519, 0x10));
    devices_.push_back(make_device("35693803564398", P::kB, A::kEcdsaP256Sha256, 0x20));
    devices_.push_back(make_device("49015420323751", P::kA, A::kEcdsaP256Sha256, 0x30));
    devices_.push_back(make_device("86012345678901", P::kB, A::kEd25519, 0x40));
    devices_.push_back(make_device("35209900176148", P::kA, A::kEd25519, 0x50, false));
    for (auto& d : devices_) {
      auto enc_public = crypto::ecies_public_from_private(d.enc_profile, d.enc_private);
      auto sig_public = crypto::signature_public_from_private(d.sig_alg, d.sig_private);
      must(enc_public.has_value() && sig_public.has_value(), "device keys");
      if (!d.registered) continue;
      must(
          store_->put_device({d.imei14, d.enc_profile, *enc_public, d.sig_alg, *sig_public}, "fuzz")
              .has_value(),
          "put_device");
    }
    subscribers_.push_back(make_subscriber("001010000000001", 0x01, BM::kKmeRequired, true, true));
    subscribers_.push_back(make_subscriber("001010000000002", 0x02, BM::kKmeRequired, false, true));
    subscribers_.push_back(make_subscriber("001010000000003", 0x03, BM::kKmeRequired, true, false));
    subscribers_.push_back(make_subscriber("001010000000004", 0x04, BM::kImeiCheck, true, true));
    subscribers_.push_back(make_subscriber("001010000000005", 0x05, BM::kNone, true, true));
    subscribers_.push_back(make_subscriber("00101000000006", 0x06, BM::kKmeRequired, false, false));
    const std::array<std::uint64_t, 6> sqns = {0, 32 * 7, 1000, 5, kSqnMax - 3 * 32 - 1, 64};
    for (std::size_t i = 0; i < subscribers_.size(); ++i) {
      const Subscriber& s = subscribers_[i];
      store::SubscriberRecord r;
      r.imsi = s.imsi;
      r.k = s.k.clone();
      r.opc = s.opc.clone();
      r.sqn = sqns[i];
      r.binding_mode = s.mode;
      r.procedure1_allowed = s.procedure1;
      r.procedure2_allowed = s.procedure2;
      must(store_->add_subscriber(r, "fuzz").has_value(), "add_subscriber");
    }
    const std::array<std::pair<int, int>, 12> allowed = {{{0, 0},
                                                          {0, 1},
                                                          {0, 4},
                                                          {1, 1},
                                                          {1, 2},
                                                          {1, 3},
                                                          {2, 0},
                                                          {2, 2},
                                                          {3, 0},
                                                          {3, 3},
                                                          {4, 0},
                                                          {5, 0}}};
    for (auto [s, d] : allowed) {
      must(store_
               ->allow_binding(subscribers_[static_cast<std::size_t>(s)].imsi,
                               devices_[static_cast<std::size_t>(d)].imei14, "fuzz")
               .has_value(),
           "allow_binding");
    }
    const auto kme_of = [&](int s, int d, std::uint8_t seed) {
      must(store_
               ->store_kme(subscribers_[static_cast<std::size_t>(s)].imsi,
                           devices_[static_cast<std::size_t>(d)].imei14, fixed_key(32, seed),
                           store::kKmeProcedure2, "fuzz", std::nullopt)
               .has_value(),
           "store_kme");
    };
    kme_of(0, 0, 0xa0);  // version 1, replaced by
    kme_of(0, 0, 0xa1);  // version 2: a device challenge for (S0, D0)
    kme_of(1, 3, 0xa2);  // (S1, D3) version 1
    kme_of(2, 2, 0xa3);  // (S2, D2) version 1 and
    kme_of(2, 0, 0xa4);  // (S2, D0) version 1, then a renewal is requested for S2: both pairs
    must(store_->request_kme_renewal(subscribers_[2].imsi, "fuzz").has_value(), "renewal");
    must(store_->raise_kme_version(subscribers_[1].imsi, devices_[1].imei14, 5, "fuzz").has_value(),
         "raise_kme_version");  // (S1, D1): counter 5, no KME: the next is version 6
  }

  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::fprintf(stderr, "hss_core_fuzz fixture SQL failed: %s\n",
                   message != nullptr ? message : "?");
      sqlite3_free(message);
      std::abort();
    }
  }

  sqlite3_stmt* statement(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    must(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK, "prepare");
    statements_.emplace(sql, st);
    return st;
  }

  // The rows of a query as text: per column its type and its octets, length-prefixed.
  std::string rows(const std::string& sql) {
    sqlite3_stmt* st = statement(sql);
    std::string out;
    int rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const int n = sqlite3_column_count(st);
      for (int i = 0; i < n; ++i) {
        const int type = sqlite3_column_type(st, i);
        const void* blob = sqlite3_column_blob(st, i);
        const int size = sqlite3_column_bytes(st, i);
        out += static_cast<char>('0' + type);
        out += std::to_string(size);
        out += ':';
        if (blob != nullptr)
          out.append(static_cast<const char*>(blob), static_cast<std::size_t>(size));
      }
      out += '\n';
    }
    must(rc == SQLITE_DONE, "snapshot query");
    sqlite3_reset(st);
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::SubscriberStore> store_;
  crypto::CookieKeyRing ring_;
  std::vector<Subscriber> subscribers_;
  std::vector<Device> devices_;
  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*> statements_;
  std::string restore_sql_;
  StoreSnapshot initial_;
  bool dirty_ = false;
};

}  // namespace kmebind::fuzz::hss_core
