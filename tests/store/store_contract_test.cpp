// The SubscriberStore contract (src/store/subscriber_store.h), run against every engine: SQLite
// (a file in a temporary directory) and PostgreSQL (a fresh database on the ctest fixture's
// server, tests/pg_fixture.cmake). Whatever an engine does inside, callers see the same results.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "store/key_wrap.h"
#include "store/pg_store.h"
#include "store/schema.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store.h"
#include "store_engines.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::sample_device;
using testing::sample_subscriber;

constexpr const char* kImsi = "001010000000001";

AuditQuery audit_of(std::optional<std::string> imsi, std::int64_t after_id = 0,
                    std::size_t limit = 1000) {
  AuditQuery q;
  q.imsi = std::move(imsi);
  q.after_id = after_id;
  q.limit = limit;
  return q;
}

BulkImportOptions batches_of(std::size_t rows, std::string source = "") {
  BulkImportOptions o;
  o.batch_rows = rows;
  o.source = std::move(source);
  return o;
}

StoreOptions without_create() {
  StoreOptions o;
  o.create_if_missing = false;
  return o;
}
constexpr const char* kImei = "35209900176148";
constexpr const char* kImei2 = "35209900176149";

template <class Engine>
class StoreContractTest : public testing::EngineStoreTest<Engine> {
 protected:
  void add(const std::string& imsi, std::uint8_t fill = 1) {
    auto st = this->store().add_subscriber(sample_subscriber(imsi, fill));
    ASSERT_TRUE(st) << st.error().what();
  }
  std::vector<std::string> actions() {
    auto audit = this->store().list_audit(audit_of(std::nullopt));
    EXPECT_TRUE(audit) << audit.error().what();
    std::vector<std::string> out;
    if (audit) {
      for (const auto& a : *audit) out.push_back(a.action);
    }
    return out;
  }
};

using testing::EngineNames;
using testing::Engines;
TYPED_TEST_SUITE(StoreContractTest, Engines, EngineNames);

TYPED_TEST(StoreContractTest, SubscriberIsAddedReadListedAndRemoved) {
  this->add(kImsi, 1);
  this->add("001010000000002", 2);
  auto got = this->store().get_subscriber(kImsi);
  ASSERT_TRUE(got) << got.error().what();
  EXPECT_EQ(got->k, key_of(1, 16));
  EXPECT_EQ(got->opc, key_of(101, 16));
  EXPECT_EQ(got->amf, (std::array<std::uint8_t, 2>{0x80, 0x00}));
  EXPECT_EQ(got->sqn, 32u);
  EXPECT_EQ(got->binding_mode, BindingMode::kKmeRequired);
  EXPECT_TRUE(got->procedure1_allowed);
  EXPECT_FALSE(got->procedure2_allowed);
  EXPECT_EQ(*this->store().list_subscribers(10, std::nullopt),
            (std::vector<std::string>{kImsi, "001010000000002"}));
  EXPECT_EQ(*this->store().list_subscribers(10, std::string_view(kImsi)),
            (std::vector<std::string>{"001010000000002"}));
  ASSERT_TRUE(this->store().remove_subscriber(kImsi));
  EXPECT_EQ(this->store().get_subscriber(kImsi).error().code(), Code::kNotFound);
  EXPECT_EQ(this->store().remove_subscriber(kImsi).error().code(), Code::kNotFound);
  EXPECT_EQ(this->actions(),
            (std::vector<std::string>{"subscriber-add", "subscriber-add", "subscriber-remove"}));
  auto audit = this->store().list_audit({});
  ASSERT_TRUE(audit) << audit.error().what();
  ASSERT_FALSE(audit->empty());
  // sample_subscriber allows procedure 1 only; "procedures 12" was the text for both.
  EXPECT_EQ(audit->front().detail, "binding kme-required, procedures 1");
}

TEST(AllowedProceduresText, NamesEachProcedureSeparatedByCommas) {
  EXPECT_EQ(allowed_procedures_text(true, true), "1,2");
  EXPECT_EQ(allowed_procedures_text(true, false), "1");
  EXPECT_EQ(allowed_procedures_text(false, true), "2");
  EXPECT_EQ(allowed_procedures_text(false, false), "none");
}

