// A small pool of SQLite connections to one database file: a thread borrows a connection for
// the length of one store call, so reads on different threads run in parallel (WAL).
// Connections are opened on demand up to the maximum; one left idle for longer than the idle
// timeout is closed when another is given back (the most recently returned is lent first, so
// after a burst the extra connections age at the far end), keeping at least one open. Each
// connection holds a page cache (about 2 MiB) and a file descriptor per database file, so a pool
// grown by one stall would otherwise keep them for the life of the process.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/idle_connections.h"
#include "store/sqlite_db.h"

namespace kmebind::store::sqlite {

class ConnectionPool {
 public:
  // A borrowed connection; returned to the pool on destruction.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) pool_->give_back(std::move(conn_));
    }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  static constexpr std::chrono::seconds kDefaultIdleTimeout{60};

  // REQUIRES: max_connections >= 1.
  ConnectionPool(std::string path, ConnectionOptions options, int max_connections,
                 std::chrono::milliseconds wait_timeout,
                 std::chrono::milliseconds idle_timeout = kDefaultIdleTimeout)
      : path_(std::move(path)),
        options_(options),
        max_(max_connections),
        wait_(wait_timeout),
        idle_timeout_(idle_timeout) {}

  // An idle connection, a new one while fewer than max are open, or the first one given back
  // within the wait timeout (kUnavailable after it).
  Result<Lease> acquire();
  // Puts an already opened connection (e.g. the one migrations ran on) into the idle list.
  void adopt(std::unique_ptr<Connection> conn);

  // Connections open now, idle or lent (for metrics and tests).
  int open_connections();

 private:
  void give_back(std::unique_ptr<Connection> conn);

  const std::string path_;
  const ConnectionOptions options_;
  const int max_;
  const std::chrono::milliseconds wait_;
  const std::chrono::milliseconds idle_timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  IdleConnections<Connection> idle_;
  int open_ = 0;  // connections created and not closed (idle or leased)
};

}  // namespace kmebind::store::sqlite
