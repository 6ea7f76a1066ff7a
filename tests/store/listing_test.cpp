// Keyset paging of the store's listings (subscriber_store.h: list_subscribers, list_kme_status),
// run against both engines: SQLite (a file in a temporary directory) and PostgreSQL (a fresh
// database on the ctest fixture's server, tests/pg_fixture.cmake). Paging from the last key seen
// returns every row exactly once, in key order, whatever the page size. The SQLite plans of these
// listings are range reads of the primary keys (EXPLAIN QUERY PLAN).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "sqlite_explain.h"
#include "store/sqlite_db.h"
#include "store/sqlite_listings.h"
#include "store/sqlite_rows.h"
#include "store_engines.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::sample_subscriber;
using Pair = std::pair<std::string, std::string>;

// Subscribers added out of order; IMSIs of 6 to 15 digits, so that text order (not numeric
// order) is what both engines must agree on.
const std::vector<std::string> kImsis = {"001010000000007", "001011",          "001010000000002",
                                         "0010100000",      "001010000000010", "999999999999999",
                                         "001010000000001"};

// IMSI -> IMEIs with a KME. The second IMSI's IMEIs sort before the first's last IMEI, so a page
// that ends inside one IMSI and resumes in the next tells a row comparison from two separate ones.
const std::vector<std::pair<std::string, std::vector<std::string>>> kPairs = {
    {"001010000000001", {"35209900176148", "86000000000003", "99000000000001"}},
    {"001010000000002", {"11111111111111"}},
    {"001010000000003", {"35209900176149", "35693803564380"}},
};

template <class Engine>
class ListingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(engine_.ready()) << "no database for this test";
    auto s = open_store(engine_.location(), key_of(7));
    ASSERT_TRUE(s) << s.error().what();
    store_ = std::move(*s);
  }
  SubscriberStore& store() { return *store_; }

  void add_subscribers(const std::vector<std::string>& imsis) {
    for (const auto& imsi : imsis) {
      auto st = store().add_subscriber(sample_subscriber(imsi));
      ASSERT_TRUE(st) << imsi << ": " << st.error().what();
    }
  }
  // kPairs with a KME each (added IMSI by IMSI in reverse, IMEIs in reverse); the middle pair of
  // the last IMSI is revoked, which keeps its row in the listing.
  void add_kmes() {
    for (auto it = kPairs.rbegin(); it != kPairs.rend(); ++it) {
      ASSERT_TRUE(store().add_subscriber(sample_subscriber(it->first)));
      for (auto imei = it->second.rbegin(); imei != it->second.rend(); ++imei) {
        ASSERT_TRUE(store().allow_binding(it->first, *imei, "t"));
        auto v = store().store_kme(it->first, *imei, key_of(1), kKmeProcedure1, "hss", 0u);
        ASSERT_TRUE(v) << v.error().what();
      }
    }
    ASSERT_TRUE(store().deny_binding("001010000000003", "35209900176149", "t"));
  }
  static std::vector<Pair> all_pairs(const std::string& only_imsi = "") {
    std::vector<Pair> out;
    for (const auto& [imsi, imeis] : kPairs) {
      if (!only_imsi.empty() && imsi != only_imsi) continue;
      for (const auto& imei : imeis) out.emplace_back(imsi, imei);
    }
    return out;
  }

  // Pages through list_subscribers from the start, `page` at a time, as the admin CLI does.
  std::vector<std::string> page_subscribers(std::size_t page, std::size_t* calls) {
    std::vector<std::string> out;
    std::optional<std::string> after;
    for (*calls = 1;; ++*calls) {
      auto rows = store().list_subscribers(page, after);
      EXPECT_TRUE(rows) << rows.error().what();
      if (!rows) return out;
      EXPECT_LE(rows->size(), page);
      out.insert(out.end(), rows->begin(), rows->end());
      if (rows->size() < page) return out;
      after = rows->back();
    }
  }
  // Pages through list_kme_status(imsi) from the start, `page` at a time.
  std::vector<Pair> page_kmes(std::optional<std::string_view> imsi, std::size_t page,
                              std::size_t* calls) {
    std::vector<Pair> out;
    std::optional<PairKey> after;
    for (*calls = 1;; ++*calls) {
      auto rows = store().list_kme_status(imsi, page, after);
      EXPECT_TRUE(rows) << rows.error().what();
      if (!rows) return out;
      EXPECT_LE(rows->size(), page);
      for (const auto& k : *rows) out.emplace_back(k.imsi, k.imei);
      if (rows->size() < page) return out;
      after = PairKey{rows->back().imsi, rows->back().imei};
    }
  }

  Engine engine_;
  std::unique_ptr<SubscriberStore> store_;
};

