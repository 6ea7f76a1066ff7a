// Schema migrations: a version-1 store is upgraded in place with its data, a version-4 store gets
// its KME table rebuilt with its rows; a store newer than the binary, and a database that is not a
// kmebind store, are refused.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "store/key_wrap.h"
#include "store/schema.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using sqlite::Connection;
using sqlite::ConnectionOptions;
using testing::key_of;
using testing::TempDir;

constexpr const char* kImsi = "001010000000042";
constexpr const char* kImei = "35209900176148";

std::unique_ptr<Connection> raw(const std::string& path) {
  auto c = Connection::open(path, ConnectionOptions{});
  EXPECT_TRUE(c) << c.error().what();
  return std::move(*c);
}

// Builds a version-1 store by hand, as an old kmebind would have left it: the v1 tables, a key
// check value, one subscriber with a binding and a KME, and an audit row.
void make_v1_store(const std::string& path, const SecretBytes& master) {
  auto c = raw(path);
  ASSERT_TRUE(sqlite::migrate(*c, 1));
  ASSERT_EQ(*sqlite::read_schema_version(*c), 1);
  KeyWrap keys(master.clone());
  auto check = keys.make_key_check();
  auto k = keys.seal_k(kImsi, key_of(1, 16));
  auto opc = keys.seal_opc(kImsi, key_of(2, 16));
  auto kme = keys.seal_kme(kImsi, kImei, 3, key_of(3));
  ASSERT_TRUE(check && k && opc && kme);
  auto put = [&](const std::string& sql, const std::function<void(sqlite::Statement&)>& bind) {
    auto s = c->prepare(sql);
    ASSERT_TRUE(s) << s.error().what();
    bind(*s);
    auto st = s->run();
    ASSERT_TRUE(st) << st.error().what();
  };
  put("INSERT INTO meta (name, value) VALUES ('kmebind.key_check', ?)",
      [&](auto& s) { s.bind_blob(1, *check); });
  put("INSERT INTO subscribers VALUES (?, ?, ?, 32768, 96, 'kme-required', 1, 1, 0, 1, 1)",
      [&](auto& s) { s.bind_text(1, kImsi).bind_blob(2, *k).bind_blob(3, *opc); });
  put("INSERT INTO bindings VALUES (?, ?, 1)",
      [&](auto& s) { s.bind_text(1, kImsi).bind_text(2, kImei); });
  put("INSERT INTO kme_records VALUES (?, ?, 3, ?, 1, '2', 'hss')",
      [&](auto& s) { s.bind_text(1, kImsi).bind_text(2, kImei).bind_blob(3, *kme); });
  put("INSERT INTO audit (created_at, actor, action, imsi, imei, detail) "
      "VALUES (1, 'old', 'binding-allow', ?, ?, 'v1 row')",
      [&](auto& s) { s.bind_text(1, kImsi).bind_text(2, kImei); });
}

TEST(MigrationTest, VersionOneStoreIsUpgradedInPlaceKeepingItsData) {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  const SecretBytes master = key_of(7);
  make_v1_store(path, master);

  auto store = open_store(path, master.clone());
  ASSERT_TRUE(store) << store.error().what();
  EXPECT_EQ((*store)->schema_version(), kSchemaVersion);
  auto sub = (*store)->get_subscriber(kImsi);
  ASSERT_TRUE(sub) << sub.error().what();
  EXPECT_EQ(sub->k, key_of(1, 16));
  EXPECT_EQ(sub->sqn, 96u);
  EXPECT_TRUE(*(*store)->is_binding_allowed(kImsi, kImei));
  auto kme = (*store)->get_kme(kImsi, kImei);
  ASSERT_TRUE(kme && kme->has_value());
  EXPECT_EQ((*kme)->version, 3u);
  EXPECT_EQ((*kme)->kme, key_of(3));
  // The v2 column exists (old rows got the default) and the upgrade left an audit row.
  auto audit = (*store)->list_audit({});
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 5u);
  EXPECT_EQ((*audit)[0].detail, "v1 row");
  EXPECT_EQ((*audit)[0].source, "");
  EXPECT_EQ((*audit)[1].action, "schema-upgrade");
  EXPECT_EQ((*audit)[1].detail.substr(0, 6), "1 -> 2");
  EXPECT_EQ((*audit)[2].action, "schema-upgrade");
  EXPECT_EQ((*audit)[2].detail.substr(0, 6), "2 -> 3");
  EXPECT_EQ((*audit)[3].detail.substr(0, 6), "3 -> 4");
  EXPECT_EQ((*audit)[4].detail.substr(0, 6), "4 -> 5");
  // New writes use the v2 column.
  ASSERT_EQ(*(*store)->store_kme(kImsi, kImei, key_of(4), kKmeProcedure1, "hss", 3u), 4u);
  EXPECT_EQ((*(*store)->list_audit({}))[5].source, "hss");
}

