// SubscriberStore on the SQLite engine: every operation, its refusals, and durability across
// close/reopen.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "store/schema.h"
#include "store/subscriber_store.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::open_or_die;
using testing::sample_device;
using testing::sample_subscriber;
using testing::TempDir;

constexpr const char* kImsi = "001010123456789";
constexpr const char* kImei = "35209900176148";
constexpr const char* kImei2 = "35693803564380";

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_or_die(dir_.file("store.db"));
    ASSERT_TRUE(store_);
  }
  SubscriberStore& s() { return *store_; }

  TempDir dir_;
  std::unique_ptr<SubscriberStore> store_;
};

TEST_F(StoreTest, AddedSubscriberReadsBackWithUnsealedKeys) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));
  auto r = s().get_subscriber(kImsi);
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->imsi, kImsi);
  EXPECT_EQ(r->k, key_of(1, 16));
  EXPECT_EQ(r->opc, key_of(101, 16));
  EXPECT_EQ(r->amf[0], 0x80);
  EXPECT_EQ(r->amf[1], 0x00);
  EXPECT_EQ(r->sqn, 32u);
  EXPECT_EQ(r->binding_mode, BindingMode::kKmeRequired);
  EXPECT_TRUE(r->procedure1_allowed);
  EXPECT_FALSE(r->procedure2_allowed);
  EXPECT_FALSE(r->kme_renewal_requested);
}

TEST_F(StoreTest, DuplicateImsiIsRefused) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));
  auto again = s().add_subscriber(sample_subscriber(kImsi, 9));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Code::kAlreadyExists);
  EXPECT_EQ(s().get_subscriber(kImsi)->k, key_of(1, 16));  // unchanged
}

TEST_F(StoreTest, MalformedSubscriberFieldsAreRefused) {
  auto bad_imsi = sample_subscriber("00101abc");
  EXPECT_EQ(s().add_subscriber(bad_imsi).error().code(), Code::kInvalidArgument);
  auto short_k = sample_subscriber(kImsi);
  short_k.k = key_of(1, 15);
  EXPECT_EQ(s().add_subscriber(short_k).error().code(), Code::kInvalidArgument);
  auto big_sqn = sample_subscriber(kImsi);
  big_sqn.sqn = kSqnMax + 1;
  EXPECT_EQ(s().add_subscriber(big_sqn).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(s().counts()->subscribers, 0u);
}

TEST_F(StoreTest, UnknownSubscriberIsNotFound) {
  EXPECT_EQ(s().get_subscriber(kImsi).error().code(), Code::kNotFound);
  EXPECT_EQ(s().remove_subscriber(kImsi).error().code(), Code::kNotFound);
  EXPECT_EQ(s().advance_sqn(kImsi, 32).error().code(), Code::kNotFound);
  EXPECT_EQ(s().set_sqn(kImsi, 1).error().code(), Code::kNotFound);
  EXPECT_EQ(s().allow_binding(kImsi, kImei, "t").error().code(), Code::kNotFound);
  EXPECT_EQ(s().list_bindings(kImsi).error().code(), Code::kNotFound);
  EXPECT_EQ(s().set_binding_mode(kImsi, BindingMode::kNone, "t").error().code(), Code::kNotFound);
  EXPECT_EQ(s().request_kme_renewal(kImsi, "t").error().code(), Code::kNotFound);
}

TEST_F(StoreTest, ListSubscribersPagesInImsiOrder) {
  for (const char* imsi : {"001010000000003", "001010000000001", "001010000000002"}) {
    ASSERT_TRUE(s().add_subscriber(sample_subscriber(imsi)));
  }
  auto first = s().list_subscribers(2, std::nullopt);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, (std::vector<std::string>{"001010000000001", "001010000000002"}));
  auto rest = s().list_subscribers(2, first->back());
  ASSERT_TRUE(rest);
  EXPECT_EQ(*rest, (std::vector<std::string>{"001010000000003"}));
}

TEST_F(StoreTest, RemoveSubscriberTakesBindingsAndKmeWithIt) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));
  ASSERT_TRUE(s().allow_binding(kImsi, kImei, "t"));
  ASSERT_TRUE(s().store_kme(kImsi, kImei, key_of(5), kKmeProcedure1, "hss", std::nullopt));
  ASSERT_TRUE(s().remove_subscriber(kImsi));
  auto n = s().counts();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->subscribers, 0u);
  EXPECT_EQ(n->bindings, 0u);
  EXPECT_EQ(n->kmes, 0u);
  EXPECT_FALSE(*s().is_binding_allowed(kImsi, kImei));
}

