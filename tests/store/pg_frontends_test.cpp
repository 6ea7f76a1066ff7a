// PostgreSQL engine with several HSS front-ends on one database (each its own store instance and
// connection pool): SQNs handed out concurrently never collide, and KME provisionings racing
// with expected versions (as the HSS runs them: read the version, then store with it) never lose
// or repeat a version, also while the binding is being denied and allowed again.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "pg_test_util.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::PgTestDatabase;
using testing::sample_subscriber;

constexpr const char* kImei = "35209900176148";
constexpr int kFrontEnds = 3;
constexpr int kThreadsEach = 2;

std::vector<std::unique_ptr<SubscriberStore>> front_ends(const std::string& url) {
  std::vector<std::unique_ptr<SubscriberStore>> out;
  for (int i = 0; i < kFrontEnds; ++i) {
    auto s = open_store(url, key_of(7));
    EXPECT_TRUE(s) << s.error().what();
    if (s) out.push_back(std::move(*s));
  }
  return out;
}

TEST(PgFrontEndsTest, SqnsFromSeveralFrontEndsNeverCollide) {
  PgTestDatabase db;
  ASSERT_TRUE(db.ok());
  auto fe = front_ends(db.url());
  ASSERT_EQ(fe.size(), static_cast<std::size_t>(kFrontEnds));
  const std::vector<std::string> imsis = {"001010000000001", "001010000000002"};
  for (const auto& imsi : imsis) ASSERT_TRUE(fe[0]->add_subscriber(sample_subscriber(imsi)));
  constexpr int kEach = 40;
  std::mutex mu;
  std::vector<std::set<std::uint64_t>> seen(imsis.size());
  std::atomic<int> duplicates{0}, failures{0};
  std::vector<std::thread> threads;
  for (int f = 0; f < kFrontEnds; ++f) {
    for (int t = 0; t < kThreadsEach; ++t) {
      threads.emplace_back([&, f, t] {
        for (int i = 0; i < kEach; ++i) {
          const std::size_t which = static_cast<std::size_t>(i + t) % imsis.size();
          auto v = fe[static_cast<std::size_t>(f)]->advance_sqn(imsis[which], 32);
          if (!v) {
            ++failures;
            continue;
          }
          std::lock_guard lock(mu);
          if (!seen[which].insert(*v).second) ++duplicates;
        }
      });
    }
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(duplicates.load(), 0);
  std::size_t total = 0;
  for (std::size_t i = 0; i < imsis.size(); ++i) {
    total += seen[i].size();
    EXPECT_EQ(fe[1]->get_subscriber(imsis[i])->sqn, 32u + 32u * seen[i].size());
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kFrontEnds * kThreadsEach * kEach));
}

TEST(PgFrontEndsTest, KmeVersionsFromSeveralFrontEndsAreNeverLostOrRepeated) {
  PgTestDatabase db;
  ASSERT_TRUE(db.ok());
  auto fe = front_ends(db.url());
  ASSERT_EQ(fe.size(), static_cast<std::size_t>(kFrontEnds));
  const std::string imsi = "001010000000001";
  ASSERT_TRUE(fe[0]->add_subscriber(sample_subscriber(imsi)));
  ASSERT_TRUE(fe[0]->allow_binding(imsi, kImei, "admin"));
  constexpr int kEach = 25;
  std::mutex mu;
  std::set<std::uint32_t> stored;
  std::atomic<int> repeated{0}, unexpected{0};
  std::atomic<bool> stop{false};
  // An operator denies and re-allows the pair meanwhile (each deny revokes the current KME).
  std::thread admin([&] {
    while (!stop) {
      (void)fe[0]->deny_binding(imsi, kImei, "admin");
      (void)fe[0]->allow_binding(imsi, kImei, "admin");
    }
  });
  std::vector<std::thread> threads;
  for (int f = 0; f < kFrontEnds; ++f) {
    for (int t = 0; t < kThreadsEach; ++t) {
      threads.emplace_back([&, f, t] {
        SubscriberStore& s = *fe[static_cast<std::size_t>(f)];
        for (int i = 0; i < kEach; ++i) {
          auto current = s.kme_version(imsi, kImei);
          if (!current) {
            ++unexpected;
            continue;
          }
          auto v = s.store_kme(imsi, kImei, key_of(static_cast<std::uint8_t>(16 * f + t)),
                               kKmeProcedure2, "hss-" + std::to_string(f), *current);
          if (v) {
            std::lock_guard lock(mu);
            if (*v != *current + 1 || !stored.insert(*v).second) ++repeated;
          } else if (v.error().code() != Code::kNotAllowed) {  // stale or pair denied: refused
            ++unexpected;
          }
        }
      });
    }
  }
  for (auto& th : threads) th.join();
  stop = true;
  admin.join();
  EXPECT_EQ(repeated.load(), 0);
  EXPECT_EQ(unexpected.load(), 0);
  ASSERT_FALSE(stored.empty());
  // Versions 1..N, each stored exactly once, and the counter says N.
  EXPECT_EQ(*stored.begin(), 1u);
  EXPECT_EQ(*stored.rbegin(), static_cast<std::uint32_t>(stored.size()));
  EXPECT_EQ(*fe[2]->kme_version(imsi, kImei), static_cast<std::uint32_t>(stored.size()));
  // Whatever the interleaving, a denied pair holds no KME and an allowed one the last stored.
  ASSERT_TRUE(fe[0]->allow_binding(imsi, kImei, "admin"));
  auto kme = fe[1]->get_kme(imsi, kImei);
  ASSERT_TRUE(kme);
  if (kme->has_value()) {
    EXPECT_EQ((*kme)->version, stored.size());
  }
  std::size_t store_rows = 0;
  for (std::int64_t after = 0;;) {
    AuditQuery q;
    q.after_id = after;
    q.limit = 1000;
    auto rows = fe[0]->list_audit(q);
    ASSERT_TRUE(rows);
    if (rows->empty()) break;
    for (const auto& r : *rows) store_rows += r.action == "kme-store" ? 1 : 0;
    after = rows->back().id;
  }
  EXPECT_EQ(store_rows, stored.size());
}

}  // namespace
}  // namespace kmebind::store