using testing::EngineNames;
using testing::Engines;
TYPED_TEST_SUITE(ListingTest, Engines, EngineNames);

TYPED_TEST(ListingTest, SubscriberPagesReturnEveryImsiOnceInOrderForAnyPageSize) {
  this->add_subscribers(kImsis);
  std::vector<std::string> sorted = kImsis;
  std::sort(sorted.begin(), sorted.end());
  // 7 rows: pages of 1, 2 and 3 end on a short page; 7 is an exact multiple (then an empty page).
  for (std::size_t page : {1u, 2u, 3u, 7u, 100u}) {
    std::size_t calls = 0;
    EXPECT_EQ(this->page_subscribers(page, &calls), sorted) << "page size " << page;
    EXPECT_EQ(calls, sorted.size() / page + 1) << "page size " << page;
  }
}

TYPED_TEST(ListingTest, SubscriberListingResumesStrictlyAfterTheGivenImsi) {
  this->add_subscribers(kImsis);
  auto rows = this->store().list_subscribers(2, std::string_view("001010000000002"));
  ASSERT_TRUE(rows) << rows.error().what();
  EXPECT_EQ(*rows, (std::vector<std::string>{"001010000000007", "001010000000010"}));
  // A key that is not in the store resumes at the next one after it.
  rows = this->store().list_subscribers(10, std::string_view("001010000000008"));
  ASSERT_TRUE(rows);
  EXPECT_EQ(*rows, (std::vector<std::string>{"001010000000010", "001011", "999999999999999"}));
  rows = this->store().list_subscribers(10, std::string_view("999999999999999"));
  ASSERT_TRUE(rows);
  EXPECT_TRUE(rows->empty());
}

TYPED_TEST(ListingTest, EmptyStoreListsNothing) {
  std::size_t calls = 0;
  EXPECT_TRUE(this->page_subscribers(1, &calls).empty());
  EXPECT_EQ(calls, 1u);
  EXPECT_TRUE(this->page_kmes(std::nullopt, 1, &calls).empty());
  EXPECT_EQ(calls, 1u);
  EXPECT_TRUE(this->page_kmes("001010000000001", 2, &calls).empty());
  EXPECT_EQ(calls, 1u);
}

TYPED_TEST(ListingTest, KmePagesReturnEveryPairOnceInOrderAcrossImsiBoundaries) {
  this->add_kmes();
  const auto expected = this->all_pairs();  // 6 pairs, already in (IMSI, IMEI) order
  ASSERT_TRUE(std::is_sorted(expected.begin(), expected.end()));
  for (std::size_t page : {1u, 2u, 3u, 4u, 6u, 1000u}) {
    std::size_t calls = 0;
    EXPECT_EQ(this->page_kmes(std::nullopt, page, &calls), expected) << "page size " << page;
    EXPECT_EQ(calls, expected.size() / page + 1) << "page size " << page;
  }
  // The revoked pair is listed, marked.
  auto rows = this->store().list_kme_status(std::nullopt, 10, std::nullopt);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 6u);
  EXPECT_FALSE((*rows)[4].present);
  EXPECT_TRUE((*rows)[5].present);
}

