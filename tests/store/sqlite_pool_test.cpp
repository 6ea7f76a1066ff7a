// sqlite::ConnectionPool (src/store/sqlite_pool.h): connections opened on demand, lent most
// recently returned first, and closed once idle beyond the idle timeout, so that a pool grown by
// one burst gives its page caches and descriptors back.
#include "store/sqlite_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "store_test_util.h"

namespace kmebind::store {
namespace {

using namespace std::chrono_literals;
using sqlite::ConnectionOptions;
using sqlite::ConnectionPool;
using testing::TempDir;

// Borrows `n` connections at once (the pool must open n), then returns them all.
void burst(ConnectionPool& pool, int n) {
  std::vector<ConnectionPool::Lease> leases;
  for (int i = 0; i < n; ++i) {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease) << lease.error().what();
    leases.push_back(std::move(*lease));
  }
}

TEST(SqlitePool, ConnectionsIdleBeyondTheTimeoutAreClosedWhenOneIsGivenBack) {
  TempDir dir;
  ConnectionPool pool{dir.file("p.db"), ConnectionOptions{}, 8, 5000ms, 50ms};
  burst(pool, 5);
  EXPECT_EQ(pool.open_connections(), 5);
  std::this_thread::sleep_for(120ms);
  {
    auto lease = pool.acquire();  // the most recently returned; the other four are stale
    ASSERT_TRUE(lease);
  }
  EXPECT_EQ(pool.open_connections(), 1);
  burst(pool, 3);  // opens again on demand
  EXPECT_EQ(pool.open_connections(), 3);
}

TEST(SqlitePool, ConnectionsInUseWithinTheTimeoutStayOpen) {
  TempDir dir;
  ConnectionPool pool{dir.file("p.db"), ConnectionOptions{}, 8, 5000ms, 60000ms};
  burst(pool, 5);
  for (int i = 0; i < 10; ++i) {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease);
  }
  EXPECT_EQ(pool.open_connections(), 5);
}

TEST(SqlitePool, AtLeastOneConnectionStaysOpenHoweverLongItIdles) {
  TempDir dir;
  ConnectionPool pool{dir.file("p.db"), ConnectionOptions{}, 8, 5000ms, 1ms};
  burst(pool, 1);
  std::this_thread::sleep_for(20ms);
  burst(pool, 1);
  EXPECT_EQ(pool.open_connections(), 1);
}

TEST(SqlitePool, WaiterGetsAConnectionWhenTheFullPoolGivesOneBack) {
  TempDir dir;
  ConnectionPool pool{dir.file("p.db"), ConnectionOptions{}, 2, 5000ms, 1ms};
  std::optional<ConnectionPool::Lease> a, b;
  {
    auto la = pool.acquire();
    auto lb = pool.acquire();
    ASSERT_TRUE(la && lb);
    a.emplace(std::move(*la));
    b.emplace(std::move(*lb));
  }
  std::thread waiter([&] { EXPECT_TRUE(pool.acquire()); });
  std::this_thread::sleep_for(20ms);
  a.reset();  // given back (and maybe the older idle one trimmed): the waiter proceeds
  waiter.join();
  b.reset();
  EXPECT_LE(pool.open_connections(), 2);
  EXPECT_GE(pool.open_connections(), 1);
}

}  // namespace
}  // namespace kmebind::store