TYPED_TEST(StoreContractTest, TakenImsiAndBadFieldsAreRefusedChangingNothing) {
  this->add(kImsi, 1);
  auto again = this->store().add_subscriber(sample_subscriber(kImsi, 9));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Code::kAlreadyExists);
  EXPECT_EQ(this->store().get_subscriber(kImsi)->k, key_of(1, 16));
  auto bad = sample_subscriber("001010000000002");
  bad.k = key_of(1, 15);
  EXPECT_EQ(this->store().add_subscriber(bad).error().code(), Code::kInvalidArgument);
  bad = sample_subscriber("001010000000002");
  bad.sqn = kSqnMax + 1;
  EXPECT_EQ(this->store().add_subscriber(bad).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(this->store().get_subscriber("12ab5").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(this->store().counts()->subscribers, 1u);
  EXPECT_EQ(this->store().counts()->audit_rows, 1u);
}

// TS 33.102 Annex C.1.1.2: every vector gets a fresh SQN, whatever the concurrency.
TYPED_TEST(StoreContractTest, AdvanceSqnGivesEveryConcurrentCallerItsOwnValue) {
  this->add(kImsi);
  SubscriberStore& s = this->store();
  constexpr int kThreads = 6;
  constexpr int kEach = 60;
  std::vector<std::vector<std::uint64_t>> got(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto v = s.advance_sqn(kImsi, 32);
        if (v) {
          got[static_cast<std::size_t>(t)].push_back(*v);
        } else {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<std::uint64_t> all;
  for (const auto& g : got) all.insert(g.begin(), g.end());
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(*all.begin(), 64u);
  EXPECT_EQ(*all.rbegin(), 32u + 32u * kThreads * kEach);
  EXPECT_EQ(s.get_subscriber(kImsi)->sqn, *all.rbegin());
}

TYPED_TEST(StoreContractTest, TwoHandlesOnOneStoreNeverHandOutTheSameSqn) {
  this->add(kImsi);
  auto other = this->try_open();
  ASSERT_TRUE(other) << other.error().what();
  std::vector<std::uint64_t> a, b;
  std::thread ta([&] {
    for (int i = 0; i < 80; ++i) {
      if (auto v = this->store().advance_sqn(kImsi, 1)) a.push_back(*v);
    }
  });
  std::thread tb([&] {
    for (int i = 0; i < 80; ++i) {
      if (auto v = (*other)->advance_sqn(kImsi, 1)) b.push_back(*v);
    }
  });
  ta.join();
  tb.join();
  std::set<std::uint64_t> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  EXPECT_EQ(a.size() + b.size(), 160u);
  EXPECT_EQ(all.size(), 160u);
  EXPECT_EQ(*all.rbegin(), 32u + 160u);
}

TYPED_TEST(StoreContractTest, SqnStaysWithinFortyEightBits) {
  this->add(kImsi);
  SubscriberStore& s = this->store();
  ASSERT_TRUE(s.set_sqn(kImsi, kSqnMax - 10));
  EXPECT_EQ(*s.advance_sqn(kImsi, 10), kSqnMax);
  auto over = s.advance_sqn(kImsi, 1);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code(), Code::kNotAllowed);
  EXPECT_EQ(s.get_subscriber(kImsi)->sqn, kSqnMax);
  EXPECT_EQ(s.advance_sqn(kImsi, 0).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.advance_sqn("001010000000009", 1).error().code(), Code::kNotFound);
  EXPECT_EQ(s.set_sqn(kImsi, kSqnMax + 1).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.set_sqn("001010000000009", 1).error().code(), Code::kNotFound);
}

TYPED_TEST(StoreContractTest, BindingsAreAllowedListedAndDeniedRevokingTheKme) {
  this->add(kImsi);
  SubscriberStore& s = this->store();
  ASSERT_TRUE(s.allow_binding(kImsi, kImei2, "admin"));
  ASSERT_TRUE(s.allow_binding(kImsi, "352099001761481", "admin"));  // 15 digits, check digit 1
  ASSERT_TRUE(s.allow_binding(kImsi, kImei, "admin"));              // idempotent, not audited
  EXPECT_EQ(*s.list_bindings(kImsi), (std::vector<std::string>{kImei, kImei2}));
  EXPECT_TRUE(*s.is_binding_allowed(kImsi, kImei));
  EXPECT_FALSE(*s.is_binding_allowed(kImsi, "35209900176150"));
  EXPECT_EQ(s.allow_binding("001010000000009", kImei, "admin").error().code(), Code::kNotFound);
  EXPECT_EQ(s.list_bindings("001010000000009").error().code(), Code::kNotFound);
  EXPECT_EQ(s.allow_binding(kImsi, "352099001761482", "admin").error().code(),
            Code::kInvalidArgument);
  ASSERT_EQ(*s.store_kme(kImsi, kImei, key_of(3), kKmeProcedure2, "hss", 0u), 1u);
  ASSERT_TRUE(s.deny_binding(kImsi, kImei, "admin"));
  EXPECT_FALSE(*s.is_binding_allowed(kImsi, kImei));
  EXPECT_FALSE(s.get_kme(kImsi, kImei)->has_value());
  EXPECT_EQ(*s.kme_version(kImsi, kImei), 1u);  // the counter survives revocation
  EXPECT_EQ(s.deny_binding(kImsi, kImei, "admin").error().code(), Code::kNotFound);
  auto audit = s.list_audit(audit_of(kImsi));
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->back().action, "binding-deny");
  EXPECT_EQ(audit->back().detail, "pair removed, its KME revoked");
  ASSERT_TRUE(s.set_binding_mode(kImsi, BindingMode::kImeiCheck, "admin"));
  ASSERT_TRUE(s.set_binding_mode(kImsi, BindingMode::kImeiCheck, "admin"));  // no change
  ASSERT_TRUE(s.set_procedures_allowed(kImsi, false, true, "admin"));
  auto sub = s.get_subscriber(kImsi);
  EXPECT_EQ(sub->binding_mode, BindingMode::kImeiCheck);
  EXPECT_FALSE(sub->procedure1_allowed);
  EXPECT_TRUE(sub->procedure2_allowed);
  EXPECT_EQ(this->actions(), (std::vector<std::string>{"subscriber-add", "binding-allow",
                                                       "binding-allow", "kme-store", "binding-deny",
                                                       "binding-mode", "kme-procedures"}));
}

TYPED_TEST(StoreContractTest, DevicesAreStoredAndTheirKeysReplaced) {
  SubscriberStore& s = this->store();
  ASSERT_TRUE(s.put_device(sample_device("352099001761481")));
  auto d = s.get_device(kImei);
  ASSERT_TRUE(d) << d.error().what();
  EXPECT_EQ(d->imei, kImei);
  EXPECT_EQ(d->enc_public_key, Bytes(32, 0x11));
  EXPECT_EQ(d->sig_alg, SigAlgorithm::kEcdsaP256Sha256);
  ASSERT_TRUE(s.put_device(sample_device(kImei)));  // same keys: no audit row
  auto changed = sample_device(kImei);
  changed.enc_public_key = Bytes(32, 0x33);
  ASSERT_TRUE(s.put_device(changed));
  EXPECT_EQ(s.get_device(kImei)->enc_public_key, Bytes(32, 0x33));
  EXPECT_EQ(s.get_device(kImei2).error().code(), Code::kNotFound);
  auto bad = sample_device(kImei2);
  bad.sig_public_key = Bytes(32, 0x22);  // P-256 needs 65 or 33 octets
  EXPECT_EQ(s.put_device(bad).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(this->actions(), (std::vector<std::string>{"device-put", "device-put"}));
  EXPECT_EQ(s.counts()->devices, 1u);
}

// A P-256 key is kept in the encoding it was given (65 octets uncompressed, what kmebind writes;
// 33 compressed in stores from before). The same point put again is the same key, never "keys
// replaced": given uncompressed for a key stored compressed, the stored key is re-encoded (the
// form the HSS loads faster; its own audit detail); given compressed for a key stored
// uncompressed, nothing is written.
TYPED_TEST(StoreContractTest, TheSameP256KeyInTheOtherEncodingIsReencodedNeverReplaced) {
  SubscriberStore& s = this->store();
  auto compressed = sample_device(kImei);  // sig key 02 ‖ X (X = 0x22…)
  ASSERT_TRUE(s.put_device(compressed));
  auto uncompressed = compressed;
  uncompressed.sig_public_key = Bytes(65, 0x22);
  uncompressed.sig_public_key[0] = 0x04;
  uncompressed.sig_public_key[64] = 0x40;  // Y even: the point 02 ‖ X names
  ASSERT_TRUE(s.put_device(uncompressed));
  EXPECT_EQ(s.get_device(kImei)->sig_public_key, uncompressed.sig_public_key);  // re-encoded
  EXPECT_EQ(this->actions(), (std::vector<std::string>{"device-put", "device-put"}));
  auto audit = s.list_audit(audit_of(std::nullopt));
  ASSERT_TRUE(audit);
  ASSERT_FALSE(audit->empty());
  bool reencoded = false;
  for (const auto& row : *audit) {
    EXPECT_EQ(row.detail.find("keys replaced"), std::string::npos) << row.detail;
    reencoded = reencoded || row.detail.starts_with("same keys, P-256 re-encoded uncompressed");
  }
  EXPECT_TRUE(reencoded);
  ASSERT_TRUE(s.put_device(compressed));    // the same point compressed: nothing written
  ASSERT_TRUE(s.put_device(uncompressed));  // the same 65 octets: nothing written
  EXPECT_EQ(s.get_device(kImei)->sig_public_key.size(), 65u);
  EXPECT_EQ(this->actions(), (std::vector<std::string>{"device-put", "device-put"}));

  auto other_point = uncompressed;
  other_point.sig_public_key[64] = 0x41;  // Y odd: 03 ‖ X, another point
  ASSERT_TRUE(s.put_device(other_point));
  EXPECT_EQ(s.get_device(kImei)->sig_public_key, other_point.sig_public_key);
  EXPECT_EQ(this->actions(), (std::vector<std::string>{"device-put", "device-put", "device-put"}));
}

// get_pair gives, in one call, what the five single reads give (K and OPc left out).
TYPED_TEST(StoreContractTest, PairIsReadAsTheSingleReadsGiveIt) {
  this->add(kImsi, 4);
  SubscriberStore& s = this->store();
  ASSERT_TRUE(s.set_binding_mode(kImsi, BindingMode::kKmeRequired, "admin"));
  ASSERT_TRUE(s.allow_binding(kImsi, kImei, "admin"));
  ASSERT_TRUE(s.put_device(sample_device(kImei)));

  auto fresh = s.get_pair(kImsi, "352099001761481");  // 15 digits: normalised
  ASSERT_TRUE(fresh) << fresh.error().what();
  EXPECT_EQ(fresh->subscriber.imsi, kImsi);
  EXPECT_EQ(fresh->subscriber.binding_mode, BindingMode::kKmeRequired);
  EXPECT_TRUE(fresh->subscriber.k.empty());
  EXPECT_TRUE(fresh->subscriber.opc.empty());
  EXPECT_TRUE(fresh->binding_allowed);
  ASSERT_TRUE(fresh->device.has_value());
  EXPECT_EQ(fresh->device->imei, kImei);
  EXPECT_EQ(fresh->device->enc_public_key, s.get_device(kImei)->enc_public_key);
  EXPECT_FALSE(fresh->kme.has_value());
  EXPECT_EQ(fresh->kme_version, 0u);

  ASSERT_EQ(*s.store_kme(kImsi, kImei, key_of(5), kKmeProcedure2, "hss", 0u), 1u);
  auto stored = s.get_pair(kImsi, kImei);
  ASSERT_TRUE(stored && stored->kme.has_value());
  EXPECT_EQ(stored->kme->kme, key_of(5));
  EXPECT_EQ(stored->kme->version, 1u);
  EXPECT_EQ(stored->kme->procedure, kKmeProcedure2);
  EXPECT_EQ(stored->kme_version, 1u);

  ASSERT_TRUE(s.deny_binding(kImsi, kImei, "admin"));
  auto revoked = s.get_pair(kImsi, kImei);
  ASSERT_TRUE(revoked);
  EXPECT_FALSE(revoked->binding_allowed);
  EXPECT_FALSE(revoked->kme.has_value());
  EXPECT_EQ(revoked->kme_version, 1u);  // the counter survives revocation

  auto unknown_device = s.get_pair(kImsi, kImei2);
  ASSERT_TRUE(unknown_device);
  EXPECT_FALSE(unknown_device->binding_allowed);
  EXPECT_FALSE(unknown_device->device.has_value());
  EXPECT_EQ(s.get_pair("001010000000009", kImei).error().code(), Code::kNotFound);
  EXPECT_EQ(s.get_pair(kImsi, "352099001761482").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.get_pair("0010", kImei).error().code(), Code::kInvalidArgument);
}

TYPED_TEST(StoreContractTest, KmeVersionsIncreaseAndStaleOrDisallowedStoresAreRefused) {
  this->add(kImsi);
  SubscriberStore& s = this->store();
  ASSERT_TRUE(s.allow_binding(kImsi, kImei, "admin"));
  auto refused = s.store_kme(kImsi, kImei2, key_of(1), kKmeProcedure1, "hss", std::nullopt);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), Code::kNotAllowed);  // pair not allowed
  EXPECT_EQ(s.store_kme("001010000000009", kImei, key_of(1), kKmeProcedure1, "hss", std::nullopt)
                .error()
                .code(),
            Code::kNotFound);
  EXPECT_EQ(
      s.store_kme(kImsi, kImei, key_of(1, 31), kKmeProcedure1, "hss", std::nullopt).error().code(),
      Code::kInvalidArgument);
  EXPECT_EQ(*s.kme_version(kImsi, kImei), 0u);
  ASSERT_EQ(*s.store_kme(kImsi, kImei, key_of(1), kKmeProcedure1, "hss", 0u), 1u);
  // A stale provisioning (expected 0, store has 1) is refused and changes nothing.
  auto stale = s.store_kme(kImsi, kImei, key_of(9), kKmeProcedure1, "hss", 0u);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), Code::kNotAllowed);
  ASSERT_EQ(*s.store_kme(kImsi, kImei, key_of(2), kKmeImported, "maker-a", std::nullopt), 2u);
  auto kme = s.get_kme(kImsi, kImei);
  ASSERT_TRUE(kme && kme->has_value());
  EXPECT_EQ((*kme)->kme, key_of(2));
  EXPECT_EQ((*kme)->version, 2u);
  EXPECT_EQ((*kme)->procedure, kKmeImported);
  EXPECT_EQ((*kme)->source, "maker-a");
  auto status = s.list_kme_status(std::nullopt, 10, std::nullopt);
  ASSERT_TRUE(status);
  ASSERT_EQ(status->size(), 1u);
  EXPECT_EQ((*status)[0].version, 2u);
  EXPECT_TRUE((*status)[0].present);
  EXPECT_EQ(s.list_kme_status(std::string_view(kImsi), 10, std::nullopt)->size(), 1u);
  EXPECT_EQ(s.list_kme_status(std::string_view("001010000000009"), 10, std::nullopt)->size(), 0u);
  EXPECT_EQ(s.counts()->kmes, 1u);
  auto audit = s.list_audit(audit_of(kImsi));
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->back().action, "kme-store");
  EXPECT_EQ(audit->back().actor, "maker-a");
  EXPECT_EQ(audit->back().detail, "version 2, procedure import");
}

