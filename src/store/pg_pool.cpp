#include "store/pg_pool.h"

#include <algorithm>

namespace kmebind::store::pg {

Result<ConnectionPool::Lease> ConnectionPool::acquire() {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, wait_, [&] {
        return !idle_.empty() || (open_ < max_ && connecting_ < kMaxConnecting);
      })) {
    return fail(Code::kUnavailable, "store busy: no database connection free within " +
                                        std::to_string(wait_.count()) + " ms");
  }
  if (!idle_.empty()) {
    auto conn = idle_.take();
    return Lease(this, std::move(conn));
  }
  ++open_;
  peak_connecting_ = std::max(peak_connecting_, ++connecting_);
  lock.unlock();  // connecting takes a round trip or more: not under the pool lock
  auto conn = Connection::connect(settings_);
  {
    std::lock_guard relock(mu_);
    --connecting_;
    if (!conn) --open_;
    cv_.notify_all();  // a waiter may open the next one
  }
  if (!conn) return std::unexpected(conn.error());
  return Lease(this, std::move(*conn));
}

void ConnectionPool::adopt(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(mu_);
  ++open_;
  idle_.add(std::move(conn));
  cv_.notify_one();
}

void ConnectionPool::give_back(std::unique_ptr<Connection> conn) {
  std::vector<std::unique_ptr<Connection>> closing;  // closed outside the lock
  {
    std::lock_guard lock(mu_);
    if (conn->broken() || !conn->idle()) {
      closing.push_back(std::move(conn));
      if (closing.back()->broken()) {
        idle_.take_all(closing);
      }
    } else {
      idle_.give_back(std::move(conn), idle_timeout_, closing);
    }
    open_ -= static_cast<int>(closing.size());
    cv_.notify_all();
  }
}

}  // namespace kmebind::store::pg