TYPED_TEST(ListingTest, KmePagesOfOneImsiReturnOnlyItsPairsOnceInOrder) {
  this->add_kmes();
  for (const auto& [imsi, imeis] : kPairs) {
    for (std::size_t page : {1u, 2u, 3u}) {
      std::size_t calls = 0;
      EXPECT_EQ(this->page_kmes(imsi, page, &calls), this->all_pairs(imsi))
          << imsi << ", page size " << page;
      EXPECT_EQ(calls, imeis.size() / page + 1) << imsi << ", page size " << page;
    }
  }
  // An IMSI without KMEs (or absent) lists nothing.
  auto none = this->store().list_kme_status("001010000000009", 10, std::nullopt);
  ASSERT_TRUE(none) << none.error().what();
  EXPECT_TRUE(none->empty());
}

TYPED_TEST(ListingTest, KmeListingOfOneImsiHonoursAKeyFromAnotherImsi) {
  this->add_kmes();
  const std::string imsi = "001010000000002";
  // A key before the IMSI: all its pairs; after it: none; inside it: the rest.
  auto before =
      this->store().list_kme_status(imsi, 10, PairKey{"001010000000001", "99000000000001"});
  ASSERT_TRUE(before) << before.error().what();
  ASSERT_EQ(before->size(), 1u);
  EXPECT_EQ((*before)[0].imei, "11111111111111");
  auto beyond =
      this->store().list_kme_status(imsi, 10, PairKey{"001010000000003", "00000000000000"});
  ASSERT_TRUE(beyond);
  EXPECT_TRUE(beyond->empty());
  auto inside = this->store().list_kme_status("001010000000001", 10,
                                              PairKey{"001010000000001", "35209900176148"});
  ASSERT_TRUE(inside);
  ASSERT_EQ(inside->size(), 2u);
  EXPECT_EQ((*inside)[0].imei, "86000000000003");
}

TYPED_TEST(ListingTest, PairsAddedBehindTheCursorAreNotSeenAndNoneTwice) {
  this->add_kmes();
  auto first = this->store().list_kme_status(std::nullopt, 2, std::nullopt);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 2u);
  // Between pages: a pair before the cursor and one after it.
  ASSERT_TRUE(this->store().allow_binding("001010000000001", "10000000000000", "t"));
  ASSERT_TRUE(this->store().store_kme("001010000000001", "10000000000000", key_of(2),
                                      kKmeProcedure2, "hss", 0u));
  ASSERT_TRUE(this->store().allow_binding("001010000000002", "22222222222222", "t"));
  ASSERT_TRUE(this->store().store_kme("001010000000002", "22222222222222", key_of(3),
                                      kKmeProcedure2, "hss", 0u));
  auto rest = this->store().list_kme_status(std::nullopt, 100,
                                            PairKey{first->back().imsi, first->back().imei});
  ASSERT_TRUE(rest);
  std::vector<Pair> got;
  for (const auto& k : *rest) got.emplace_back(k.imsi, k.imei);
  EXPECT_EQ(got, (std::vector<Pair>{{"001010000000001", "99000000000001"},
                                    {"001010000000002", "11111111111111"},
                                    {"001010000000002", "22222222222222"},
                                    {"001010000000003", "35209900176149"},
                                    {"001010000000003", "35693803564380"}}));
}

