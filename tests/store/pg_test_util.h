// Test helpers for the PostgreSQL engine: the test server's URL (KMEBIND_TEST_PG_URL, set by the
// ctest fixture of tests/pg_fixture.cmake) and a fresh database per test, dropped afterwards, so
// tests may run in parallel. A missing URL fails the test (it never skips): run the tests through
// ctest, or start a server with scripts/pg-test-server.sh start DIR 0 and export the URL it prints.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <string>

namespace kmebind::store::testing {

// The server's URL, or "" after recording a test failure that says how to provide one.
inline std::string pg_server_url() {
  const char* url = std::getenv("KMEBIND_TEST_PG_URL");
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << "KMEBIND_TEST_PG_URL is not set: this test needs the PostgreSQL test server. "
                     "Run it through ctest (the kmebind_pg fixture starts the server), or run "
                     "scripts/pg-test-server.sh start DIR 0 and export KMEBIND_TEST_PG_URL=<the "
                     "URL it prints>";
    return "";
  }
  return url;
}

// `url` with its database name replaced by `dbname` (URL form postgresql://user@host:port/db).
inline std::string pg_url_with_database(const std::string& url, const std::string& dbname) {
  const std::size_t authority = url.find("://") + 3;
  const std::size_t query = std::min(url.find('?', authority), url.size());
  const std::size_t slash = std::min(url.find('/', authority), query);
  return url.substr(0, slash) + "/" + dbname + url.substr(query);
}

// Runs one SQL command on `url`; the error message, or "" when it succeeded.
inline std::string pg_exec(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, sql.c_str());
    const auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) error = PQerrorMessage(conn);
    PQclear(r);
  }
  PQfinish(conn);
  return error;
}

// A database of its own on the test server, dropped (connections and all) on destruction.
class PgTestDatabase {
 public:
  explicit PgTestDatabase(const std::string& server_url = pg_server_url()) : server_(server_url) {
    if (server_.empty()) return;
    static std::atomic<int> counter{0};
    std::random_device rd;
    name_ = "kmebind_t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
            std::to_string(rd() % 100000);
    const std::string error = pg_exec(server_, "CREATE DATABASE " + name_);
    if (!error.empty()) {
      ADD_FAILURE() << "cannot create test database " << name_ << ": " << error;
      name_.clear();
    }
  }
  ~PgTestDatabase() {
    if (!name_.empty())
      (void)pg_exec(server_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  bool ok() const { return !name_.empty(); }
  const std::string& name() const { return name_; }
  const std::string& server_url() const { return server_; }
  // The URL of this database ("" when it could not be made).
  std::string url() const { return name_.empty() ? "" : pg_url_with_database(server_, name_); }
  // Runs SQL on this database; "" when it succeeded.
  std::string exec(const std::string& sql) const { return pg_exec(url(), sql); }

 private:
  std::string server_;
  std::string name_;
};

}  // namespace kmebind::store::testing
