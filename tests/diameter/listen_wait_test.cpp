// FdCore::start waits until freeDiameter's server thread listens (src/diameter/listen_wait.h):
// a socket that is only bound does not count, one that listens does, on IPv4 and IPv6.
#include "diameter/listen_wait.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace kmebind::diameter::detail {
namespace {

using namespace std::chrono_literals;

// A TCP socket bound to an ephemeral loopback port, not yet listening.
struct BoundSocket {
  explicit BoundSocket(bool v6) {
    fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (v6) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_addr = in6addr_loopback;
      bound = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      bound = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    sockaddr_storage s{};
    socklen_t len = sizeof s;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&s), &len);
    port = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&s)->sin6_port
                    : reinterpret_cast<sockaddr_in*>(&s)->sin_port);
  }
  ~BoundSocket() { ::close(fd); }
  int fd = -1;
  bool bound = false;
  std::uint16_t port = 0;
};

TEST(ListenWait, ABoundSocketIsNotListeningUntilItListens) {
  BoundSocket s(false);
  ASSERT_TRUE(s.bound);
  ASSERT_TRUE(tcp_port_listening(s.port).has_value()) << "/proc/net/tcp is not readable here";
  EXPECT_FALSE(*tcp_port_listening(s.port));
  EXPECT_FALSE(wait_until_listening(s.port, 20ms));
  ASSERT_EQ(::listen(s.fd, 1), 0);
  EXPECT_TRUE(*tcp_port_listening(s.port));
  EXPECT_TRUE(wait_until_listening(s.port, 20ms));
}

TEST(ListenWait, AnIpv6ListenerCounts) {
  BoundSocket s(true);
  if (!s.bound) GTEST_SKIP() << "no IPv6 loopback on this machine";
  ASSERT_EQ(::listen(s.fd, 1), 0);
  EXPECT_TRUE(*tcp_port_listening(s.port));
}

TEST(ListenWait, WaitReturnsOnceAnotherThreadStartsListening) {
  BoundSocket s(false);
  ASSERT_TRUE(s.bound);
  std::thread later([&] {
    std::this_thread::sleep_for(50ms);
    ::listen(s.fd, 1);
  });
  EXPECT_TRUE(wait_until_listening(s.port, 5s));
  later.join();
}

}  // namespace
}  // namespace kmebind::diameter::detail