TYPED_TEST(ListingTest, MalformedResumeKeysAreRefused) {
  this->add_kmes();
  auto bad_imsi = this->store().list_subscribers(10, std::string_view("00101x"));
  ASSERT_FALSE(bad_imsi);
  EXPECT_EQ(bad_imsi.error().code(), Code::kInvalidArgument);
  auto bad_pair_imsi =
      this->store().list_kme_status(std::nullopt, 10, PairKey{"12", "35209900176148"});
  ASSERT_FALSE(bad_pair_imsi);
  EXPECT_EQ(bad_pair_imsi.error().code(), Code::kInvalidArgument);
  auto bad_imei =
      this->store().list_kme_status(std::nullopt, 10, PairKey{"001010000000001", "123"});
  ASSERT_FALSE(bad_imei);
  EXPECT_EQ(bad_imei.error().code(), Code::kInvalidArgument);
  // A 15-digit IMEI (with its check digit) is the 14-digit key.
  auto luhn = this->store().list_kme_status(std::nullopt, 10,
                                            PairKey{"001010000000001", "352099001761481"});
  ASSERT_TRUE(luhn) << luhn.error().what();
  EXPECT_EQ(luhn->size(), 5u);
}

// The SQLite plan of each listing: every table is read by a SEARCH of an index (a range or an
// equality on the primary key), never a SCAN (which reads from the first row on, whatever the
// page), and no temporary B-tree sorts the rows (the index gives the order, so LIMIT stops early).
std::vector<std::string> sqlite_plan(const std::string& path, std::string_view sql) {
  return testing::sqlite_explain(path, "EXPLAIN QUERY PLAN ", sql, 3);
}

TEST(SqliteListingPlan, ListingsSearchThePrimaryKeysWithoutScanOrSort) {
  testing::TempDir dir;
  const std::string path = dir.file("store.db");
  ASSERT_TRUE(testing::open_or_die(path));
  for (std::string_view sql : {sqlite::listing_sql::kSubscribers, sqlite::listing_sql::kKmeStatus,
                               sqlite::listing_sql::kKmeStatusOfImsi}) {
    const auto plan = sqlite_plan(path, sql);
    ASSERT_FALSE(plan.empty()) << sql;
    for (const auto& step : plan) {
      EXPECT_TRUE(step.starts_with("SEARCH ")) << sql << "\n  plan step: " << step;
      EXPECT_NE(step.find(" INDEX sqlite_autoindex_"), std::string::npos) << step;
      EXPECT_EQ(step.find("TEMP B-TREE"), std::string::npos) << sql << "\n  plan step: " << step;
    }
  }
}

// Every AIR and ULR reads the subscriber, whose derived renewal state (some pair pending) is an
// EXISTS over kme_records: the partial index of schema 4 answers it without visiting the
// subscriber's KME rows (a review measured 9.4 µs per read without it, 6.0 µs with it).
TEST(SqliteSubscriberPlan, TheSubscriberReadFindsPendingRenewalsThroughThePartialIndex) {
  testing::TempDir dir;
  const std::string path = dir.file("store.db");
  ASSERT_TRUE(testing::open_or_die(path));
  const auto plan = sqlite_plan(path, "SELECT " + std::string(sqlite::kSubscriberColumns) +
                                          " FROM subscribers s WHERE s.imsi = ?1");
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_TRUE(plan[0].starts_with("SEARCH s ")) << plan[0];
  EXPECT_EQ(plan[2], "SEARCH r USING INDEX kme_records_renewal_pending (imsi=?)");
}

// The query that OFFSET paging used fails the same check: the test tells the two apart.
TEST(SqliteListingPlan, TheOffsetQueryWithAnOptionalFilterScans) {
  testing::TempDir dir;
  const std::string path = dir.file("store.db");
  ASSERT_TRUE(testing::open_or_die(path));
  const auto plan =
      sqlite_plan(path,
                  "SELECT k.imsi FROM kme_records k JOIN subscribers s ON s.imsi = k.imsi "
                  "WHERE (?1 IS NULL OR k.imsi = ?1) ORDER BY k.imsi, k.imei LIMIT ?2 OFFSET ?3");
  ASSERT_FALSE(plan.empty());
  EXPECT_TRUE(plan[0].starts_with("SCAN k")) << plan[0];
}

}  // namespace
}  // namespace kmebind::store
