// Internal to src/store: the idle connections of a pool (sqlite_pool, pg_pool) and the rule both
// follow — lend the most recently given back first, close those left idle beyond a timeout.
// Not thread-safe: the owning pool calls it under its mutex.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

namespace kmebind::store {

template <class Connection>
class IdleConnections {
 public:
  using Clock = std::chrono::steady_clock;

  bool empty() const { return idle_.empty(); }
  std::size_t size() const { return idle_.size(); }

  // REQUIRES: !empty(). The connection given back last.
  std::unique_ptr<Connection> take() {
    auto conn = std::move(idle_.back().conn);
    idle_.pop_back();
    return conn;
  }

  // Keeps `conn` (a new connection the pool adopts), trimming nothing.
  void add(std::unique_ptr<Connection> conn) { idle_.push_back({std::move(conn), Clock::now()}); }

  // Keeps `conn`, and moves every other connection idle for longer than `timeout` to `expired`
  // (to be closed once the pool's lock is released); returns how many it moved. The connection
  // just given back is never one of them, so a pool keeps at least one.
  std::size_t give_back(std::unique_ptr<Connection> conn, std::chrono::milliseconds timeout,
                        std::vector<std::unique_ptr<Connection>>& expired) {
    const auto now = Clock::now();
    idle_.push_back({std::move(conn), now});
    // The front is the connection given back longest ago.
    std::size_t n = 0;
    while (n + 1 < idle_.size() && now - idle_[n].since > timeout) ++n;
    for (std::size_t i = 0; i < n; ++i) expired.push_back(std::move(idle_[i].conn));
    idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(n));
    return n;
  }

  // Moves every idle connection to `out`.
  void take_all(std::vector<std::unique_ptr<Connection>>& out) {
    for (auto& i : idle_) out.push_back(std::move(i.conn));
    idle_.clear();
  }

 private:
  struct Idle {
    std::unique_ptr<Connection> conn;
    Clock::time_point since;
  };
  std::vector<Idle> idle_;  // back: the most recently given back, lent first
};

}  // namespace kmebind::store
