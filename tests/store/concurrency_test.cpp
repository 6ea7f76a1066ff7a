// Concurrency: advance_sqn is one atomic read-modify-write (no lost or repeated SQN across
// threads, nor across two store handles as two processes would have), and reads proceed while a
// writer holds the write lock.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::sample_subscriber;
using testing::TempDir;

constexpr const char* kImsi = "001010000000007";

void hammer(SubscriberStore& s, int calls, std::vector<std::uint64_t>& out, int& failures) {
  for (int i = 0; i < calls; ++i) {
    auto v = s.advance_sqn(kImsi, 32);
    if (v) {
      out.push_back(*v);
    } else {
      ++failures;
    }
  }
}

TEST(ConcurrencyTest, AdvanceSqnFromManyThreadsLosesNoIncrement) {
  TempDir dir;
  auto s = testing::open_or_die(dir.file("c.db"));
  ASSERT_TRUE(s->add_subscriber(sample_subscriber(kImsi)));  // sqn 32
  constexpr int kThreads = 6;
  constexpr int kCalls = 150;
  std::vector<std::vector<std::uint64_t>> seen(kThreads);
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { hammer(*s, kCalls, seen[t], failures[t]); });
  }
  for (auto& t : threads) t.join();
  std::set<std::uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0);
    EXPECT_TRUE(std::is_sorted(seen[t].begin(), seen[t].end()));  // each thread sees SQN grow
    all.insert(seen[t].begin(), seen[t].end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kCalls));  // no SQN handed out twice
  const std::uint64_t last = 32 + 32u * kThreads * kCalls;
  EXPECT_EQ(*all.rbegin(), last);
  EXPECT_EQ(s->get_subscriber(kImsi)->sqn, last);
}

TEST(ConcurrencyTest, AdvanceSqnThroughTwoHandlesLosesNoIncrement) {
  TempDir dir;
  const std::string path = dir.file("c2.db");
  auto a = testing::open_or_die(path);
  auto b = testing::open_or_die(path);
  ASSERT_TRUE(a->add_subscriber(sample_subscriber(kImsi)));
  constexpr int kCalls = 150;
  std::vector<std::vector<std::uint64_t>> seen(4);
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    SubscriberStore& s = t % 2 == 0 ? *a : *b;
    threads.emplace_back([&, t] { hammer(s, kCalls, seen[t], failures[t]); });
  }
  for (auto& t : threads) t.join();
  std::set<std::uint64_t> all;
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(failures[t], 0);
    all.insert(seen[t].begin(), seen[t].end());
  }
  EXPECT_EQ(all.size(), 4u * kCalls);
  EXPECT_EQ(a->get_subscriber(kImsi)->sqn, 32 + 32u * 4 * kCalls);
}

TEST(ConcurrencyTest, ReadsProceedWhileAWriterHoldsTheLock) {
  TempDir dir;
  auto s = open_store(dir.file("r.db"), key_of(7), StoreOptions{true, 300, 8});
  ASSERT_TRUE(s);
  SubscriberStore& store = **s;
  ASSERT_TRUE(store.add_subscriber(sample_subscriber(kImsi)));
  auto bulk = store.begin_bulk_import(BulkImportOptions{1000, "import", ""});
  ASSERT_TRUE(bulk);
  // The batch is open: the write lock is held until finish().
  ASSERT_TRUE((*bulk)->add_subscriber(sample_subscriber("001010000000008"), {}));
  // Were reads to wait for the writer, they would fail kUnavailable after the 300 ms timeout,
  // since the lock is held until finish() below.
  std::thread reader([&] {
    for (int i = 0; i < 50; ++i) {
      auto r = store.get_subscriber(kImsi);
      ASSERT_TRUE(r) << r.error().what();
      // Not committed yet: invisible to readers.
      EXPECT_EQ(store.get_subscriber("001010000000008").error().code(), Code::kNotFound);
    }
    // A second writer waits for the lock and gives up after the busy timeout, changing nothing.
    auto w = store.advance_sqn(kImsi, 32);
    ASSERT_FALSE(w);
    EXPECT_EQ(w.error().code(), Code::kUnavailable);
  });
  reader.join();
  ASSERT_TRUE((*bulk)->finish());
  EXPECT_TRUE(store.get_subscriber("001010000000008"));
  EXPECT_EQ(store.get_subscriber(kImsi)->sqn, 32u);
}

}  // namespace
}  // namespace kmebind::store
