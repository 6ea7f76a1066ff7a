// The store engines the typed store tests run against (tests/store/store_contract_test.cpp,
// listing_test.cpp): SQLite (a file in a temporary directory) and PostgreSQL (a fresh database on
// the ctest fixture's server, tests/pg_fixture.cmake). Each names itself, says whether it is
// ready, gives the location open_store takes, and runs SQL or a migration outside the engine.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "pg_test_util.h"
#include "store/pg_store.h"
#include "store/schema.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace kmebind::store::testing {

struct SqliteEngine {
  static constexpr const char* kName = "sqlite";
  testing::TempDir dir;
  bool ready() const { return true; }
  std::string location() const { return dir.file("store.db"); }
  // Runs SQL on the store's database outside the engine; "" on success.
  std::string exec(const std::string& sql) const {
    auto c = sqlite::Connection::open(location(), sqlite::ConnectionOptions{});
    if (!c) return c.error().what();
    auto st = (*c)->exec(sql);
    return st ? "" : st.error().what();
  }
  std::string migrate_to(int version) const {
    auto c = sqlite::Connection::open(location(), sqlite::ConnectionOptions{});
    if (!c) return c.error().what();
    auto st = sqlite::migrate(**c, version);
    return st ? "" : st.error().what();
  }
  static std::string blob(ByteView b) { return "X'" + to_hex(b) + "'"; }
};

struct PostgresEngine {
  static constexpr const char* kName = "postgres";
  testing::PgTestDatabase db;
  bool ready() const { return db.ok(); }
  std::string location() const { return db.url(); }
  std::string exec(const std::string& sql) const { return db.exec(sql); }
  std::string migrate_to(int version) const {
    pg::ConnectSettings settings;
    settings.url = location();
    settings.redacted = location();
    auto c = pg::Connection::connect(settings);
    if (!c) return c.error().what();
    auto st = pg::migrate(**c, version);
    return st ? "" : st.error().what();
  }
  static std::string blob(ByteView b) { return "'\\x" + to_hex(b) + "'::bytea"; }
};

// The fixture of a typed store test: the engine, and the store opened on it under the test
// master key key_of(7) (or try_open's key and options) at first use of store(), and again after
// reopen(). Derived fixtures call the base's members through this-> (a dependent base).
template <class Engine>
class EngineStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(engine_.ready()) << "no database for this test"; }

  Result<std::unique_ptr<SubscriberStore>> try_open(std::uint8_t key_fill = 7,
                                                    StoreOptions options = {}) {
    return open_store(engine_.location(), key_of(key_fill), options);
  }
  SubscriberStore& store() {
    if (!store_) {
      auto s = try_open();
      EXPECT_TRUE(s) << s.error().what();
      if (s) store_ = std::move(*s);
    }
    return *store_;
  }
  void reopen() { store_.reset(); }

  Engine engine_;
  std::unique_ptr<SubscriberStore> store_;
};

struct EngineNames {
  template <class T>
  static std::string GetName(int) {
    return T::kName;
  }
};
// For TYPED_TEST_SUITE(Suite, Engines, EngineNames).
using Engines = ::testing::Types<SqliteEngine, PostgresEngine>;

}  // namespace kmebind::store::testing