TEST_F(StoreTest, AdvanceSqnAddsStepAndReturnsNewValue) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));  // sqn 32
  EXPECT_EQ(*s().advance_sqn(kImsi, 32), 64u);
  EXPECT_EQ(*s().advance_sqn(kImsi, 1), 65u);
  EXPECT_EQ(s().get_subscriber(kImsi)->sqn, 65u);
  EXPECT_EQ(s().advance_sqn(kImsi, 0).error().code(), Code::kInvalidArgument);
}

TEST_F(StoreTest, AdvanceSqnRefusesToPass48BitsAndLeavesSqn) {
  auto r = sample_subscriber(kImsi);
  r.sqn = kSqnMax - 10;
  ASSERT_TRUE(s().add_subscriber(r));
  auto over = s().advance_sqn(kImsi, 11);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code(), Code::kNotAllowed);
  EXPECT_EQ(s().get_subscriber(kImsi)->sqn, kSqnMax - 10);
  EXPECT_EQ(*s().advance_sqn(kImsi, 10), kSqnMax);
}

TEST_F(StoreTest, SetSqnResynchronises) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));
  ASSERT_TRUE(s().set_sqn(kImsi, 4096));
  EXPECT_EQ(s().get_subscriber(kImsi)->sqn, 4096u);
  EXPECT_EQ(s().set_sqn(kImsi, kSqnMax + 1).error().code(), Code::kInvalidArgument);
}

TEST_F(StoreTest, BindingsAllowListAndDeny) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));
  EXPECT_FALSE(*s().is_binding_allowed(kImsi, kImei));
  ASSERT_TRUE(s().allow_binding(kImsi, kImei2, "alice"));
  ASSERT_TRUE(s().allow_binding(kImsi, kImei, "alice"));
  ASSERT_TRUE(s().allow_binding(kImsi, kImei, "alice"));  // idempotent
  EXPECT_TRUE(*s().is_binding_allowed(kImsi, kImei));
  EXPECT_EQ(*s().list_bindings(kImsi), (std::vector<std::string>{kImei, kImei2}));
  ASSERT_TRUE(s().deny_binding(kImsi, kImei, "bob"));
  EXPECT_FALSE(*s().is_binding_allowed(kImsi, kImei));
  EXPECT_EQ(s().deny_binding(kImsi, kImei, "bob").error().code(), Code::kNotFound);
  EXPECT_EQ(*s().list_bindings(kImsi), (std::vector<std::string>{kImei2}));
}

TEST_F(StoreTest, FifteenDigitImeiIsNormalizedAndBadCheckDigitRefused) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));
  ASSERT_TRUE(s().allow_binding(kImsi, "352099001761481", "t"));  // TS 23.003 Annex B example
  EXPECT_TRUE(*s().is_binding_allowed(kImsi, kImei));
  EXPECT_EQ(s().allow_binding(kImsi, "352099001761482", "t").error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(s().allow_binding(kImsi, "3520990017614", "t").error().code(), Code::kInvalidArgument);
}

TEST_F(StoreTest, BindingModeAndProceduresChange) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));
  ASSERT_TRUE(s().set_binding_mode(kImsi, BindingMode::kImeiCheck, "t"));
  ASSERT_TRUE(s().set_procedures_allowed(kImsi, false, true, "t"));
  auto r = s().get_subscriber(kImsi);
  EXPECT_EQ(r->binding_mode, BindingMode::kImeiCheck);
  EXPECT_FALSE(r->procedure1_allowed);
  EXPECT_TRUE(r->procedure2_allowed);
}

TEST_F(StoreTest, DevicePutGetAndReplace) {
  ASSERT_TRUE(s().put_device(sample_device(kImei)));
  auto d = s().get_device("352099001761481");
  ASSERT_TRUE(d) << d.error().what();
  EXPECT_EQ(d->imei, kImei);
  EXPECT_EQ(d->enc_profile, EncProfile::kA);
  EXPECT_EQ(d->enc_public_key, Bytes(32, 0x11));
  EXPECT_EQ(d->sig_alg, SigAlgorithm::kEcdsaP256Sha256);
  EXPECT_EQ(d->sig_public_key.size(), 33u);
  auto replaced = sample_device(kImei);
  replaced.enc_profile = EncProfile::kB;
  replaced.enc_public_key = Bytes(33, 0x33);
  replaced.enc_public_key[0] = 0x03;
  ASSERT_TRUE(s().put_device(replaced));
  EXPECT_EQ(s().get_device(kImei)->enc_profile, EncProfile::kB);
  EXPECT_EQ(s().counts()->devices, 1u);
  EXPECT_EQ(s().get_device(kImei2).error().code(), Code::kNotFound);
}

