// KME renewal per IMSI/IMEI pair (SubscriberStore::request_kme_renewal, schema.cpp version 4), run
// against every engine: a renewal marks each pair of the IMSI that holds a KME, storing a KME for
// one pair clears that pair's mark only, revoking a KME drops its mark, and the subscriber-level
// state (SubscriberRecord::kme_renewal_requested, the exchange files' kme_renewal) is derived from
// the pairs. A store of schema 3 whose subscriber was flagged has each of its KME-holding pairs
// pending after the upgrade.
#include <gtest/gtest.h>

#include <map>
#include <string>
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
constexpr const char* kOther = "001010000000002";
constexpr const char* kImei1 = "35209900176148";
constexpr const char* kImei2 = "35209900176149";
constexpr const char* kImei3 = "35209900176150";  // allowed, no KME

template <class Engine>
class KmeRenewalTest : public testing::EngineStoreTest<Engine> {
 protected:
  void ok(const Status& st) { ASSERT_TRUE(st) << st.error().what(); }
  // kImsi with three allowed IMEIs; kImei1 and kImei2 hold KME version 1, kImei3 none.
  void two_devices_with_kmes() {
    ok(this->store().add_subscriber(sample_subscriber(kImsi)));
    for (const char* imei : {kImei1, kImei2, kImei3})
      ok(this->store().allow_binding(kImsi, imei, "t"));
    ASSERT_EQ(*this->store().store_kme(kImsi, kImei1, key_of(1), kKmeProcedure2, "hss", 0u), 1u);
    ASSERT_EQ(*this->store().store_kme(kImsi, kImei2, key_of(2), kKmeProcedure2, "hss", 0u), 1u);
  }
  bool kme_pending(const char* imsi, const char* imei) {
    auto k = this->store().get_kme(imsi, imei);
    EXPECT_TRUE(k && k->has_value()) << imei;
    return k && k->has_value() && (*k)->renewal_requested;
  }
  // IMEI → renewal_requested as list_kme_status shows the IMSI's pairs.
  std::map<std::string, bool> listed(const char* imsi) {
    auto rows = this->store().list_kme_status(std::string_view(imsi), 100, std::nullopt);
    EXPECT_TRUE(rows) << rows.error().what();
    std::map<std::string, bool> out;
    if (rows) {
      for (const auto& k : *rows) out[k.imei] = k.renewal_requested;
    }
    return out;
  }
  bool subscriber_pending(const char* imsi) {
    auto sub = this->store().get_subscriber(imsi);
    EXPECT_TRUE(sub) << sub.error().what();
    return sub && sub->kme_renewal_requested;
  }
};

using testing::EngineNames;
using testing::Engines;
TYPED_TEST_SUITE(KmeRenewalTest, Engines, EngineNames);

TYPED_TEST(KmeRenewalTest, RenewalMarksEveryPairHoldingAKmeAndEachStoreClearsOnlyItsOwnPair) {
  this->two_devices_with_kmes();
  EXPECT_FALSE(this->subscriber_pending(kImsi));
  this->ok(this->store().request_kme_renewal(kImsi, "admin"));
  EXPECT_TRUE(this->kme_pending(kImsi, kImei1));
  EXPECT_TRUE(this->kme_pending(kImsi, kImei2));
  EXPECT_TRUE(this->subscriber_pending(kImsi));
  EXPECT_EQ(this->listed(kImsi), (std::map<std::string, bool>{{kImei1, true}, {kImei2, true}}));

  // Device 1 is re-provisioned first: device 2 stays pending (the bug: it was cleared too).
  ASSERT_EQ(*this->store().store_kme(kImsi, kImei1, key_of(3), kKmeProcedure2, "hss", 1u), 2u);
  EXPECT_FALSE(this->kme_pending(kImsi, kImei1));
  EXPECT_TRUE(this->kme_pending(kImsi, kImei2));
  EXPECT_TRUE(this->subscriber_pending(kImsi));
  EXPECT_EQ(this->listed(kImsi), (std::map<std::string, bool>{{kImei1, false}, {kImei2, true}}));

  ASSERT_EQ(*this->store().store_kme(kImsi, kImei2, key_of(4), kKmeProcedure1, "hss", 1u), 2u);
  EXPECT_FALSE(this->kme_pending(kImsi, kImei2));
  EXPECT_FALSE(this->subscriber_pending(kImsi));
}

