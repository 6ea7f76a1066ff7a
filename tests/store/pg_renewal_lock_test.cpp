// PostgreSQL engine: request_kme_renewal locks the subscriber row only against its removal
// (FOR KEY SHARE), so it neither waits for nor blocks the HSS's SQN advance of an AIR of the same
// subscriber (an UPDATE of a non-key column, FOR NO KEY UPDATE), which FOR SHARE would.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <string>

#include "pg_test_util.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::PgTestDatabase;
using testing::sample_subscriber;

constexpr const char* kImsi = "001010000000001";
constexpr const char* kImei = "35209900176148";

TEST(PgRenewalLockTest, RenewalGoesOnWhileAnAirOfTheSubscriberHoldsItsRow) {
  PgTestDatabase db;
  ASSERT_TRUE(db.ok());
  // lock_timeout = busy_timeout: a renewal that waited for the row would fail within 300 ms.
  auto s = open_store(db.url(), key_of(7), StoreOptions{true, 300, 2});
  ASSERT_TRUE(s) << s.error().what();
  SubscriberStore& store = **s;
  ASSERT_TRUE(store.add_subscriber(sample_subscriber(kImsi)));
  ASSERT_TRUE(store.allow_binding(kImsi, kImei, "t"));
  ASSERT_TRUE(store.store_kme(kImsi, kImei, key_of(1), kKmeProcedure2, "hss", 0u));

  // An AIR's SQN advance in progress on another connection (advance_sqn's UPDATE, not committed).
  PGconn* air = PQconnectdb(db.url().c_str());
  ASSERT_EQ(PQstatus(air), CONNECTION_OK) << PQerrorMessage(air);
  PGresult* r = PQexec(air, (std::string("BEGIN; UPDATE subscribers SET sqn = sqn + 32 WHERE imsi = '") +
                             kImsi + "'")
                                .c_str());
  ASSERT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(air);
  PQclear(r);

  const Status renewed = store.request_kme_renewal(kImsi, "admin");
  EXPECT_TRUE(renewed) << renewed.error().what();
  PQfinish(air);  // rolled back

  auto kme = store.get_kme(kImsi, kImei);
  ASSERT_TRUE(kme && kme->has_value());
  EXPECT_TRUE((*kme)->renewal_requested);
}

}  // namespace
}  // namespace kmebind::store