// Provisionings racing with the same expected version: exactly one of each round wins, and no
// version is lost or handed out twice.
TYPED_TEST(StoreContractTest, RacingStoreKmeWithTheSameExpectedVersionStoresOnce) {
  this->add(kImsi);
  SubscriberStore& s = this->store();
  ASSERT_TRUE(s.allow_binding(kImsi, kImei, "admin"));
  constexpr int kRounds = 15;
  constexpr int kThreads = 4;
  for (int round = 0; round < kRounds; ++round) {
    const auto expected = static_cast<std::uint32_t>(round);
    std::atomic<int> won{0};
    std::atomic<int> other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto v = s.store_kme(kImsi, kImei, key_of(static_cast<std::uint8_t>(t)), kKmeProcedure2,
                             "hss", expected);
        if (v && *v == expected + 1) {
          ++won;
        } else if (v || v.error().code() != Code::kNotAllowed) {
          ++other;
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_EQ(won.load(), 1) << "round " << round;
    ASSERT_EQ(other.load(), 0) << "round " << round;
  }
  EXPECT_EQ(*s.kme_version(kImsi, kImei), static_cast<std::uint32_t>(kRounds));
}

TYPED_TEST(StoreContractTest, AuditTrailIsReadByImsiAndAfterAnId) {
  this->add(kImsi);
  this->add("001010000000002");
  SubscriberStore& s = this->store();
  ASSERT_TRUE(s.allow_binding(kImsi, kImei, "ops"));
  ASSERT_TRUE(s.put_device(sample_device(kImei)));
  auto all = s.list_audit({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 4u);
  for (std::size_t i = 1; i < all->size(); ++i) EXPECT_GT((*all)[i].id, (*all)[i - 1].id);
  EXPECT_EQ((*all)[2].actor, "ops");
  EXPECT_EQ((*all)[2].imei, kImei);
  EXPECT_EQ((*all)[3].imsi, "");
  auto mine = s.list_audit(audit_of(kImsi));
  ASSERT_EQ(mine->size(), 2u);
  auto after = s.list_audit(audit_of(std::nullopt, (*all)[1].id, 1));
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].id, (*all)[2].id);
  EXPECT_EQ(s.list_audit(audit_of("x")).error().code(), Code::kInvalidArgument);
}

