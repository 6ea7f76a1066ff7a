// Helpers for the net tests: waiting for another thread with a deadline, raw loopback sockets.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/bytes.h"
#include "common/log_limiter.h"

namespace kmebind::net::test {

// Shared state guarded by one mutex; wait() blocks until the predicate holds or 10 s pass.
// Declare it (and the state it guards) before the loop and components whose callbacks use it, so
// that those are destroyed first.
class Monitor {
 public:
  // Notifies under the lock: a waiter that wakes up may destroy the Monitor at once.
  template <class F>
  void update(F&& f) {
    std::lock_guard lock(mutex_);
    f();
    cv_.notify_all();
  }
  bool wait(const std::function<bool()>& predicate,
            std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, predicate);
  }
  template <class F>
  auto read(F&& f) {
    std::lock_guard lock(mutex_);
    return f();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
};

// A blocking TCP socket to 127.0.0.1:port; -1 on failure.
inline int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};  // no test blocks forever on a read
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

inline bool send_all(int fd, ByteView data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads until the peer closes (returns everything read) or the receive timeout hits.
inline std::string read_until_close(int fd, bool* closed = nullptr) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) {
      if (closed) *closed = true;
      return out;
    }
    if (n < 0) {
      if (closed) *closed = false;
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

// A loopback connection to `port` made while the process has no file descriptor left: the
// connection waits in the listener's backlog and each accept() fails with EMFILE for `hold`;
// then the descriptors are freed. Returns the connected socket (10 s read timeout), or -1.
inline int connect_while_out_of_descriptors(std::uint16_t port, std::chrono::milliseconds hold) {
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  if (client < 0) return -1;
  rlimit saved{};
  if (::getrlimit(RLIMIT_NOFILE, &saved) != 0) return -1;
  rlimit low = saved;
  low.rlim_cur = 512;  // a small table to fill
  if (::setrlimit(RLIMIT_NOFILE, &low) != 0) return -1;
  std::vector<int> filler;
  for (int fd; (fd = ::dup(client)) >= 0;) filler.push_back(fd);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected =
      ::connect(client, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  std::this_thread::sleep_for(hold);
  for (int fd : filler) ::close(fd);
  const bool restored = ::setrlimit(RLIMIT_NOFILE, &saved) == 0;
  if (!connected || !restored) {
    ::close(client);
    return -1;
  }
  timeval tv{10, 0};
  ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return client;
}

// Lines of limiter key `key` suppressed so far by the process's limiter (every window closed).
inline std::uint64_t suppressed_log_lines(std::string_view key) {
  std::uint64_t n = 0;
  for (const auto& summary :
       remote_log_limiter().drain(LogLimiter::Clock::now() + std::chrono::hours(1))) {
    if (summary.key == key) n += summary.suppressed;
  }
  return n;
}

}  // namespace kmebind::net::test