TEST(MigrationTest, UpgradeIsRecordedOnceAndReopenIsANoOp) {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  make_v1_store(path, key_of(7));
  ASSERT_TRUE(open_store(path, key_of(7)));
  auto again = open_store(path, key_of(7));
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->list_audit({})->size(), 5u);  // v1 row, 1 -> 2, 2 -> 3, 3 -> 4, 4 -> 5
}

// Counts the opcodes of `sql` compiled on `c` that open a temporary table or index.
int temporary_tables(Connection& c, const std::string& sql) {
  auto s = c.prepare("EXPLAIN " + sql);
  EXPECT_TRUE(s) << s.error().what();
  if (!s) return -1;
  int n = 0;
  for (;;) {
    auto row = s->step();
    EXPECT_TRUE(row) << row.error().what();
    if (!row || !*row) return n;
    n += s->column_text(1) == "OpenEphemeral" ? 1 : 0;
  }
}

// Version 5 rebuilds kme_records (SQLite) so that its kme_procedure CHECK is comparisons: an
// IN list of four constants made SQLite build a temporary index at every KME stored.
TEST(MigrationTest, VersionFourKmeRecordsAreRebuiltWithTheirRowsAndCheckedWithoutATemporaryIndex) {
  TempDir dir;
  const std::string path = dir.file("v4.db");
  const SecretBytes master = key_of(7);
  make_v1_store(path, master);  // one subscriber, its pair, a KME at version 3
  const std::string insert =
      "INSERT INTO kme_records (imsi, imei, version, kme_sealed, stored_at, kme_procedure, source) "
      "VALUES ('001010000000042', '35209900176149', 1, NULL, 1, 'none', 'admin')";
  {
    auto c = raw(path);
    ASSERT_TRUE(sqlite::migrate(*c, 4));
    ASSERT_TRUE(c->exec(insert));
    ASSERT_TRUE(c->exec("UPDATE kme_records SET renewal_requested = 1 WHERE version = 3"));
    // A pair whose subscriber is gone, as a hand edit with foreign keys off leaves it.
    ASSERT_TRUE(c->exec(
        "PRAGMA foreign_keys=OFF; INSERT INTO kme_records (imsi, imei, version, kme_sealed, "
        "stored_at, kme_procedure, source) VALUES ('001010000000099', '35209900176148', 1, NULL, "
        "1, '1', 'hss'); PRAGMA foreign_keys=ON"));
    EXPECT_EQ(temporary_tables(*c, insert), 1);  // the version-4 CHECK's IN list
  }
  auto store = open_store(path, master.clone());
  ASSERT_TRUE(store) << store.error().what();
  EXPECT_EQ((*store)->schema_version(), kSchemaVersion);
  auto kme = (*store)->get_kme(kImsi, kImei);
  ASSERT_TRUE(kme && kme->has_value());
  EXPECT_EQ((*kme)->version, 3u);
  EXPECT_EQ((*kme)->kme, key_of(3));
  EXPECT_TRUE((*kme)->renewal_requested);
  EXPECT_EQ(*(*store)->kme_version(kImsi, "35209900176149"), 1u);
  EXPECT_TRUE((*store)->get_subscriber(kImsi)->kme_renewal_requested);
  store->reset();

  auto c = raw(path);
  EXPECT_EQ(temporary_tables(*c, insert), 0);
  auto rows = c->prepare("SELECT count(*) FROM kme_records");
  ASSERT_TRUE(rows && *rows->step());
  EXPECT_EQ(rows->column_int(0), 2);  // the orphan was not copied
  // Columns, defaults and the foreign key as version 4 had them.
  auto columns = c->prepare(
      "SELECT group_concat(name || ':' || type || ':' || \"notnull\" || ':' || "
      "coalesce(dflt_value, '-') || ':' || pk, ' ') FROM pragma_table_info('kme_records')");
  ASSERT_TRUE(columns && *columns->step());
  EXPECT_EQ(columns->column_text(0),
            "imsi:TEXT:1:-:1 imei:TEXT:1:-:2 version:BIGINT:1:-:0 kme_sealed:BLOB:0:-:0 "
            "stored_at:BIGINT:1:-:0 kme_procedure:TEXT:1:-:0 source:TEXT:1:-:0 "
            "renewal_requested:INTEGER:1:0:0");
  auto fk = c->prepare(
      "SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('kme_records')");
  ASSERT_TRUE(fk && *fk->step());
  EXPECT_EQ(fk->column_text(0), "subscribers");
  EXPECT_EQ(fk->column_text(1), "imsi");
  EXPECT_EQ(fk->column_text(2), "imsi");
  EXPECT_EQ(fk->column_text(3), "CASCADE");
  auto index = c->prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
      "name = 'kme_records_renewal_pending' AND tbl_name = 'kme_records'");
  ASSERT_TRUE(index && *index->step());
  EXPECT_EQ(index->column_int(0), 1);
  // The CHECK still takes exactly the four procedures.
  for (const char* procedure : {"1", "2", "import", "none", "x", "", "NONE"}) {
    SCOPED_TRACE(procedure);
    const bool known = std::string_view(procedure) == "1" || std::string_view(procedure) == "2" ||
                       std::string_view(procedure) == "import" ||
                       std::string_view(procedure) == "none";
    auto s = c->prepare(
        "INSERT INTO kme_records (imsi, imei, version, kme_sealed, stored_at, kme_procedure, "
        "source) VALUES ('001010000000042', '35209900176150', 1, NULL, 1, ?, 'admin')");
    ASSERT_TRUE(s);
    s->bind_text(1, procedure);
    EXPECT_EQ(static_cast<bool>(s->run()), known);
    ASSERT_TRUE(c->exec("DELETE FROM kme_records WHERE imei = '35209900176150'"));
  }
  auto check = c->prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check && *check->step());
  EXPECT_EQ(check->column_text(0), "ok");
}