TYPED_TEST(StoreContractTest, SettingsArePlainOrSealedAndReservedNamesRefused) {
  SubscriberStore& s = this->store();
  EXPECT_FALSE(s.get_setting("hss.note")->has_value());
  ASSERT_TRUE(s.put_setting("hss.note", Bytes{1, 2, 3}));
  ASSERT_TRUE(s.put_setting("hss.note", Bytes{4}));
  EXPECT_EQ(**s.get_setting("hss.note"), (Bytes{4}));
  ASSERT_TRUE(s.put_setting("hss.empty", Bytes{}));
  EXPECT_EQ(**s.get_setting("hss.empty"), Bytes{});
  ASSERT_TRUE(s.put_sealed_setting("import.key", key_of(5)));
  EXPECT_EQ(**s.get_sealed_setting("import.key"), key_of(5));
  EXPECT_FALSE(s.get_sealed_setting("import.other")->has_value());
  EXPECT_EQ(s.put_setting("kmebind.key_check", Bytes{1}).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.put_setting("schema_version", Bytes{1}).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.get_setting("sealed.import.key").error().code(), Code::kInvalidArgument);
  // Settings survive a reopen with the same key.
  this->store_.reset();
  EXPECT_EQ(**this->store().get_sealed_setting("import.key"), key_of(5));
}