TEST_F(StoreTest, DeviceKeysOfWrongEncodingAreRefused) {
  auto d = sample_device(kImei);
  d.enc_public_key = Bytes(31, 1);
  EXPECT_EQ(s().put_device(d).error().code(), Code::kInvalidArgument);
  d = sample_device(kImei);
  d.sig_public_key[0] = 0x04;  // not a compressed point
  EXPECT_EQ(s().put_device(d).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(s().counts()->devices, 0u);
}

TEST_F(StoreTest, StoreKmeVersionsIncreaseAndClearRenewal) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));
  ASSERT_TRUE(s().allow_binding(kImsi, kImei, "t"));
  EXPECT_FALSE(s().get_kme(kImsi, kImei)->has_value());
  EXPECT_EQ(*s().store_kme(kImsi, kImei, key_of(1), kKmeProcedure1, "hss", 0u), 1u);
  ASSERT_TRUE(s().request_kme_renewal(kImsi, "admin"));
  EXPECT_TRUE(s().get_subscriber(kImsi)->kme_renewal_requested);
  EXPECT_EQ(*s().store_kme(kImsi, kImei, key_of(2), kKmeProcedure2, "hss", 1u), 2u);
  EXPECT_FALSE(s().get_subscriber(kImsi)->kme_renewal_requested);
  auto kme = s().get_kme(kImsi, kImei);
  ASSERT_TRUE(kme && kme->has_value());
  EXPECT_EQ((*kme)->kme, key_of(2));
  EXPECT_EQ((*kme)->version, 2u);
  EXPECT_EQ((*kme)->procedure, kKmeProcedure2);
  EXPECT_EQ((*kme)->source, "hss");
  EXPECT_GT((*kme)->stored_at_unix_s, 1600000000);
}

TEST_F(StoreTest, StoreKmeForDisallowedPairIsRefusedAndChangesNothing) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));
  ASSERT_TRUE(s().allow_binding(kImsi, kImei, "t"));
  ASSERT_TRUE(s().store_kme(kImsi, kImei, key_of(1), kKmeProcedure1, "hss", 0u));
  ASSERT_TRUE(s().request_kme_renewal(kImsi, "t"));
  const auto before = *s().counts();
  auto r = s().store_kme(kImsi, kImei2, key_of(3), kKmeProcedure1, "hss", std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kNotAllowed);
  const auto after = *s().counts();
  EXPECT_EQ(after.kmes, before.kmes);
  EXPECT_EQ(after.audit_rows, before.audit_rows);
  EXPECT_FALSE(s().get_kme(kImsi, kImei2)->has_value());
  EXPECT_TRUE(s().get_subscriber(kImsi)->kme_renewal_requested);  // not cleared
  EXPECT_EQ(s().list_kme_status(std::nullopt, 10, std::nullopt)->size(), 1u);  // kImei's only
}

TEST_F(StoreTest, StoreKmeWithStaleExpectedVersionIsRefused) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));
  ASSERT_TRUE(s().allow_binding(kImsi, kImei, "t"));
  ASSERT_EQ(*s().store_kme(kImsi, kImei, key_of(1), kKmeProcedure2, "hss", 0u), 1u);
  ASSERT_EQ(*s().store_kme(kImsi, kImei, key_of(2), kKmeProcedure2, "hss", 1u), 2u);
  // A replayed provisioning that expects version 1 again must not roll the key back.
  auto stale = s().store_kme(kImsi, kImei, key_of(1), kKmeProcedure2, "hss", 1u);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), Code::kNotAllowed);
  EXPECT_EQ((*s().get_kme(kImsi, kImei))->kme, key_of(2));
  EXPECT_EQ((*s().get_kme(kImsi, kImei))->version, 2u);
  // Expecting "none yet" when one exists is refused too.
  EXPECT_EQ(s().store_kme(kImsi, kImei, key_of(3), kKmeProcedure2, "hss", 0u).error().code(),
            Code::kNotAllowed);
}

