// SubscriberStore::request_pair_kme_renewal (the renewal mark a refused confirm of two racing
// provisionings puts on its own pair, docs/protocol.md §2 "Racing provisionings"), on every
// engine: it marks only the named pair, only while that pair holds a present, unmarked KME of the
// named version, and writes one "kme-renew" audit row exactly when it marks.
#include <gtest/gtest.h>

#include <string>

#include "store_engines.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::sample_subscriber;

constexpr const char* kImsi = "001010000000001";
constexpr const char* kImei1 = "35209900176148";
constexpr const char* kImei1With15 = "352099001761481";  // kImei1 with its check digit
constexpr const char* kImei2 = "35209900176149";

template <class Engine>
class PairRenewalTest : public testing::EngineStoreTest<Engine> {
 protected:
  void ok(const Status& st) { ASSERT_TRUE(st) << st.error().what(); }
  // kImsi with kImei1 and kImei2 allowed, each holding KME version 1.
  void two_pairs_with_kmes() {
    ok(this->store().add_subscriber(sample_subscriber(kImsi)));
    for (const char* imei : {kImei1, kImei2}) ok(this->store().allow_binding(kImsi, imei, "t"));
    ASSERT_EQ(*this->store().store_kme(kImsi, kImei1, key_of(1), kKmeProcedure2, "hss", 0u), 1u);
    ASSERT_EQ(*this->store().store_kme(kImsi, kImei2, key_of(2), kKmeProcedure2, "hss", 0u), 1u);
  }
  bool marked(const char* imei) {
    auto k = this->store().get_kme(kImsi, imei);
    EXPECT_TRUE(k) << k.error().what();
    return k && k->has_value() && (*k)->renewal_requested;
  }
  bool mark(const char* imei, std::uint32_t version) {
    auto r = this->store().request_pair_kme_renewal(kImsi, imei, version, "hss");
    EXPECT_TRUE(r) << r.error().what();
    return r && *r;
  }
  int renew_rows() {
    auto audit = this->store().list_audit(AuditQuery{std::nullopt, 0, 1000});
    EXPECT_TRUE(audit) << audit.error().what();
    int n = 0;
    if (audit) {
      for (const auto& a : *audit) {
        if (a.action == "kme-renew") {
          EXPECT_EQ(a.actor, "hss");
          EXPECT_EQ(a.imei, kImei1);
          ++n;
        }
      }
    }
    return n;
  }
};

using testing::EngineNames;
using testing::Engines;
TYPED_TEST_SUITE(PairRenewalTest, Engines, EngineNames);

TYPED_TEST(PairRenewalTest, MarksTheNamedPairOnlyAndAuditsIt) {
  this->two_pairs_with_kmes();
  EXPECT_TRUE(this->mark(kImei1With15, 1u));
  EXPECT_TRUE(this->marked(kImei1));
  EXPECT_FALSE(this->marked(kImei2)) << "the subscriber's other pair was marked";
  EXPECT_EQ(this->renew_rows(), 1);
  // Marked already: nothing more is written.
  EXPECT_FALSE(this->mark(kImei1, 1u));
  EXPECT_EQ(this->renew_rows(), 1);
}

TYPED_TEST(PairRenewalTest, MarksNothingOnceTheVersionMovedOnOrTheKmeWasRevoked) {
  this->two_pairs_with_kmes();
  ASSERT_EQ(*this->store().store_kme(kImsi, kImei1, key_of(3), kKmeProcedure2, "hss", 1u), 2u);
  EXPECT_FALSE(this->mark(kImei1, 1u)) << "version 2 was marked for a version-1 race";
  EXPECT_FALSE(this->marked(kImei1));
  auto raised = this->store().raise_kme_version(kImsi, kImei1, 2u, "admin");  // revokes v2
  ASSERT_TRUE(raised) << raised.error().what();
  EXPECT_FALSE(this->mark(kImei1, 2u));
  EXPECT_EQ(this->renew_rows(), 0);
}

TYPED_TEST(PairRenewalTest, RefusesAMalformedIdentifier) {
  this->two_pairs_with_kmes();
  auto r = this->store().request_pair_kme_renewal(kImsi, "3520990017614", 1u, "hss");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kmebind::store