TYPED_TEST(KmeRenewalTest, GetPairCarriesThePairsOwnRenewalState) {
  this->two_devices_with_kmes();
  this->ok(this->store().request_kme_renewal(kImsi, "admin"));
  ASSERT_TRUE(this->store().store_kme(kImsi, kImei1, key_of(3), kKmeProcedure2, "hss", 1u));
  auto renewed = this->store().get_pair(kImsi, kImei1);
  auto pending = this->store().get_pair(kImsi, kImei2);
  ASSERT_TRUE(renewed && pending);
  ASSERT_TRUE(renewed->kme && pending->kme);
  EXPECT_FALSE(renewed->kme->renewal_requested);
  EXPECT_TRUE(pending->kme->renewal_requested);
  // PairView::subscriber does not read the other pairs (subscriber_store.h).
  EXPECT_FALSE(pending->subscriber.kme_renewal_requested);
}

TYPED_TEST(KmeRenewalTest, KmeStoredAfterTheRequestIsNotMarked) {
  this->two_devices_with_kmes();
  this->ok(this->store().request_kme_renewal(kImsi, "admin"));
  ASSERT_EQ(*this->store().store_kme(kImsi, kImei3, key_of(5), kKmeImported, "maker", 0u), 1u);
  EXPECT_FALSE(this->kme_pending(kImsi, kImei3));
  EXPECT_TRUE(this->kme_pending(kImsi, kImei1));
}

TYPED_TEST(KmeRenewalTest, ARenewalTouchesNoOtherSubscriber) {
  this->two_devices_with_kmes();
  this->ok(this->store().add_subscriber(sample_subscriber(kOther, 2)));
  this->ok(this->store().allow_binding(kOther, kImei1, "t"));
  ASSERT_TRUE(this->store().store_kme(kOther, kImei1, key_of(6), kKmeProcedure2, "hss", 0u));
  this->ok(this->store().request_kme_renewal(kImsi, "admin"));
  EXPECT_FALSE(this->kme_pending(kOther, kImei1));
  EXPECT_FALSE(this->subscriber_pending(kOther));
}

TYPED_TEST(KmeRenewalTest, RevokingAMarkedKmeDropsItsMark) {
  this->two_devices_with_kmes();
  this->ok(this->store().request_kme_renewal(kImsi, "admin"));
  this->ok(this->store().deny_binding(kImsi, kImei1, "admin"));
  ASSERT_TRUE(this->store().raise_kme_version(kImsi, kImei2, 9, "admin"));
  auto rows = this->store().list_kme_status(std::string_view(kImsi), 100, std::nullopt);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  for (const auto& k : *rows) {
    EXPECT_FALSE(k.present) << k.imei;
    EXPECT_FALSE(k.renewal_requested) << k.imei;
  }
  EXPECT_FALSE(this->subscriber_pending(kImsi));
  // The pair's next KME (version 10) is a fresh one, not pending.
  ASSERT_EQ(*this->store().store_kme(kImsi, kImei2, key_of(7), kKmeProcedure2, "hss", 9u), 10u);
  EXPECT_FALSE(this->kme_pending(kImsi, kImei2));
}

