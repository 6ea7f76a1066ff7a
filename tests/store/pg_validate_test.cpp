// PostgreSQL engine: the schema-3 CHECK on kme_records.kme_procedure (and the schema-4 one on
// kme_records.renewal_requested), added NOT VALID by the migration (schema.cpp), is validated by a
// later open — but that validation never keeps a store
// from opening: not while another process holds the table's SHARE UPDATE EXCLUSIVE lock (it is
// validating, or a VACUUM runs), and not because of a constraint an operator added NOT VALID.
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

// "t" / "f" for the named constraint of kme_records, "" when absent or the server cannot be asked.
std::string convalidated(const PgTestDatabase& db, const std::string& name) {
  PGconn* conn = PQconnectdb(db.url().c_str());
  std::string out;
  if (PQstatus(conn) == CONNECTION_OK) {
    const std::string sql = "SELECT convalidated FROM pg_constraint WHERE conname = '" + name +
                            "' AND conrelid = 'kme_records'::regclass";
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) out = PQgetvalue(r, 0, 0);
    PQclear(r);
  }
  PQfinish(conn);
  return out;
}

// The state a process leaves that committed the version-3 migration and died before validating.
constexpr const char* kUnvalidated =
    "ALTER TABLE kme_records DROP CONSTRAINT kme_records_kme_procedure_check, "
    "ADD CONSTRAINT kme_records_kme_procedure_check "
    "CHECK (kme_procedure IN ('1', '2', 'import', 'none')) NOT VALID";

TEST(PgValidateTest, OpenGoesOnWhileAnotherSessionHoldsTheLockTheValidationNeeds) {
  PgTestDatabase db;
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(open_store(db.url(), key_of(7)));
  ASSERT_EQ(db.exec(kUnvalidated), "");
  ASSERT_EQ(convalidated(db, "kme_records_kme_procedure_check"), "f");

  // Another process opening the store, validating the constraint meanwhile (or a VACUUM).
  PGconn* holder = PQconnectdb(db.url().c_str());
  ASSERT_EQ(PQstatus(holder), CONNECTION_OK) << PQerrorMessage(holder);
  PGresult* r = PQexec(holder, "BEGIN; LOCK TABLE kme_records IN SHARE UPDATE EXCLUSIVE MODE");
  ASSERT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(holder);
  PQclear(r);
  {
    auto s = open_store(db.url(), key_of(7), StoreOptions{true, 300, 2});
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_TRUE((*s)->add_subscriber(sample_subscriber(kImsi)));  // reads and writes go on
    EXPECT_EQ(convalidated(db, "kme_records_kme_procedure_check"), "f");
  }
  PQfinish(holder);  // its transaction ends, the lock with it

  ASSERT_TRUE(open_store(db.url(), key_of(7)));  // the next open validates
  EXPECT_EQ(convalidated(db, "kme_records_kme_procedure_check"), "t");
}

TEST(PgValidateTest, AConstraintAnOperatorAddedNotValidIsLeftAsItIs) {
  PgTestDatabase db;
  ASSERT_TRUE(db.ok());
  {
    auto s = open_store(db.url(), key_of(7));
    ASSERT_TRUE(s) << s.error().what();
    ASSERT_TRUE((*s)->add_subscriber(sample_subscriber(kImsi)));
  }
  ASSERT_EQ(db.exec("INSERT INTO kme_records VALUES ('" + std::string(kImsi) +
                    "', '35209900176150', 1, NULL, 1, 'none', 'hss')"),
            "");
  // A site's rule for rows written from now on, which the existing row breaks.
  ASSERT_EQ(db.exec("ALTER TABLE kme_records ADD CONSTRAINT site_rule CHECK (source <> 'hss') "
                    "NOT VALID"),
            "");
  auto s = open_store(db.url(), key_of(7));
  ASSERT_TRUE(s) << s.error().what();
  EXPECT_EQ(convalidated(db, "site_rule"), "f");
  EXPECT_EQ(convalidated(db, "kme_records_kme_procedure_check"), "t");
}

// docs/store.md: front-ends may share a database in schemas of their own (search_path in the URL);
// a schema name is case-sensitive when quoted, and the validation must find its table there too.
TEST(PgValidateTest, AStoreInAMixedCaseSchemaOpensAndIsValidated) {
  PgTestDatabase db;
  ASSERT_TRUE(db.ok());
  ASSERT_EQ(db.exec("CREATE SCHEMA \"Site2\""), "");
  const std::string url = db.url() + (db.url().find('?') == std::string::npos ? "?" : "&") +
                          "options=-csearch_path%3D%22Site2%22";
  {
    auto s = open_store(url, key_of(7));
    ASSERT_TRUE(s) << s.error().what();
  }
  ASSERT_EQ(db.exec("SET search_path = \"Site2\"; " + std::string(kUnvalidated)), "");
  auto s = open_store(url, key_of(7));
  ASSERT_TRUE(s) << s.error().what();
  EXPECT_EQ(db.exec("DO $$ BEGIN IF NOT (SELECT convalidated FROM pg_constraint WHERE conrelid = "
                    "'\"Site2\".kme_records'::regclass AND conname = "
                    "'kme_records_kme_procedure_check') THEN RAISE EXCEPTION 'not validated'; "
                    "END IF; END $$"),
            "");
}

// The version-4 CHECK on kme_records.renewal_requested, added NOT VALID with its column
// (schema.cpp), is validated by the open that migrates, or by a later one.
TEST(PgValidateTest, TheRenewalFlagCheckIsValidatedByTheOpen) {
  PgTestDatabase db;
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(open_store(db.url(), key_of(7)));
  EXPECT_EQ(convalidated(db, "kme_records_renewal_requested_check"), "t");
  ASSERT_EQ(db.exec("ALTER TABLE kme_records DROP CONSTRAINT kme_records_renewal_requested_check, "
                    "ADD CONSTRAINT kme_records_renewal_requested_check "
                    "CHECK (renewal_requested IN (0, 1)) NOT VALID"),
            "");
  ASSERT_EQ(convalidated(db, "kme_records_renewal_requested_check"), "f");
  ASSERT_TRUE(open_store(db.url(), key_of(7)));
  EXPECT_EQ(convalidated(db, "kme_records_renewal_requested_check"), "t");
}

}  // namespace
}  // namespace kmebind::store
