// SubscriberStore::get_sole_pair (subscriber_store.h; docs/store.md "The sole pair"): the
// subscription's binding count, up to two, and its one allowed pair as get_pair reads it — on
// every engine (SQLite, PostgreSQL), each engine's own version and SubscriberStore's default
// (list_bindings then get_pair) giving the same results.
#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

#include "counting_store.h"
#include "store_engines.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::sample_device;
using testing::sample_subscriber;

constexpr const char* kImsi = "001010000000001";
constexpr const char* kOtherImsi = "001010000000002";
constexpr const char* kImei = "35209900176148";
constexpr const char* kImei15 = "352099001761481";  // kImei with its check digit
constexpr const char* kImei2 = "35209900176149";
constexpr const char* kImei3 = "35209900176150";

template <class Engine>
class SolePairTest : public testing::EngineStoreTest<Engine> {
 protected:
  void add(const std::string& imsi) {
    auto st = this->store().add_subscriber(sample_subscriber(imsi, 3));
    ASSERT_TRUE(st) << st.error().what();
  }
  void allow(const std::string& imsi, const std::string& imei) {
    auto st = this->store().allow_binding(imsi, imei, "admin");
    ASSERT_TRUE(st) << st.error().what();
  }
  // The engine's get_sole_pair, then SubscriberStore's default on the same database.
  std::vector<std::pair<const char*, SubscriberStore*>> readers() {
    return both_.of(this->store());
  }
  static SolePair sole(SubscriberStore& s, const char* imsi) {
    auto got = s.get_sole_pair(imsi);
    EXPECT_TRUE(got) << got.error().what();
    return got ? std::move(*got) : SolePair{};
  }

  testing::EngineAndDefault both_;
};

using testing::EngineNames;
using testing::Engines;
TYPED_TEST_SUITE(SolePairTest, Engines, EngineNames);

TYPED_TEST(SolePairTest, TheOneAllowedImeiComesWithItsPairAsGetPairReadsIt) {
  this->add(kImsi);
  this->add(kOtherImsi);
  SubscriberStore& w = this->store();
  this->allow(kImsi, kImei15);  // stored and returned as 14 digits
  ASSERT_TRUE(w.put_device(sample_device(kImei)));
  this->allow(kOtherImsi, kImei2);  // another subscription's bindings do not count
  this->allow(kOtherImsi, kImei3);
  for (auto [name, s] : this->readers()) {
    SCOPED_TRACE(name);
    const SolePair got = this->sole(*s, kImsi);
    EXPECT_EQ(got.allowed_imeis, 1u);
    EXPECT_EQ(got.imei, kImei);
    ASSERT_TRUE(got.pair.has_value());
    const PairView& p = *got.pair;
    EXPECT_EQ(p.subscriber.imsi, kImsi);
    EXPECT_EQ(p.subscriber.binding_mode, BindingMode::kKmeRequired);
    EXPECT_TRUE(p.subscriber.procedure1_allowed);
    EXPECT_FALSE(p.subscriber.procedure2_allowed);
    EXPECT_EQ(p.subscriber.sqn, 32u);
    EXPECT_TRUE(p.subscriber.k.empty());
    EXPECT_TRUE(p.subscriber.opc.empty());
    EXPECT_TRUE(p.binding_allowed);
    ASSERT_TRUE(p.device.has_value());
    EXPECT_EQ(p.device->imei, kImei);
    EXPECT_EQ(p.device->enc_public_key, sample_device(kImei).enc_public_key);
    EXPECT_EQ(p.device->sig_public_key, sample_device(kImei).sig_public_key);
    EXPECT_EQ(p.device->sig_alg, SigAlgorithm::kEcdsaP256Sha256);
    EXPECT_FALSE(p.kme.has_value());
    EXPECT_EQ(p.kme_version, 0u);
  }

  ASSERT_EQ(*w.store_kme(kImsi, kImei, key_of(9), kKmeProcedure2, "hss", 0u), 1u);
  ASSERT_TRUE(w.request_kme_renewal(kImsi, "admin"));
  for (auto [name, s] : this->readers()) {
    SCOPED_TRACE(name);
    const SolePair got = this->sole(*s, kImsi);
    ASSERT_TRUE(got.pair && got.pair->kme);
    const KmeRecord& k = *got.pair->kme;
    EXPECT_EQ(k.imsi, kImsi);
    EXPECT_EQ(k.imei, kImei);
    EXPECT_EQ(k.kme, key_of(9));
    EXPECT_EQ(k.version, 1u);
    EXPECT_EQ(k.procedure, kKmeProcedure2);
    EXPECT_EQ(k.source, "hss");
    EXPECT_TRUE(k.renewal_requested);
    EXPECT_EQ(got.pair->kme_version, 1u);
    // As get_pair: the pair's renewal state is its KME's, the subscriber's flag is not read.
    EXPECT_FALSE(got.pair->subscriber.kme_renewal_requested);
    auto pair = s->get_pair(kImsi, kImei);
    ASSERT_TRUE(pair && pair->kme);
    EXPECT_EQ(pair->kme->stored_at_unix_s, k.stored_at_unix_s);
  }
}