TEST(MigrationTest, StoreNewerThanBinaryIsRefused) {
  TempDir dir;
  const std::string path = dir.file("future.db");
  ASSERT_TRUE(open_store(path, key_of(7)));
  {
    auto c = raw(path);
    ASSERT_TRUE(c->exec("UPDATE schema_version SET version = 99"));
  }
  auto s = open_store(path, key_of(7));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kCorruption);
  EXPECT_NE(s.error().message().find("schema version 99 is newer"), std::string::npos)
      << s.error().message();
}

TEST(MigrationTest, ForeignDatabaseIsNotTakenOver) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  {
    auto c = raw(path);
    ASSERT_TRUE(c->exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)"));
  }
  auto s = open_store(path, key_of(7));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kCorruption);
  auto c = raw(path);
  auto v = sqlite::read_schema_version(*c);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 0);  // nothing was created
}

TEST(MigrationTest, PostgresRenderingUsesItsTypes) {
  const auto steps = migrations(Dialect::kPostgres);
  ASSERT_EQ(steps.size(), static_cast<std::size_t>(kSchemaVersion));
  std::string all;
  for (const auto& m : steps) {
    for (const auto& sql : m.statements) all += sql + ";\n";
  }
  EXPECT_EQ(all.find("{"), std::string::npos);
  EXPECT_EQ(all.find("BLOB"), std::string::npos);
  EXPECT_NE(all.find("BYTEA"), std::string::npos);
  EXPECT_NE(all.find("GENERATED ALWAYS AS IDENTITY"), std::string::npos);
}

}  // namespace
}  // namespace kmebind::store
