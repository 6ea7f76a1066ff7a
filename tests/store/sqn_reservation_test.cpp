// SubscriberStore::reserve_sqn (subscriber_store.h; docs/store.md "The AIR's one store call"):
// SQNs reserved as advance_sqn reserves them, with the subscriber and — when asked for a
// KME-binding subscriber — its sole pair; on every engine (SQLite, PostgreSQL), each engine's
// own version and SubscriberStore's default (get_subscriber, advance_sqn, get_sole_pair) giving
// the same results.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <thread>
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
constexpr const char* kUnknownImsi = "001010000000009";
constexpr const char* kImei = "35209900176148";
constexpr const char* kImei2 = "35209900176149";
constexpr std::uint64_t kStep = 32;

template <class Engine>
class SqnReservationTest : public testing::EngineStoreTest<Engine> {
 protected:
  void add(BindingMode mode = BindingMode::kKmeRequired) {
    SubscriberRecord r = sample_subscriber(kImsi, 3);
    r.binding_mode = mode;
    auto st = this->store().add_subscriber(r);
    ASSERT_TRUE(st) << st.error().what();
  }
  void allow(const std::string& imei) {
    auto st = this->store().allow_binding(kImsi, imei, "admin");
    ASSERT_TRUE(st) << st.error().what();
  }
  // The engine's reserve_sqn, then SubscriberStore's default on the same database.
  std::vector<std::pair<const char*, SubscriberStore*>> reservers() {
    return both_.of(this->store());
  }
  std::uint64_t stored_sqn() {
    auto sub = this->store().get_subscriber(kImsi);
    EXPECT_TRUE(sub) << sub.error().what();
    return sub ? sub->sqn : 0;
  }

  testing::EngineAndDefault both_;
};

using testing::EngineNames;
using testing::Engines;
TYPED_TEST_SUITE(SqnReservationTest, Engines, EngineNames);

TYPED_TEST(SqnReservationTest, ReservesTheNextSqnsAndReturnsTheSubscriberAsItWasBefore) {
  this->add();
  std::uint64_t expected = 32;  // sample_subscriber's SQN
  for (auto [name, s] : this->reservers()) {
    SCOPED_TRACE(name);
    auto got = s->reserve_sqn(kImsi, kStep, /*with_sole_pair=*/false);
    ASSERT_TRUE(got) << got.error().what();
    EXPECT_EQ(got->subscriber.imsi, kImsi);
    EXPECT_EQ(got->subscriber.sqn, expected);
    EXPECT_EQ(got->last_sqn, expected + kStep);
    EXPECT_TRUE(got->subscriber.k == key_of(3, 16));  // unsealed
    EXPECT_TRUE(got->subscriber.opc == key_of(103, 16));
    EXPECT_EQ(got->subscriber.binding_mode, BindingMode::kKmeRequired);
    EXPECT_FALSE(got->sole_pair.has_value());  // not asked for
    EXPECT_TRUE(got->sole_pair_failure.empty());
    expected += kStep;
    EXPECT_EQ(this->stored_sqn(), expected);
  }
}

TYPED_TEST(SqnReservationTest, AKmeBindingSubscriberComesWithItsSolePair) {
  this->add();
  this->allow(kImei);
  ASSERT_TRUE(this->store().put_device(sample_device(kImei)));
  for (auto [name, s] : this->reservers()) {
    SCOPED_TRACE(name);
    auto got = s->reserve_sqn(kImsi, kStep, /*with_sole_pair=*/true);
    ASSERT_TRUE(got) << got.error().what();
    ASSERT_TRUE(got->sole_pair.has_value()) << got->sole_pair_failure;
    EXPECT_EQ(got->sole_pair->allowed_imeis, 1u);
    EXPECT_EQ(got->sole_pair->imei, kImei);
    ASSERT_TRUE(got->sole_pair->pair.has_value());
    EXPECT_TRUE(got->sole_pair->pair->binding_allowed);
    ASSERT_TRUE(got->sole_pair->pair->device.has_value());
    EXPECT_EQ(got->sole_pair->pair->device->imei, kImei);
    EXPECT_EQ(got->sole_pair->pair->kme_version, 0u);
  }
  this->allow(kImei2);
  for (auto [name, s] : this->reservers()) {
    SCOPED_TRACE(name);
    auto got = s->reserve_sqn(kImsi, kStep, /*with_sole_pair=*/true);
    ASSERT_TRUE(got) << got.error().what();
    ASSERT_TRUE(got->sole_pair.has_value()) << got->sole_pair_failure;
    EXPECT_EQ(got->sole_pair->allowed_imeis, 2u);
    EXPECT_FALSE(got->sole_pair->pair.has_value());
  }
}

