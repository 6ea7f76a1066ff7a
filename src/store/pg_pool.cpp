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
    auto conn = std::move(idle_.back().conn);
    idle_.pop_back();
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
  idle_.push_back({std::move(conn), Clock::now()});
  cv_.notify_one();
}

void ConnectionPool::give_back(std::unique_ptr<Connection> conn) {
  std::vector<std::unique_ptr<Connection>> closing;  // closed outside the lock
  {
    std::lock_guard lock(mu_);
    if (conn->broken() || !conn->idle()) {
      closing.push_back(std::move(conn));
      if (closing.back()->broken()) {
        for (auto& c : idle_) closing.push_back(std::move(c.conn));
        idle_.clear();
      }
    } else {
      const auto now = Clock::now();
      idle_.push_back({std::move(conn), now});
      // The front is the connection given back longest ago; the one just given back stays.
      std::size_t n = 0;
      while (n + 1 < idle_.size() && now - idle_[n].since > idle_timeout_) ++n;
      for (std::size_t i = 0; i < n; ++i) closing.push_back(std::move(idle_[i].conn));
      idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    open_ -= static_cast<int>(closing.size());
    cv_.notify_all();
  }
}

}  // namespace kmebind::store::pg