// An import meets devices already stored: the same keys compressed change nothing, the same keys
// uncompressed re-encode a compressed key (one audit row, not counted as a device written), and
// other keys replace them (counted and audited), in both engines' batched paths.
TYPED_TEST(StoreContractTest, BulkImportReencodesTheSameKeysAndCountsOnlyReplacements) {
  SubscriberStore& s = this->store();
  ASSERT_TRUE(s.put_device(sample_device(kImei)));  // sig key 02 ‖ X
  ASSERT_TRUE(s.put_device(sample_device(kImei2)));
  auto bulk = s.begin_bulk_import(batches_of(10, "devices.csv"));
  ASSERT_TRUE(bulk) << bulk.error().what();
  auto same_uncompressed = sample_device(kImei);
  same_uncompressed.sig_public_key = Bytes(65, 0x22);
  same_uncompressed.sig_public_key[0] = 0x04;
  same_uncompressed.sig_public_key[64] = 0x40;  // Y even: the point of 02 ‖ X
  ASSERT_TRUE((*bulk)->put_device(same_uncompressed));
  auto other = sample_device(kImei2);
  other.enc_public_key = Bytes(32, 0x44);
  ASSERT_TRUE((*bulk)->put_device(other));
  auto stats = (*bulk)->finish();
  ASSERT_TRUE(stats) << stats.error().what();
  EXPECT_EQ(stats->devices, 1u);  // the replacement only
  EXPECT_EQ(s.get_device(kImei)->sig_public_key, same_uncompressed.sig_public_key);
  EXPECT_EQ(s.get_device(kImei2)->enc_public_key, Bytes(32, 0x44));
  auto audit = s.list_audit(audit_of(std::nullopt));
  ASSERT_TRUE(audit);
  std::vector<std::string> details;
  for (const auto& row : *audit) {
    if (row.source == "devices.csv") details.push_back(row.detail.substr(0, row.detail.find(':')));
  }
  std::sort(details.begin(), details.end());
  EXPECT_EQ(details, (std::vector<std::string>{"keys replaced",
                                               "same keys, P-256 re-encoded uncompressed"}));
}

