// SubscriberStore::raise_kme_version (docs/security.md §4.3, docs/admin.md "A device locked out by
// its KME version"), run against every engine: the counter is raised, never lowered, the present
// KME revoked, and the next store_kme — a confirm issued for counter + 1 — is stored on top of it.
#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "store/key_wrap.h"
#include "store/schema.h"
#include "store_engines.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::sample_subscriber;

constexpr const char* kImsi = "001010000000001";
constexpr const char* kImei = "35209900176148";
constexpr const char* kImei2 = "35209900176149";

template <class Engine>
class KmeCounterTest : public testing::EngineStoreTest<Engine> {
 protected:
  // The subscriber kImsi with the pair kImsi/kImei allowed.
  void add_pair() {
    auto st = this->store().add_subscriber(sample_subscriber(kImsi));
    ASSERT_TRUE(st) << st.error().what();
    ASSERT_TRUE(this->store().allow_binding(kImsi, kImei, "admin"));
  }
  std::vector<AuditEntry> audit() {
    AuditQuery q;
    q.limit = 1000;
    auto rows = this->store().list_audit(q);
    EXPECT_TRUE(rows) << rows.error().what();
    return rows ? *rows : std::vector<AuditEntry>{};
  }
  // store_kme as the HSS calls it for a confirm of `confirmed_version` (ulr_procedure.cpp:
  // expected previous = confirmed - 1).
  Result<std::uint32_t> confirm(std::uint32_t confirmed_version, std::uint8_t fill) {
    return this->store().store_kme(kImsi, kImei, key_of(fill), kKmeProcedure2, "hss",
                                   confirmed_version - 1);
  }
};

using testing::EngineNames;
using testing::Engines;
TYPED_TEST_SUITE(KmeCounterTest, Engines, EngineNames);

// The lock-out of docs/security.md §4.3 on a first provisioning: the HSS stored nothing, the
// device holds version 7 of a lying CNN's choosing.
TYPED_TEST(KmeCounterTest, RaisedCounterOfAPairWithoutKmeMakesTheNextKmeVersionNPlusOne) {
  this->add_pair();
  SubscriberStore& s = this->store();
  auto before = s.raise_kme_version(kImsi, kImei, 7, "admin");
  ASSERT_TRUE(before) << before.error().what();
  EXPECT_EQ(before->counter, 0u);
  EXPECT_FALSE(before->kme_present);
  EXPECT_EQ(*s.kme_version(kImsi, kImei), 7u);
  EXPECT_FALSE(s.get_kme(kImsi, kImei)->has_value());
  // What the HSS reads for a KME-Request: no KME, counter 7 -> it issues version 8.
  auto pair = s.get_pair(kImsi, kImei);
  ASSERT_TRUE(pair) << pair.error().what();
  EXPECT_FALSE(pair->kme.has_value());
  EXPECT_EQ(pair->kme_version, 7u);
  // Durable: another handle on the store sees it.
  this->reopen();
  EXPECT_EQ(*this->store().kme_version(kImsi, kImei), 7u);
  // A confirm of the version the HSS issued before the raise (1) is stale; one of 8 is stored.
  auto stale = this->confirm(1, 3);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), Code::kNotAllowed);
  auto stored = this->confirm(8, 4);
  ASSERT_TRUE(stored) << stored.error().what();
  EXPECT_EQ(*stored, 8u);
  auto kme = this->store().get_kme(kImsi, kImei);
  ASSERT_TRUE(kme && kme->has_value());
  EXPECT_EQ((*kme)->version, 8u);
  EXPECT_EQ((*kme)->kme, key_of(4));
}

// The renewal case: the HSS holds KME version 2, a lying CNN pushed the device to version 40.
TYPED_TEST(KmeCounterTest, RaiseRevokesThePresentKmeAndTheConfirmAboveTheCounterIsStored) {
  this->add_pair();
  SubscriberStore& s = this->store();
  ASSERT_EQ(*this->confirm(1, 1), 1u);
  ASSERT_EQ(*this->confirm(2, 2), 2u);
  ASSERT_TRUE(s.request_kme_renewal(kImsi, "admin"));
  auto before = s.raise_kme_version(kImsi, kImei, 40, "admin");
  ASSERT_TRUE(before) << before.error().what();
  EXPECT_EQ(before->counter, 2u);
  EXPECT_TRUE(before->kme_present);
  EXPECT_FALSE(s.get_kme(kImsi, kImei)->has_value());
  EXPECT_EQ(s.counts()->kmes, 0u);
  auto pair = s.get_pair(kImsi, kImei);
  ASSERT_TRUE(pair);
  EXPECT_FALSE(pair->kme.has_value());  // so the HSS provisions instead of challenging
  EXPECT_EQ(pair->kme_version, 40u);
  // The provisioning issued before the raise (version 3 on top of 2) is refused.
  auto stale = this->confirm(3, 3);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), Code::kNotAllowed);
  EXPECT_NE(stale.error().message().find("store has 40"), std::string::npos)
      << stale.error().message();
  ASSERT_EQ(*this->confirm(41, 4), 41u);
  EXPECT_EQ((*s.get_kme(kImsi, kImei))->version, 41u);
  EXPECT_FALSE(s.get_subscriber(kImsi)->kme_renewal_requested);  // cleared by the store
}