// A pair that cannot be read (here its KME no longer unseals) costs the AIR its KME material, not
// its vectors: the SQNs stay reserved and the failure says why.
TYPED_TEST(SqnReservationTest, AnUnreadablePairIsReportedAndTheSqnsStayReserved) {
  this->add();
  this->allow(kImei);
  ASSERT_TRUE(this->store().put_device(sample_device(kImei)));
  auto stored = this->store().store_kme(kImsi, kImei, key_of(5), kKmeProcedure2, "hss", 0u);
  ASSERT_TRUE(stored) << stored.error().what();
  ASSERT_EQ(
      this->engine_.exec("UPDATE kme_records SET kme_sealed = " +
                         this->engine_.blob(Bytes(60, 0x5a)) + " WHERE imsi = '" + kImsi + "'"),
      "");
  std::uint64_t expected = 32;
  for (auto [name, s] : this->reservers()) {
    SCOPED_TRACE(name);
    auto got = s->reserve_sqn(kImsi, kStep, /*with_sole_pair=*/true);
    ASSERT_TRUE(got) << got.error().what();
    EXPECT_FALSE(got->sole_pair.has_value());
    EXPECT_FALSE(got->sole_pair_failure.empty());
    expected += kStep;
    EXPECT_EQ(got->last_sqn, expected);
    EXPECT_EQ(this->stored_sqn(), expected);
  }
}

TYPED_TEST(SqnReservationTest, OtherBindingModesReadNoPair) {
  this->add(BindingMode::kImeiCheck);
  this->allow(kImei);
  for (auto [name, s] : this->reservers()) {
    SCOPED_TRACE(name);
    auto got = s->reserve_sqn(kImsi, kStep, /*with_sole_pair=*/true);
    ASSERT_TRUE(got) << got.error().what();
    EXPECT_FALSE(got->sole_pair.has_value());
    EXPECT_TRUE(got->sole_pair_failure.empty());
  }
}

TYPED_TEST(SqnReservationTest, RefusalsChangeNothing) {
  this->add();
  SubscriberStore& s = this->store();
  const std::size_t audit_rows = s.list_audit({})->size();
  for (auto [name, r] : this->reservers()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(r->reserve_sqn(kUnknownImsi, kStep, true).error().code(), Code::kNotFound);
    EXPECT_EQ(r->reserve_sqn("0010", kStep, true).error().code(), Code::kInvalidArgument);
    EXPECT_EQ(r->reserve_sqn(kImsi, 0, true).error().code(), Code::kInvalidArgument);
    EXPECT_EQ(r->reserve_sqn(kImsi, kSqnMax + 1, true).error().code(), Code::kInvalidArgument);
    EXPECT_EQ(this->stored_sqn(), 32u);
  }
  EXPECT_EQ(s.get_subscriber(kUnknownImsi).error().code(), Code::kNotFound);
  ASSERT_TRUE(s.set_sqn(kImsi, kSqnMax - 10));
  for (auto [name, r] : this->reservers()) {
    SCOPED_TRACE(name);
    auto over = r->reserve_sqn(kImsi, 11, false);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code(), Code::kNotAllowed);
    EXPECT_EQ(this->stored_sqn(), kSqnMax - 10);
  }
  EXPECT_EQ(s.list_audit({})->size(), audit_rows);
}

// TS 33.102 Annex C.1.1.2: every vector gets a fresh SQN, whatever the concurrency — unknown
// IMSIs and exhausted SQN spaces among the callers included (on SQLite they share the write
// transactions, and an exhausted one makes the jobs before it in its batch run again).
TYPED_TEST(SqnReservationTest, ConcurrentCallersEachGetTheirOwnSqns) {
  this->add();
  SubscriberStore& s = this->store();
  constexpr const char* kExhaustedImsi = "001010000000002";
  ASSERT_TRUE(s.add_subscriber(sample_subscriber(kExhaustedImsi, 4)));
  ASSERT_TRUE(s.set_sqn(kExhaustedImsi, kSqnMax));
  std::atomic<int> exhausted{0};
  constexpr int kThreads = 6;
  constexpr int kEach = 40;
  std::vector<std::vector<std::uint64_t>> got(kThreads);
  std::atomic<int> failures{0};
  std::atomic<int> unknown{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (auto v = s.reserve_sqn(kImsi, kStep, true)) {
          got[static_cast<std::size_t>(t)].push_back(v->last_sqn);
        } else {
          ++failures;
        }
        if (s.reserve_sqn(kUnknownImsi, kStep, true).error().code() == Code::kNotFound) ++unknown;
        if (s.reserve_sqn(kExhaustedImsi, kStep, true).error().code() == Code::kNotAllowed) {
          ++exhausted;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(unknown.load(), kThreads * kEach);
  EXPECT_EQ(exhausted.load(), kThreads * kEach);
  EXPECT_EQ(s.get_subscriber(kExhaustedImsi)->sqn, kSqnMax);
  std::set<std::uint64_t> all;
  for (const auto& g : got) all.insert(g.begin(), g.end());
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(*all.rbegin(), 32u + kStep * kThreads * kEach);
  EXPECT_EQ(this->stored_sqn(), *all.rbegin());
}

}  // namespace
}  // namespace kmebind::store
