#include "store/sqlite_pool.h"

namespace kmebind::store::sqlite {

Result<ConnectionPool::Lease> ConnectionPool::acquire() {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < max_; })) {
    return fail(Code::kUnavailable, "store busy: no database connection free within " +
                                        std::to_string(wait_.count()) + " ms");
  }
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back().conn);
    idle_.pop_back();
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
  idle_.push_back({std::move(conn), Clock::now()});
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
    const auto now = Clock::now();
    idle_.push_back({std::move(conn), now});
    // The front is the connection given back longest ago; the one just given back stays.
    std::size_t n = 0;
    while (n + 1 < idle_.size() && now - idle_[n].since > idle_timeout_) ++n;
    for (std::size_t i = 0; i < n; ++i) expired.push_back(std::move(idle_[i].conn));
    idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(n));
    open_ -= static_cast<int>(n);
    if (n == 0) {
      cv_.notify_one();
    } else {
      cv_.notify_all();  // waiters may now open connections as well as take this one
    }
  }
}

}  // namespace kmebind::store::sqlite