TYPED_TEST(KmeCounterTest, CounterIsNeverLoweredAndTheRefusalNamesTheCurrentValue) {
  this->add_pair();
  SubscriberStore& s = this->store();
  ASSERT_TRUE(s.raise_kme_version(kImsi, kImei, 5, "admin"));
  const std::size_t audit_rows = this->audit().size();
  auto lower = s.raise_kme_version(kImsi, kImei, 4, "admin");
  ASSERT_FALSE(lower);
  EXPECT_EQ(lower.error().code(), Code::kNotAllowed);
  EXPECT_NE(lower.error().message().find("is 5 (the next KME would be version 6)"),
            std::string::npos)
      << lower.error().message();
  // The same value again, with no KME present, changes nothing and is not audited.
  auto same = s.raise_kme_version(kImsi, kImei, 5, "admin");
  ASSERT_TRUE(same);
  EXPECT_EQ(same->counter, 5u);
  EXPECT_EQ(this->audit().size(), audit_rows);
  EXPECT_EQ(*s.kme_version(kImsi, kImei), 5u);
  // The same value with a KME present (version = counter) revokes it; the counter stays.
  ASSERT_EQ(*this->confirm(6, 1), 6u);
  auto revoke = s.raise_kme_version(kImsi, kImei, 6, "admin");
  ASSERT_TRUE(revoke);
  EXPECT_TRUE(revoke->kme_present);
  EXPECT_FALSE(s.get_kme(kImsi, kImei)->has_value());
  EXPECT_EQ(*s.kme_version(kImsi, kImei), 6u);
  EXPECT_EQ(this->audit().back().detail,
            "KME version counter 6 -> 6, next KME version 7; KME version 6 revoked");
}