TYPED_TEST(KmeRenewalTest, EachMarkedPairIsAuditedAndARenewalWithNoKmeSaysSo) {
  this->ok(this->store().add_subscriber(sample_subscriber(kOther, 2)));
  this->ok(this->store().request_kme_renewal(kOther, "op1"));
  this->two_devices_with_kmes();
  this->ok(this->store().request_kme_renewal(kImsi, "op2"));
  auto audit = this->store().list_audit(AuditQuery{std::nullopt, 0, 1000});
  ASSERT_TRUE(audit);
  std::vector<std::string> renewals;
  for (const auto& a : *audit) {
    if (a.action != "kme-renew") continue;
    renewals.push_back(a.actor + " " + a.imsi + " " + a.imei + ": " + a.detail);
  }
  EXPECT_EQ(renewals,
            (std::vector<std::string>{
                std::string("op1 ") + kOther +
                    " : KME re-provisioning requested; no pair holds a KME (each is provisioned "
                    "at its next KME-Request anyway)",
                std::string("op2 ") + kImsi + " " + kImei1 +
                    ": KME version 1 marked for re-provisioning at the pair's next KME-Request",
                std::string("op2 ") + kImsi + " " + kImei2 +
                    ": KME version 1 marked for re-provisioning at the pair's next KME-Request"}));
  EXPECT_EQ(this->store().request_kme_renewal("001010000000009", "op").error().code(),
            Code::kNotFound);
}

// The exchange files' subscriber-level kme_renewal: exported as "some pair pending"; on import
// (a new subscriber, holding no KME) it marks nothing, so a KME stored later is used as is.
TYPED_TEST(KmeRenewalTest, ExportShowsAPendingPairAndAnImportedFlagMarksNoLaterKme) {
  this->two_devices_with_kmes();
  this->ok(this->store().add_subscriber(sample_subscriber(kOther, 2)));
  this->ok(this->store().request_kme_renewal(kImsi, "admin"));
  std::map<std::string, bool> exported;
  ExportSink sink;
  sink.subscriber = [&](const SubscriberRecord& r, std::span<const std::string>) -> Status {
    exported[r.imsi] = r.kme_renewal_requested;
    return {};
  };
  sink.device = [](const DeviceRecord&) -> Status { return {}; };
  this->ok(this->store().export_all(sink, false));
  EXPECT_EQ(exported, (std::map<std::string, bool>{{kImsi, true}, {kOther, false}}));

  constexpr const char* kImported = "001010000000003";
  SubscriberRecord flagged = sample_subscriber(kImported, 3);
  flagged.kme_renewal_requested = true;
  {
    auto bulk = this->store().begin_bulk_import(BulkImportOptions{});
    ASSERT_TRUE(bulk) << bulk.error().what();
    const std::vector<std::string> imeis{kImei1};
    this->ok((*bulk)->add_subscriber(flagged, imeis));
    ASSERT_TRUE((*bulk)->finish());
  }
  EXPECT_FALSE(this->subscriber_pending(kImported));
  ASSERT_TRUE(this->store().store_kme(kImported, kImei1, key_of(8), kKmeImported, "maker", 0u));
  EXPECT_FALSE(this->kme_pending(kImported, kImei1));
}

