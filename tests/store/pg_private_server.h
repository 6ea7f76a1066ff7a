// A PostgreSQL server of a test's own, with server options of its choice (e.g. a small
// max_connections), started with scripts/pg-test-server.sh on a free port and removed when the
// object goes (if the test process dies, the script's watcher stops it). For tests that need what
// the shared fixture server (tests/pg_fixture.cmake) must not be given; each start costs an initdb
// (a second or two).
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "test_ports.h"

namespace kmebind::store::testing {

class PgPrivateServer {
 public:
  // `options`: postgres -c settings after the script's own ("-c max_connections=20").
  // Autovacuum is off: its workers would be counted among another role's sessions at random.
  explicit PgPrivateServer(const std::string& options) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("kmebind-pg-private-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    // A port reserved for this test process (test_ports.h), not the script's pick: the script
    // can only see whether someone listens, not which port another test is about to take.
    const std::uint16_t port = kmebind::test::free_loopback_port();
    if (script("start '" + dir_.string() + "' " + std::to_string(port),
               "KMEBIND_PG_TEST_OPTIONS='-c fsync=off -c full_page_writes=off -c autovacuum=off " +
                   options + "' ") != 0) {
      ADD_FAILURE() << "cannot start a private PostgreSQL server with " << kScript();
      return;
    }
    std::FILE* f = std::fopen((dir_ / "url").c_str(), "r");
    char buf[256] = {};
    if (f != nullptr && std::fgets(buf, sizeof buf, f) != nullptr) url_ = buf;
    if (f != nullptr) std::fclose(f);
    while (!url_.empty() && (url_.back() == '\n' || url_.back() == '\r')) url_.pop_back();
  }
  ~PgPrivateServer() {
    release_connections();
    (void)script("stop '" + dir_.string() + "'", "");
  }
  PgPrivateServer(const PgPrivateServer&) = delete;
  PgPrivateServer& operator=(const PgPrivateServer&) = delete;

  // postgresql://kmebind@127.0.0.1:PORT/postgres (a superuser), "" when the start failed.
  const std::string& url() const { return url_; }

  // Opens `n` more connections to `url` and keeps them until destruction (sessions of others).
  bool hold_connections(const std::string& url, int n) {
    for (int i = 0; i < n; ++i) {
      PGconn* c = PQconnectdb(url.c_str());
      if (PQstatus(c) != CONNECTION_OK) {
        ADD_FAILURE() << "connection " << i << ": " << PQerrorMessage(c);
        PQfinish(c);
        return false;
      }
      held_.push_back(c);
    }
    return true;
  }
  void release_connections() {
    for (PGconn* c : held_) PQfinish(c);
    held_.clear();
  }

 private:
  static std::string kScript() {
    return std::string(KMEBIND_TEST_VECTORS_DIR) + "/../../scripts/pg-test-server.sh";
  }
  static int script(const std::string& args, const std::string& env) {
    return std::system((env + "KMEBIND_PG_TEST_OWNER_PID=" + std::to_string(::getpid()) + " " +
                        kScript() + " " + args + " >/dev/null")
                           .c_str());
  }

  std::filesystem::path dir_;
  std::string url_;
  std::vector<PGconn*> held_;
};

}  // namespace kmebind::store::testing