TYPED_TEST(KmeCounterTest, OnlyAnAllowedPairOfAKnownSubscriberWithAUsableValueIsRaised) {
  this->add_pair();
  SubscriberStore& s = this->store();
  auto unknown = s.raise_kme_version("001010000000009", kImei, 5, "admin");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), Code::kNotFound);
  auto not_allowed = s.raise_kme_version(kImsi, kImei2, 5, "admin");
  ASSERT_FALSE(not_allowed);
  EXPECT_EQ(not_allowed.error().code(), Code::kNotFound);
  EXPECT_NE(not_allowed.error().message().find("is not an allowed pair"), std::string::npos)
      << not_allowed.error().message();
  EXPECT_EQ(s.raise_kme_version(kImsi, kImei, 0, "admin").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.raise_kme_version(kImsi, kImei, std::numeric_limits<std::uint32_t>::max(), "admin")
                .error()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(s.raise_kme_version(kImsi, "3520990017614", 5, "admin").error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(s.raise_kme_version("00101", kImei, 5, "admin").error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(*s.kme_version(kImsi, kImei), 0u);
  EXPECT_EQ(*s.kme_version(kImsi, kImei2), 0u);
  EXPECT_TRUE(s.list_kme_status(std::nullopt, 10, std::nullopt)->empty());
  // The highest usable value leaves exactly one version for the next KME.
  ASSERT_TRUE(s.raise_kme_version(kImsi, kImei, 4294967294u, "admin"));
  ASSERT_EQ(*this->confirm(4294967295u, 1), 4294967295u);
}

TYPED_TEST(KmeCounterTest, RaiseIsAuditedAndListedAsACounterWithoutKme) {
  this->add_pair();
  SubscriberStore& s = this->store();
  ASSERT_EQ(*this->confirm(1, 1), 1u);
  ASSERT_TRUE(s.raise_kme_version(kImsi, kImei, 12, "ops-alice"));
  const AuditEntry last = this->audit().back();
  EXPECT_EQ(last.action, "kme-version-raise");
  EXPECT_EQ(last.actor, "ops-alice");
  EXPECT_EQ(last.imsi, kImsi);
  EXPECT_EQ(last.imei, kImei);
  EXPECT_EQ(last.detail, "KME version counter 1 -> 12, next KME version 13; KME version 1 revoked");
  auto status = s.list_kme_status(std::string_view(kImsi), 10, std::nullopt);
  ASSERT_TRUE(status) << status.error().what();
  ASSERT_EQ(status->size(), 1u);
  const KmeStatus& k = (*status)[0];
  EXPECT_EQ(k.version, 12u);
  EXPECT_FALSE(k.present);
  EXPECT_EQ(k.procedure, kKmeNoProcedure);
  EXPECT_EQ(k.source, "ops-alice");
  EXPECT_GT(k.stored_at_unix_s, 0);
}

// The counter is the pair's, whoever writes the next KME: it survives the pair leaving and
// rejoining the binding list, and an out-of-band import continues from it.
TYPED_TEST(KmeCounterTest, RaisedCounterSurvivesDenyAndIsContinuedByABulkImport) {
  this->add_pair();
  SubscriberStore& s = this->store();
  ASSERT_TRUE(s.raise_kme_version(kImsi, kImei, 20, "admin"));
  ASSERT_TRUE(s.deny_binding(kImsi, kImei, "admin"));
  EXPECT_EQ(*s.kme_version(kImsi, kImei), 20u);
  ASSERT_TRUE(s.allow_binding(kImsi, kImei, "admin"));
  BulkImportOptions options;
  options.source = "maker-a";
  auto bulk = s.begin_bulk_import(options);
  ASSERT_TRUE(bulk) << bulk.error().what();
  auto v = (*bulk)->store_kme(kImsi, kImei, key_of(5), kKmeImported);
  ASSERT_TRUE(v) << v.error().what();
  EXPECT_EQ(*v, 21u);
  ASSERT_TRUE((*bulk)->finish());
  EXPECT_EQ((*s.get_kme(kImsi, kImei))->version, 21u);
  EXPECT_EQ((*s.get_kme(kImsi, kImei))->kme, key_of(5));
}

// Raises racing confirms on one pair are serialized: in the audit trail's order the counter never
// goes down, each stored KME is the counter + 1 at its turn, and a KME left present has the
// counter's version. (PostgreSQL: the binding row lock; SQLite: the single writer.)
TYPED_TEST(KmeCounterTest, RaisesRacingConfirmsKeepTheCounterMonotonicAndTheKmeAtTheCounter) {
  this->add_pair();
  SubscriberStore& s = this->store();
  constexpr int kConfirmers = 3;
  constexpr int kRounds = 25;
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kConfirmers; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        auto counter = s.kme_version(kImsi, kImei);
        if (!counter) {
          ++unexpected;
          continue;
        }
        auto v = s.store_kme(kImsi, kImei, key_of(static_cast<std::uint8_t>(t * 50 + i)),
                             kKmeProcedure2, "hss", *counter);
        if (!v && v.error().code() != Code::kNotAllowed && v.error().code() != Code::kUnavailable) {
          ++unexpected;
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (std::uint32_t n = 10; n <= 10 * kRounds; n += 10) {
      auto r = s.raise_kme_version(kImsi, kImei, n, "admin");
      // Below the counter when the confirmers got there first: refused, nothing changed.
      if (!r && r.error().code() != Code::kNotAllowed && r.error().code() != Code::kUnavailable) {
        ++unexpected;
      }
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_EQ(unexpected.load(), 0);

  std::uint32_t counter = 0;
  int stores = 0;
  int raises = 0;
  for (const AuditEntry& a : this->audit()) {
    if (a.action == "kme-store") {
      const auto version = static_cast<std::uint32_t>(std::stoul(a.detail.substr(8)));
      EXPECT_EQ(version, counter + 1) << a.detail;
      counter = version;
      ++stores;
    } else if (a.action == "kme-version-raise") {
      // "KME version counter C -> N, ..."
      const std::string d = a.detail.substr(std::string("KME version counter ").size());
      const auto from = static_cast<std::uint32_t>(std::stoul(d));
      const auto to = static_cast<std::uint32_t>(std::stoul(d.substr(d.find("-> ") + 3)));
      EXPECT_EQ(from, counter) << a.detail;
      EXPECT_GE(to, from) << a.detail;
      counter = to;
      ++raises;
    }
  }
  EXPECT_GT(stores, 0);
  EXPECT_GT(raises, 0);
  EXPECT_EQ(*s.kme_version(kImsi, kImei), counter);
  auto kme = s.get_kme(kImsi, kImei);
  ASSERT_TRUE(kme) << kme.error().what();
  if (kme->has_value()) {
    EXPECT_EQ((*kme)->version, counter);
  }
}

// A store of schema version 2 (procedure 'none' not yet allowed) is upgraded keeping its KME
// rows, present and revoked, and then takes a raised counter.
TYPED_TEST(KmeCounterTest, VersionTwoStoreIsUpgradedKeepingItsKmesAndThenTakesARaisedCounter) {
  ASSERT_EQ(this->engine_.migrate_to(2), "");
  const SecretBytes master = key_of(7);
  KeyWrap keys(master.clone());
  auto check = keys.make_key_check();
  auto k = keys.seal_k(kImsi, key_of(1, 16));
  auto opc = keys.seal_opc(kImsi, key_of(2, 16));
  auto kme = keys.seal_kme(kImsi, kImei, 3, key_of(3));
  ASSERT_TRUE(check && k && opc && kme);
  using E = TypeParam;
  const std::string imsi = std::string("'") + kImsi + "'";
  for (const std::string& sql :
       {"INSERT INTO meta (name, value) VALUES ('kmebind.key_check', " + E::blob(*check) + ")",
        "INSERT INTO subscribers VALUES (" + imsi + ", " + E::blob(*k) + ", " + E::blob(*opc) +
            ", 32768, 96, 'kme-required', 1, 1, 0, 1, 1)",
        "INSERT INTO bindings VALUES (" + imsi + ", '" + kImei + "', 1)",
        "INSERT INTO bindings VALUES (" + imsi + ", '" + kImei2 + "', 1)",
        "INSERT INTO kme_records VALUES (" + imsi + ", '" + kImei + "', 3, " + E::blob(*kme) +
            ", 1, '2', 'hss')",
        "INSERT INTO kme_records VALUES (" + imsi + ", '" + kImei2 + "', 5, NULL, 2, '1', 'hss')"}) {
    ASSERT_EQ(this->engine_.exec(sql), "") << sql;
  }
  SubscriberStore& s = this->store();
  EXPECT_EQ(s.schema_version(), kSchemaVersion);
  auto present = s.get_kme(kImsi, kImei);
  ASSERT_TRUE(present && present->has_value());
  EXPECT_EQ((*present)->kme, key_of(3));
  EXPECT_EQ((*present)->procedure, kKmeProcedure2);
  EXPECT_EQ(*s.kme_version(kImsi, kImei2), 5u);
  EXPECT_FALSE(s.get_kme(kImsi, kImei2)->has_value());
  const auto rows = this->audit();
  ASSERT_FALSE(rows.empty());
  ASSERT_GE(rows.size(), 3u);
  EXPECT_EQ(rows[rows.size() - 3].action, "schema-upgrade");
  EXPECT_EQ(rows[rows.size() - 3].detail.substr(0, 6), "2 -> 3");
  EXPECT_EQ(rows[rows.size() - 2].detail.substr(0, 6), "3 -> 4");
  EXPECT_EQ(rows.back().detail.substr(0, 6), "4 -> 5");
  // The rebuilt (SQLite) or re-constrained (PostgreSQL) table still refuses unknown procedures:
  // the same row with a known procedure is accepted, so it is the CHECK that refuses 'x' (not
  // the subscriber's foreign key).
  const auto row_with = [&](const char* procedure) {
    return "INSERT INTO kme_records (imsi, imei, version, kme_sealed, stored_at, kme_procedure, "
           "source) VALUES (" +
           imsi + ", '35209900176150', 1, NULL, 1, '" + procedure + "', 'hss')";
  };
  if constexpr (std::string_view(E::kName) == "postgres") {
    // Added NOT VALID by the migration (no long lock on a large table), validated after it.
    EXPECT_EQ(this->engine_.exec(
                  "DO $$ BEGIN IF NOT (SELECT convalidated FROM pg_constraint WHERE conname = "
                  "'kme_records_kme_procedure_check') THEN RAISE EXCEPTION 'not validated'; "
                  "END IF; END $$"),
              "");
  }
  EXPECT_NE(this->engine_.exec(row_with("x")), "");
  EXPECT_EQ(this->engine_.exec(row_with("none")), "");
  EXPECT_EQ(this->engine_.exec("DELETE FROM kme_records WHERE imei = '35209900176150'"), "");
  auto before = s.raise_kme_version(kImsi, kImei2, 9, "admin");
  ASSERT_TRUE(before) << before.error().what();
  EXPECT_EQ(before->counter, 5u);
  ASSERT_TRUE(s.raise_kme_version(kImsi, kImei, 9, "admin"));
  auto listed = s.list_kme_status(std::string_view(kImsi), 10, std::nullopt);
  ASSERT_TRUE(listed) << listed.error().what();
  ASSERT_EQ(listed->size(), 2u);
  for (const KmeStatus& st : *listed) {
    EXPECT_EQ(st.version, 9u);
    EXPECT_EQ(st.procedure, kKmeNoProcedure);
  }
  // Deleting the subscriber still takes its KME rows with it (the rebuilt foreign key).
  ASSERT_TRUE(s.remove_subscriber(kImsi));
  ASSERT_TRUE(s.add_subscriber(sample_subscriber(kImsi)));
  EXPECT_EQ(*s.kme_version(kImsi, kImei), 0u);
  EXPECT_EQ(*s.kme_version(kImsi, kImei2), 0u);
}

}  // namespace
}  // namespace kmebind::store