// A schema-3 store (the renewal flag on the subscriber) is upgraded: the flagged subscriber's
// pairs holding a KME are pending, its revoked pair is not, an unflagged subscriber's KME is not.
TYPED_TEST(KmeRenewalTest, SchemaThreeFlagBecomesAPendingRenewalOfEachKmeHoldingPair) {
  ASSERT_EQ(this->engine_.migrate_to(3), "");
  KeyWrap keys(key_of(7));
  auto check = keys.make_key_check();
  auto k = keys.seal_k(kImsi, key_of(1, 16));
  auto opc = keys.seal_opc(kImsi, key_of(2, 16));
  auto k2 = keys.seal_k(kOther, key_of(3, 16));
  auto opc2 = keys.seal_opc(kOther, key_of(4, 16));
  auto kme1 = keys.seal_kme(kImsi, kImei1, 2, key_of(11));
  auto kme2 = keys.seal_kme(kImsi, kImei2, 1, key_of(12));
  auto kme_other = keys.seal_kme(kOther, kImei1, 1, key_of(13));
  ASSERT_TRUE(check && k && opc && k2 && opc2 && kme1 && kme2 && kme_other);
  using E = TypeParam;
  const auto q = [](const char* s) { return std::string("'") + s + "'"; };
  for (const std::string& sql :
       {"INSERT INTO meta (name, value) VALUES ('kmebind.key_check', " + E::blob(*check) + ")",
        // kImsi flagged (kme_renewal_requested 1), kOther not.
        "INSERT INTO subscribers VALUES (" + q(kImsi) + ", " + E::blob(*k) + ", " + E::blob(*opc) +
            ", 32768, 96, 'kme-required', 1, 1, 1, 1, 1)",
        "INSERT INTO subscribers VALUES (" + q(kOther) + ", " + E::blob(*k2) + ", " +
            E::blob(*opc2) + ", 32768, 96, 'kme-required', 1, 1, 0, 1, 1)",
        "INSERT INTO bindings VALUES (" + q(kImsi) + ", " + q(kImei1) + ", 1)",
        "INSERT INTO bindings VALUES (" + q(kImsi) + ", " + q(kImei2) + ", 1)",
        "INSERT INTO bindings VALUES (" + q(kImsi) + ", " + q(kImei3) + ", 1)",
        "INSERT INTO bindings VALUES (" + q(kOther) + ", " + q(kImei1) + ", 1)",
        "INSERT INTO kme_records VALUES (" + q(kImsi) + ", " + q(kImei1) + ", 2, " +
            E::blob(*kme1) + ", 1, '2', 'hss')",
        "INSERT INTO kme_records VALUES (" + q(kImsi) + ", " + q(kImei2) + ", 1, " +
            E::blob(*kme2) + ", 1, '1', 'hss')",
        "INSERT INTO kme_records VALUES (" + q(kImsi) + ", " + q(kImei3) +
            ", 4, NULL, 1, 'none', 'admin')",
        "INSERT INTO kme_records VALUES (" + q(kOther) + ", " + q(kImei1) + ", 1, " +
            E::blob(*kme_other) + ", 1, '2', 'hss')"}) {
    ASSERT_EQ(this->engine_.exec(sql), "") << sql;
  }
  SubscriberStore& s = this->store();
  ASSERT_EQ(s.schema_version(), kSchemaVersion);
  EXPECT_EQ(this->listed(kImsi),
            (std::map<std::string, bool>{{kImei1, true}, {kImei2, true}, {kImei3, false}}));
  EXPECT_TRUE(this->subscriber_pending(kImsi));
  EXPECT_FALSE(this->kme_pending(kOther, kImei1));
  EXPECT_FALSE(this->subscriber_pending(kOther));
  EXPECT_EQ((*s.get_kme(kImsi, kImei1))->kme, key_of(11));  // the KMEs themselves unchanged
  // The old subscriber-level flag is retired (zeroed): re-provisioning both pairs ends the renewal.
  ASSERT_TRUE(s.store_kme(kImsi, kImei1, key_of(14), kKmeProcedure2, "hss", 2u));
  EXPECT_TRUE(this->subscriber_pending(kImsi));
  ASSERT_TRUE(s.store_kme(kImsi, kImei2, key_of(15), kKmeProcedure2, "hss", 1u));
  EXPECT_FALSE(this->subscriber_pending(kImsi));
  // The new column refuses values other than 0 and 1 (its CHECK).
  EXPECT_NE(this->engine_.exec("UPDATE kme_records SET renewal_requested = 2"), "");
  auto audit = s.list_audit(AuditQuery{std::nullopt, 0, 1000});
  ASSERT_TRUE(audit);
  bool upgraded = false;
  for (const auto& a : *audit) upgraded |= a.detail.starts_with("3 -> 4");
  EXPECT_TRUE(upgraded);
}

}  // namespace
}  // namespace kmebind::store