TYPED_TEST(StoreContractTest, BulkImportWritesBatchesAndRefusesATakenImsiForThatRowOnly) {
  this->add("001010000000005");
  SubscriberStore& s = this->store();
  auto bulk = s.begin_bulk_import(batches_of(7, "file.csv"));
  ASSERT_TRUE(bulk) << bulk.error().what();
  constexpr int kRows = 40;
  int refused = 0;
  for (int i = 0; i < kRows; ++i) {
    char imsi[16];
    std::snprintf(imsi, sizeof imsi, "0010100000000%02d", i);
    const std::vector<std::string> imeis = {kImei, "3520990017" + std::to_string(6000 + i)};
    auto st = (*bulk)->add_subscriber(sample_subscriber(imsi, static_cast<std::uint8_t>(i)), imeis);
    if (!st) {
      EXPECT_EQ(st.error().code(), Code::kAlreadyExists) << st.error().what();
      ++refused;
    }
    if (i % 10 == 0) {
      ASSERT_TRUE((*bulk)->put_device(sample_device("3520990017" + std::to_string(6000 + i))));
    }
  }
  auto v = (*bulk)->store_kme("001010000000003", kImei, key_of(4), kKmeImported);
  ASSERT_TRUE(v) << v.error().what();
  EXPECT_EQ(*v, 1u);
  EXPECT_EQ((*bulk)->store_kme("001010000000003", kImei2, key_of(4), kKmeImported).error().code(),
            Code::kNotAllowed);
  auto stats = (*bulk)->finish();
  ASSERT_TRUE(stats) << stats.error().what();
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(stats->subscribers, static_cast<std::uint64_t>(kRows - 1));
  EXPECT_EQ(stats->bindings, static_cast<std::uint64_t>(2 * (kRows - 1)));
  EXPECT_EQ(stats->devices, 4u);
  EXPECT_EQ(stats->kmes, 1u);
  EXPECT_GE(stats->transactions, 6u);
  auto n = s.counts();
  EXPECT_EQ(n->subscribers, static_cast<std::uint64_t>(kRows));
  EXPECT_EQ(n->bindings, static_cast<std::uint64_t>(2 * (kRows - 1)));
  EXPECT_EQ(s.get_subscriber("001010000000005")->k, key_of(1, 16));  // the existing one kept
  EXPECT_EQ(s.get_subscriber("001010000000039")->k, key_of(39, 16));
  EXPECT_EQ(*s.list_bindings("001010000000039"),
            (std::vector<std::string>{"35209900176039", kImei}));
  auto audit = s.list_audit(audit_of("001010000000007"));
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "subscriber-import");
  EXPECT_EQ((*audit)[0].source, "file.csv");
  EXPECT_EQ((*audit)[0].detail, "binding kme-required, imeis 35209900176148 35209900176007");
  // The finished importer refuses more rows; an abandoned one rolls back its open batch.
  EXPECT_FALSE((*bulk)->put_device(sample_device(kImei2)));
  {
    auto abandoned = s.begin_bulk_import(batches_of(100));
    ASSERT_TRUE(abandoned);
    ASSERT_TRUE((*abandoned)->add_subscriber(sample_subscriber("001010000000077"), {}));
  }
  EXPECT_EQ(s.get_subscriber("001010000000077").error().code(), Code::kNotFound);
}