TEST_F(StoreTest, StoreKmeChecksItsArguments) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));
  ASSERT_TRUE(s().allow_binding(kImsi, kImei, "t"));
  EXPECT_EQ(s().store_kme(kImsi, kImei, key_of(1, 16), 1, "hss", {}).error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(s().store_kme(kImsi, kImei, key_of(1), 7, "hss", {}).error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(s().store_kme("001019999999999", kImei, key_of(1), 1, "hss", {}).error().code(),
            Code::kNotFound);
}

TEST_F(StoreTest, DenyBindingRevokesKmeButKeepsVersionCounting) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));
  ASSERT_TRUE(s().allow_binding(kImsi, kImei, "t"));
  ASSERT_EQ(*s().store_kme(kImsi, kImei, key_of(1), kKmeImported, "maker", {}), 1u);
  ASSERT_TRUE(s().deny_binding(kImsi, kImei, "t"));
  EXPECT_FALSE(s().get_kme(kImsi, kImei)->has_value());
  auto status = s().list_kme_status(kImsi, 10, std::nullopt);
  ASSERT_TRUE(status);
  ASSERT_EQ(status->size(), 1u);
  EXPECT_FALSE((*status)[0].present);
  EXPECT_EQ((*status)[0].version, 1u);
  EXPECT_EQ(*s().kme_version(kImsi, kImei), 1u);  // the counter outlives the revocation
  ASSERT_TRUE(s().allow_binding(kImsi, kImei, "t"));
  EXPECT_EQ(*s().store_kme(kImsi, kImei, key_of(2), kKmeProcedure1, "hss", 1u), 2u);
  EXPECT_EQ(*s().kme_version(kImsi, kImei), 2u);
  EXPECT_EQ(*s().kme_version(kImsi, kImei2), 0u);
}

TEST_F(StoreTest, KmeStatusNeverCarriesTheKeyAndNamesProcedureAndSource) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi)));
  ASSERT_TRUE(s().allow_binding(kImsi, kImei, "t"));
  ASSERT_TRUE(s().store_kme(kImsi, kImei, key_of(1), kKmeImported, "acme-factory", {}));
  auto status = s().list_kme_status(std::nullopt, 10, std::nullopt);
  ASSERT_TRUE(status);
  ASSERT_EQ(status->size(), 1u);
  EXPECT_EQ((*status)[0].imei, kImei);
  EXPECT_EQ((*status)[0].procedure, kKmeImported);
  EXPECT_EQ((*status)[0].source, "acme-factory");
  EXPECT_TRUE((*status)[0].present);
}

TEST_F(StoreTest, AuditRecordsEveryBindingAndKmeChange) {
  ASSERT_TRUE(s().add_subscriber(sample_subscriber(kImsi), "op1"));
  ASSERT_TRUE(s().allow_binding(kImsi, kImei, "op1"));
  ASSERT_TRUE(s().set_binding_mode(kImsi, BindingMode::kImeiCheck, "op2"));
  ASSERT_TRUE(s().store_kme(kImsi, kImei, key_of(1), kKmeProcedure1, "hss", {}));
  ASSERT_TRUE(s().request_kme_renewal(kImsi, "op3"));
  ASSERT_TRUE(s().deny_binding(kImsi, kImei, "op4"));
  ASSERT_TRUE(s().put_device(sample_device(kImei), "op5"));
  auto rows = s().list_audit(AuditQuery{std::nullopt, 0, 100});
  ASSERT_TRUE(rows);
  std::vector<std::string> actions;
  for (const auto& r : *rows) actions.push_back(r.actor + ":" + r.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"op1:subscriber-add", "op1:binding-allow",
                                               "op2:binding-mode", "hss:kme-store", "op3:kme-renew",
                                               "op4:binding-deny", "op5:device-put"}));
  EXPECT_EQ((*rows)[1].imei, kImei);
  EXPECT_EQ((*rows)[3].detail, "version 1, procedure 1");
  EXPECT_EQ((*rows)[3].source, "hss");
  EXPECT_EQ((*rows)[5].detail, "pair removed, its KME revoked");
  // Filter by IMSI and page by id.
  auto by_imsi = s().list_audit(AuditQuery{std::string(kImsi), (*rows)[2].id, 2});
  ASSERT_TRUE(by_imsi);
  ASSERT_EQ(by_imsi->size(), 2u);
  EXPECT_EQ((*by_imsi)[0].action, "kme-store");
}

