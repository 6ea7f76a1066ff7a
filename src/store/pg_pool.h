// A pool of PostgreSQL connections to one database: a thread borrows a connection for the length
// of one store call. Connections are opened on demand (up to max), at most kMaxConnecting at a
// time: a burst of callers on a cold pool (start, or after a failover dropped every connection)
// waits for the connections already open instead of forking a backend each at once — on a loaded
// server 64 simultaneous logins outlasted the connect timeout (docs/performance-s6a.md
// "PostgreSQL"). Connections are dropped when they break (server restart, terminated backend): a
// broken one also drops the idle ones, which most likely share its fate, so the next call
// reconnects. One left idle for longer than the idle timeout is closed when another is given back
// (the most recently returned is lent first, so after a burst the extra connections age at the
// far end), keeping at least one open: each connection is a backend process on the server and a
// slot of its max_connections, which a pool grown by one stall would otherwise hold for the life
// of the process (docs/reliability.md "Soak"). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "store/idle_connections.h"
#include "store/pg_db.h"

namespace kmebind::store::pg {

class ConnectionPool {
 public:
  // A borrowed connection; returned to the pool on destruction (or closed if it broke or was left
  // inside a transaction).
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

  static constexpr int kMaxConnecting = 2;
  static constexpr std::chrono::seconds kDefaultIdleTimeout{60};

  // REQUIRES: max_connections >= 1.
  ConnectionPool(ConnectSettings settings, int max_connections,
                 std::chrono::milliseconds wait_timeout,
                 std::chrono::milliseconds idle_timeout = kDefaultIdleTimeout)
      : settings_(std::move(settings)),
        max_(max_connections),
        wait_(wait_timeout),
        idle_timeout_(idle_timeout) {}

  // An idle connection, a new one while fewer than max are open (and fewer than kMaxConnecting
  // are being opened), or the first one given back within the wait timeout (kUnavailable after
  // it, or when the server cannot be reached).
  Result<Lease> acquire();
  void adopt(std::unique_ptr<Connection> conn);
  const ConnectSettings& settings() const { return settings_; }
  // Connections open now (idle, leased or being opened).
  int open_connections() const {
    std::lock_guard lock(mu_);
    return open_;
  }
  // The most connections this pool was opening at one moment (observability and tests).
  int peak_connecting() const {
    std::lock_guard lock(mu_);
    return peak_connecting_;
  }

 private:
  void give_back(std::unique_ptr<Connection> conn);

  const ConnectSettings settings_;
  const int max_;
  const std::chrono::milliseconds wait_;
  const std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  IdleConnections<Connection> idle_;
  int open_ = 0;  // connections created and not closed (idle or leased), or being opened
  int connecting_ = 0;
  int peak_connecting_ = 0;
};

}  // namespace kmebind::store::pg
