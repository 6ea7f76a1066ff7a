#include "store/sqlite_pool.h"

namespace kmebind::store::sqlite {

Result<ConnectionPool::Lease> ConnectionPool::acquire() {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < max_; })) {
    return fail(Code::kUnavailable, "store busy: no database connection free within " +
                                        std::to_string(wait_.count()) + " ms");
  }
  if (!idle_.empty()) {
    auto conn = idle_.take();
    return Lease(this, std::move(conn));
  }
  ++open_;
  lock.unlock();  // opening a file does not need the pool lock
  auto conn = Connection::open(path_, options_);
  if (!conn) {
    std::lock_guard relock(mu_);
    --open_;
    cv_.notify_one();
    return std::unexpected(conn.error());
  }
  return Lease(this, std::move(*conn));
}

void ConnectionPool::adopt(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(mu_);
  ++open_;
  idle_.add(std::move(conn));
  cv_.notify_one();
}

int ConnectionPool::open_connections() {
  std::lock_guard lock(mu_);
  return open_;
}

void ConnectionPool::give_back(std::unique_ptr<Connection> conn) {
  std::vector<std::unique_ptr<Connection>> expired;  // closed after the lock is released
  {
    std::lock_guard lock(mu_);
    const std::size_t n = idle_.give_back(std::move(conn), idle_timeout_, expired);
    open_ -= static_cast<int>(n);
    if (n == 0) {
      cv_.notify_one();
    } else {
      cv_.notify_all();  // waiters may now open connections as well as take this one
    }
  }
}

}  // namespace kmebind::store::sqlite
