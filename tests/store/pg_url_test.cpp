// PostgreSQL locations in messages: the password of the URL never appears in an error.
#include <gtest/gtest.h>

#include "pg_test_util.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;

TEST(PgUrlTest, RedactionHidesUserinfoAndParameterPasswords) {
  EXPECT_EQ(redact_location("postgresql://hss:s3cret@db.example:5432/kmebind"),
            "postgresql://hss:***@db.example:5432/kmebind");
  EXPECT_EQ(redact_location("postgres://hss:p%40ss@db1,db2/kmebind?sslmode=require"),
            "postgres://hss:***@db1,db2/kmebind?sslmode=require");
  EXPECT_EQ(redact_location("postgresql://hss@db/kmebind?password=s3cret&sslmode=verify-full"),
            "postgresql://hss@db/kmebind?password=***&sslmode=verify-full");
  EXPECT_EQ(redact_location("postgresql://db/kmebind?sslmode=require&password=s3cret"),
            "postgresql://db/kmebind?sslmode=require&password=***");
  EXPECT_EQ(redact_location("postgresql://hss@db:5432/kmebind"),
            "postgresql://hss@db:5432/kmebind");
  EXPECT_EQ(redact_location("/var/lib/kmebind/kmebind.db"), "/var/lib/kmebind/kmebind.db");
}

TEST(PgUrlTest, UnreachableServerErrorNamesTheRedactedLocation) {
  auto s =
      open_store("postgresql://hss:TopSecret1@127.0.0.1:1/kmebind?password=TopSecret2", key_of(7));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kUnavailable);
  EXPECT_EQ(s.error().message().find("TopSecret"), std::string::npos) << s.error().message();
  EXPECT_NE(s.error().message().find("postgresql://hss:***@127.0.0.1:1/kmebind"), std::string::npos)
      << s.error().message();
}

TEST(PgUrlTest, ServerSideErrorsDoNotEchoThePassword) {
  const std::string server = testing::pg_server_url();
  ASSERT_FALSE(server.empty());
  // postgresql://kmebind@host:port/postgres -> with a password and a database that does not exist.
  std::string url = testing::pg_url_with_database(server, "no_such_database_kmebind");
  url.replace(url.find("kmebind@"), 8, "kmebind:TopSecret3@");
  auto s = open_store(url, key_of(7));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message().find("TopSecret"), std::string::npos) << s.error().message();
  EXPECT_NE(s.error().message().find("no_such_database_kmebind"), std::string::npos)
      << s.error().message();
}

}  // namespace
}  // namespace kmebind::store
