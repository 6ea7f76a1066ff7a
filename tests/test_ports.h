// Loopback TCP ports for tests that start servers (daemons, freeDiameter cores) on 127.0.0.1.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace kmebind::test {

// The ports free_loopback_port() hands out: 20000-21023, below Linux's ephemeral range
// (32768-60999) and above the registered ports most services use. 1024 are plenty (a test process
// holds a handful, a whole test binary run as one process a few hundred) and bound the lock files
// in /tmp/kmebind-test-ports to 1024 empty files. scripts/pg-test-server.sh (`start DIR 0`) draws
// from the same range with the same locks; the ctest PostgreSQL server (tests/pg_fixture.cmake)
// takes one of 32000-32767, which nothing here hands out.
inline constexpr std::uint16_t kTestPortFirst = 20000;
inline constexpr std::uint16_t kTestPortCount = 1024;
inline constexpr const char* kTestPortLockDir = "/tmp/kmebind-test-ports";

// A TCP port on 127.0.0.1 that is free now and that no other test process will be given, or 0
// if 200 tries found none.
//
// Drawn from the range above: a port found with bind(0) is an ephemeral one, which an outgoing
// connection of a test running in parallel (ctest -j2) can take between the check and the
// server's own bind. And reserved across processes: the caller holds an exclusive flock on
// /tmp/kmebind-test-ports/<port> until it exits (the lock is inherited by forked children, not
// by exec'd ones: the file is opened O_CLOEXEC), so two test processes never pick the same port,
// and one process never gets the same port twice — before, a client of one test could reach the
// server of another (S6aLiveTls saw a second, undecryptable TLS connection). The lock files are
// never removed: unlinking one would let a process that opened it just before lock the removed
// file while a third creates and locks a new one for the same port. The sequence is seeded by
// the process id. The directory is made writable by every user (whoever runs the tests next) and
// the lock files readable by all (flock needs no write access); where no lock file can be had,
// the port is handed out unreserved (bind-checked).
inline std::uint16_t free_loopback_port() {
  static std::uint32_t state = static_cast<std::uint32_t>(::getpid()) * 2654435761u;
  static const std::string dir = [] {
    const std::string d = kTestPortLockDir;
    ::mkdir(d.c_str(), 01777);
    ::chmod(d.c_str(), 01777);  // mkdir's mode is narrowed by the umask; fails unless ours
    return d;
  }();
  for (int attempt = 0; attempt < 200; ++attempt) {
    state = state * 1103515245u + 12345u;
    const auto port = static_cast<std::uint16_t>(kTestPortFirst + (state >> 8) % kTestPortCount);
    const std::string lock_path = dir + "/" + std::to_string(port);
    const int lock = ::open(lock_path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    if (lock >= 0 && ::flock(lock, LOCK_EX | LOCK_NB) != 0) {  // another test process holds it
      ::close(lock);
      continue;
    }
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
      if (lock >= 0) ::close(lock);
      return 0;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const bool free = ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    if (free) return port;  // `lock` stays open (and locked) until the process exits
    if (lock >= 0) ::close(lock);
  }
  return 0;
}

}  // namespace kmebind::test