TYPED_TEST(StoreContractTest, ExportGivesASortedSnapshotWithBindingsAndOptionalKeys) {
  this->add("001010000000003", 3);
  this->add("001010000000001", 1);
  this->add("001010000000002", 2);
  SubscriberStore& s = this->store();
  ASSERT_TRUE(s.allow_binding("001010000000002", kImei2, "admin"));
  ASSERT_TRUE(s.allow_binding("001010000000002", kImei, "admin"));
  ASSERT_TRUE(s.put_device(sample_device(kImei2)));
  ASSERT_TRUE(s.put_device(sample_device(kImei)));
  for (bool with_keys : {false, true}) {
    std::vector<std::string> imsis, devices;
    std::vector<std::vector<std::string>> imeis;
    std::vector<bool> keyed;
    auto st = s.export_all(
        {[&](const SubscriberRecord& r, std::span<const std::string> i) -> Status {
           imsis.push_back(r.imsi);
           imeis.emplace_back(i.begin(), i.end());
           keyed.push_back(r.k.size() == 16 &&
                           r.k == key_of(static_cast<std::uint8_t>(r.imsi.back() - '0'), 16));
           return {};
         },
         [&](const DeviceRecord& d) -> Status {
           devices.push_back(d.imei);
           return {};
         }},
        with_keys);
    ASSERT_TRUE(st) << st.error().what();
    EXPECT_EQ(imsis,
              (std::vector<std::string>{"001010000000001", "001010000000002", "001010000000003"}));
    EXPECT_EQ(imeis[0], std::vector<std::string>{});
    EXPECT_EQ(imeis[1], (std::vector<std::string>{kImei, kImei2}));
    EXPECT_EQ(keyed, std::vector<bool>(3, with_keys));
    EXPECT_EQ(devices, (std::vector<std::string>{kImei, kImei2}));
  }
  // The sink's error stops the export and is returned.
  int seen = 0;
  auto stopped =
      s.export_all({[&](const SubscriberRecord&, std::span<const std::string>) -> Status {
                      ++seen;
                      return fail(Code::kIo, "disk full");
                    },
                    nullptr},
                   false);
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code(), Code::kIo);
  EXPECT_EQ(seen, 1);
}

TYPED_TEST(StoreContractTest, WrongMasterKeyIsRefusedAtOpen) {
  this->add(kImsi);
  auto wrong = this->try_open(9);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code(), Code::kCorruption);
  EXPECT_NE(wrong.error().message().find("master key does not match this store"), std::string::npos)
      << wrong.error().message();
  auto right = this->try_open(7);
  ASSERT_TRUE(right) << right.error().what();
  EXPECT_EQ((*right)->get_subscriber(kImsi)->k, key_of(1, 16));
}