TYPED_TEST(SolePairTest, NoAllowedImeiIsCountedZeroWithoutAPair) {
  this->add(kImsi);
  ASSERT_TRUE(this->store().put_device(sample_device(kImei)));
  for (auto [name, s] : this->readers()) {
    SCOPED_TRACE(name);
    const SolePair got = this->sole(*s, kImsi);
    EXPECT_EQ(got.allowed_imeis, 0u);
    EXPECT_EQ(got.imei, "");
    EXPECT_FALSE(got.pair.has_value());
  }
  this->allow(kImsi, kImei);
  ASSERT_TRUE(this->store().deny_binding(kImsi, kImei, "admin"));
  for (auto [name, s] : this->readers()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(this->sole(*s, kImsi).allowed_imeis, 0u);
  }
}

TYPED_TEST(SolePairTest, TwoOrMoreAllowedImeisAreCountedTwoWithoutAPair) {
  this->add(kImsi);
  this->allow(kImsi, kImei);
  this->allow(kImsi, kImei2);
  for (auto [name, s] : this->readers()) {
    SCOPED_TRACE(name);
    const SolePair got = this->sole(*s, kImsi);
    EXPECT_EQ(got.allowed_imeis, 2u);
    EXPECT_EQ(got.imei, "");
    EXPECT_FALSE(got.pair.has_value());
  }
  this->allow(kImsi, kImei3);
  for (auto [name, s] : this->readers()) {
    SCOPED_TRACE(name);
    const SolePair got = this->sole(*s, kImsi);
    EXPECT_EQ(got.allowed_imeis, 2u) << "counted up to two";
    EXPECT_FALSE(got.pair.has_value());
  }
  // Down to one again: the remaining IMEI, whichever it is in key order.
  ASSERT_TRUE(this->store().deny_binding(kImsi, kImei, "admin"));
  ASSERT_TRUE(this->store().deny_binding(kImsi, kImei3, "admin"));
  for (auto [name, s] : this->readers()) {
    SCOPED_TRACE(name);
    const SolePair got = this->sole(*s, kImsi);
    EXPECT_EQ(got.allowed_imeis, 1u);
    EXPECT_EQ(got.imei, kImei2);
    ASSERT_TRUE(got.pair.has_value());
    EXPECT_TRUE(got.pair->binding_allowed);
    EXPECT_FALSE(got.pair->device.has_value());
  }
}

TYPED_TEST(SolePairTest, ARevokedKmeLeavesThePairItsVersionCounter) {
  this->add(kImsi);
  SubscriberStore& w = this->store();
  this->allow(kImsi, kImei);
  ASSERT_TRUE(w.put_device(sample_device(kImei)));
  ASSERT_EQ(*w.store_kme(kImsi, kImei, key_of(9), kKmeProcedure1, "hss", 0u), 1u);
  ASSERT_TRUE(w.raise_kme_version(kImsi, kImei, 3, "admin"));  // revokes the KME
  for (auto [name, s] : this->readers()) {
    SCOPED_TRACE(name);
    const SolePair got = this->sole(*s, kImsi);
    ASSERT_TRUE(got.pair.has_value());
    EXPECT_TRUE(got.pair->binding_allowed);
    EXPECT_TRUE(got.pair->device.has_value());
    EXPECT_FALSE(got.pair->kme.has_value());
    EXPECT_EQ(got.pair->kme_version, 3u);
  }
}

TYPED_TEST(SolePairTest, AnAllowedImeiWithoutPublicKeysHasNoDevice) {
  this->add(kImsi);
  this->allow(kImsi, kImei);
  ASSERT_TRUE(this->store().put_device(sample_device(kImei2)));  // another device's keys
  for (auto [name, s] : this->readers()) {
    SCOPED_TRACE(name);
    const SolePair got = this->sole(*s, kImsi);
    EXPECT_EQ(got.allowed_imeis, 1u);
    EXPECT_EQ(got.imei, kImei);
    ASSERT_TRUE(got.pair.has_value());
    EXPECT_TRUE(got.pair->binding_allowed);
    EXPECT_FALSE(got.pair->device.has_value());
    EXPECT_FALSE(got.pair->kme.has_value());
    EXPECT_EQ(got.pair->kme_version, 0u);
  }
}

TYPED_TEST(SolePairTest, AnUnknownImsiIsNotFoundAndAMalformedOneInvalid) {
  this->add(kImsi);
  this->allow(kImsi, kImei);
  for (auto [name, s] : this->readers()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(s->get_sole_pair(kOtherImsi).error().code(), Code::kNotFound);
    EXPECT_EQ(s->get_sole_pair("0010").error().code(), Code::kInvalidArgument);
    EXPECT_EQ(s->get_sole_pair("00101000000000x").error().code(), Code::kInvalidArgument);
    EXPECT_EQ(s->get_sole_pair("").error().code(), Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace kmebind::store