TEST_F(StoreTest, SettingsPlainAndSealed) {
  ASSERT_TRUE(s().put_setting("import.public_key", Bytes{1, 2, 3}));
  EXPECT_EQ(**s().get_setting("import.public_key"), (Bytes{1, 2, 3}));
  EXPECT_FALSE(s().get_setting("missing")->has_value());
  ASSERT_TRUE(s().put_sealed_setting("import.private_key", key_of(9)));
  auto sealed = s().get_sealed_setting("import.private_key");
  ASSERT_TRUE(sealed && sealed->has_value());
  EXPECT_EQ(**sealed, key_of(9));
  EXPECT_EQ(s().put_setting("kmebind.key_check", Bytes{1}).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(s().put_setting("sealed.x", Bytes{1}).error().code(), Code::kInvalidArgument);
}

TEST(StoreOpenTest, DataSurvivesCloseAndReopen) {
  TempDir dir;
  const std::string path = dir.file("persist.db");
  {
    auto s = open_or_die(path);
    ASSERT_TRUE(s->add_subscriber(sample_subscriber(kImsi)));
    ASSERT_TRUE(s->allow_binding(kImsi, kImei, "t"));
    ASSERT_TRUE(s->put_device(sample_device(kImei)));
    ASSERT_TRUE(s->store_kme(kImsi, kImei, key_of(4), kKmeProcedure2, "hss", {}));
    ASSERT_TRUE(s->advance_sqn(kImsi, 32));
  }
  auto s = open_or_die("sqlite://" + path);
  EXPECT_EQ(s->get_subscriber(kImsi)->sqn, 64u);
  EXPECT_EQ(s->get_subscriber(kImsi)->k, key_of(1, 16));
  EXPECT_TRUE(*s->is_binding_allowed(kImsi, kImei));
  EXPECT_EQ(s->get_device(kImei)->enc_public_key, Bytes(32, 0x11));
  EXPECT_EQ((*s->get_kme(kImsi, kImei))->kme, key_of(4));
  EXPECT_EQ(s->schema_version(), kSchemaVersion);
}

// A store holds sealed keys and the audit trail: whoever creates it (admin init, demo, hss),
// the file and its WAL are owner-only, whatever the umask.
TEST(StoreOpenTest, NewStoreFileIsOwnerOnly) {
  TempDir dir;
  const std::string path = dir.file("new.db");
  const mode_t old_umask = ::umask(022);
  {
    auto s = open_or_die(path);
    ASSERT_TRUE(s->add_subscriber(sample_subscriber(kImsi)));
  }
  ::umask(old_umask);
  namespace fs = std::filesystem;
  const auto perms = fs::status(path).permissions();
  EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  EXPECT_NE(perms & fs::perms::owner_read, fs::perms::none);
}

TEST(StoreOpenTest, WrongMasterKeyIsRefusedWithClearError) {
  TempDir dir;
  const std::string path = dir.file("k.db");
  {
    auto s = open_or_die(path, 7);
    ASSERT_TRUE(s->add_subscriber(sample_subscriber(kImsi)));
  }
  auto wrong = open_store(path, key_of(8));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code(), Code::kCorruption);
  EXPECT_EQ(wrong.error().message(), "master key does not match this store");
  auto short_key = open_store(path, key_of(7, 16));
  ASSERT_FALSE(short_key);
  EXPECT_EQ(short_key.error().code(), Code::kInvalidArgument);
}

TEST(StoreOpenTest, LocationsAreParsed) {
  TempDir dir;
  // postgres:// goes to the PostgreSQL engine (no server on port 1: unavailable).
  auto pg = open_store("postgres://127.0.0.1:1/hss", key_of(1));
  ASSERT_FALSE(pg);
  EXPECT_EQ(pg.error().code(), Code::kUnavailable);
  EXPECT_NE(pg.error().message().find("cannot connect to PostgreSQL"), std::string::npos);
  EXPECT_EQ(open_store("mysql://x", key_of(1)).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(open_store("sqlite://", key_of(1)).error().code(), Code::kInvalidArgument);
  auto missing = open_store(dir.file("none.db"), key_of(1), StoreOptions{false, 5000, 8});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir.file("none.db")));
}

TEST(StoreOpenTest, NonDatabaseFileIsCorruption) {
  TempDir dir;
  const std::string path = dir.file("junk.db");
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string junk(4096, 'x');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  auto s = open_store(path, key_of(1));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kCorruption);
}

}  // namespace
}  // namespace kmebind::store