TYPED_TEST(StoreContractTest, OpeningWithoutCreateRefusesALocationWithoutAStore) {
  auto s = this->try_open(7, without_create());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kNotFound) << s.error().what();
  this->add(kImsi);
  auto again = this->try_open(7, without_create());
  ASSERT_TRUE(again) << again.error().what();
}

// A version-1 store (as an old kmebind left it) is upgraded in place keeping its data.
TYPED_TEST(StoreContractTest, VersionOneStoreIsUpgradedInPlaceKeepingItsData) {
  ASSERT_EQ(this->engine_.migrate_to(1), "");
  const SecretBytes master = key_of(7);
  KeyWrap keys(master.clone());
  auto check = keys.make_key_check();
  auto k = keys.seal_k(kImsi, key_of(1, 16));
  auto opc = keys.seal_opc(kImsi, key_of(2, 16));
  auto kme = keys.seal_kme(kImsi, kImei, 3, key_of(3));
  ASSERT_TRUE(check && k && opc && kme);
  using E = TypeParam;
  const std::string imsi = std::string("'") + kImsi + "'";
  const std::string imei = std::string("'") + kImei + "'";
  for (const std::string& sql :
       {"INSERT INTO meta (name, value) VALUES ('kmebind.key_check', " + E::blob(*check) + ")",
        "INSERT INTO subscribers VALUES (" + imsi + ", " + E::blob(*k) + ", " + E::blob(*opc) +
            ", 32768, 96, 'kme-required', 1, 1, 0, 1, 1)",
        "INSERT INTO bindings VALUES (" + imsi + ", " + imei + ", 1)",
        "INSERT INTO kme_records VALUES (" + imsi + ", " + imei + ", 3, " + E::blob(*kme) +
            ", 1, '2', 'hss')",
        "INSERT INTO audit (created_at, actor, action, imsi, imei, detail) VALUES (1, 'old', "
        "'binding-allow', " +
            imsi + ", " + imei + ", 'v1 row')"}) {
    ASSERT_EQ(this->engine_.exec(sql), "") << sql;
  }
  auto& s = this->store();
  EXPECT_EQ(s.schema_version(), kSchemaVersion);
  auto sub = s.get_subscriber(kImsi);
  ASSERT_TRUE(sub) << sub.error().what();
  EXPECT_EQ(sub->k, key_of(1, 16));
  EXPECT_EQ(sub->sqn, 96u);
  auto stored = s.get_kme(kImsi, kImei);
  ASSERT_TRUE(stored && stored->has_value());
  EXPECT_EQ((*stored)->kme, key_of(3));
  auto audit = s.list_audit({});
  ASSERT_EQ(audit->size(), 5u);
  EXPECT_EQ((*audit)[0].source, "");
  EXPECT_EQ((*audit)[1].action, "schema-upgrade");
  EXPECT_EQ((*audit)[1].detail.substr(0, 6), "1 -> 2");
  EXPECT_EQ((*audit)[2].detail.substr(0, 6), "2 -> 3");
  EXPECT_EQ((*audit)[3].detail.substr(0, 6), "3 -> 4");
  EXPECT_EQ((*audit)[4].detail.substr(0, 6), "4 -> 5");
  ASSERT_EQ(*s.store_kme(kImsi, kImei, key_of(4), kKmeProcedure1, "hss", 3u), 4u);
  EXPECT_EQ(s.list_audit({})->back().source, "hss");
  // Reopening does not upgrade again.
  this->store_.reset();
  EXPECT_EQ(this->store().list_audit({})->size(), 6u);
}

TYPED_TEST(StoreContractTest, StoreNewerThanTheBinaryAndForeignDatabasesAreRefused) {
  ASSERT_EQ(this->engine_.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)"), "");
  auto foreign = this->try_open();
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code(), Code::kCorruption);
  EXPECT_NE(foreign.error().message().find("not a kmebind store"), std::string::npos);
  // Nothing was created: dropping the foreign table leaves an empty database.
  ASSERT_EQ(this->engine_.exec("DROP TABLE customers"), "");
  ASSERT_TRUE(this->try_open());
  ASSERT_EQ(this->engine_.exec("UPDATE schema_version SET version = 99"), "");
  auto newer = this->try_open();
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code(), Code::kCorruption);
  EXPECT_NE(newer.error().message().find("schema version 99 is newer"), std::string::npos)
      << newer.error().message();
}

}  // namespace
}  // namespace kmebind::store
