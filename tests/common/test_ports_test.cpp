// tests/test_ports.h: a port free_loopback_port hands out is one of its 1024 below the ephemeral
// range, is reserved against every other test process — even one drawing the very same sequence —
// until the process exits, is never handed to the same process twice, and the reservation works
// for whichever user runs the tests, not only for the one who ran them first.
#include "test_ports.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>

namespace kmebind::test {
namespace {

// Runs `body` in a forked child (after a byte arrives on `go_fd`, if given); the read end of the
// pipe its int result comes back on, or -1.
template <typename Body>
int in_child(Body body, int go_fd = -1) {
  int out[2];
  if (::pipe(out) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::close(out[0]);
    if (go_fd >= 0) {
      char c;
      if (::read(go_fd, &c, 1) != 1) ::_exit(1);
    }
    const int value = body();
    const bool sent = ::write(out[1], &value, sizeof value) == sizeof value;
    ::_exit(sent ? 0 : 1);
  }
  ::close(out[1]);
  return out[0];  // the read end; read_result reads it and reaps the child
}

int read_result(int fd) {
  int value = -1;
  if (::read(fd, &value, sizeof value) != sizeof value) value = -1;
  ::close(fd);
  int status = 0;
  while (::waitpid(-1, &status, 0) > 0) {
  }
  return value;
}

TEST(TestPortsTest, AProcessDrawingTheSameSequenceDoesNotGetAReservedPort) {
  ASSERT_NE(free_loopback_port(), 0);  // seeds the sequence; a forked child continues it
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  const int result = in_child([] { return static_cast<int>(free_loopback_port()); }, go[0]);
  ASSERT_GE(result, 0);
  const std::uint16_t mine = free_loopback_port();  // the child's next draw would be this one
  ASSERT_NE(mine, 0);
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  const int theirs = read_result(result);
  ::close(go[0]);
  ::close(go[1]);
  EXPECT_NE(theirs, 0);
  EXPECT_NE(theirs, static_cast<int>(mine));
}

TEST(TestPortsTest, ReservationsWorkForAnotherUser) {
  ASSERT_NE(free_loopback_port(), 0);
  struct stat st {};
  ASSERT_EQ(::stat("/tmp/kmebind-test-ports", &st), 0);
  if (st.st_uid == ::getuid()) {
    EXPECT_EQ(st.st_mode & 07777, 01777u);
  }
  if (::geteuid() != 0) GTEST_SKIP() << "the other user is played by root dropping to nobody";
  const int fd = in_child([] {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) return -2;
    return static_cast<int>(free_loopback_port());
  });
  ASSERT_GE(fd, 0);
  const int port = read_result(fd);
  ASSERT_NE(port, -2) << "cannot become nobody";
  EXPECT_GT(port, 0) << "nobody got no port: the reservation directory or its files are not "
                        "usable by another user";
}

// The low end of Linux's ephemeral port range (ip_local_port_range), 32768 if unreadable.
int ephemeral_low() {
  int low = 32768;
  if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%d", &low) != 1) low = 32768;
    std::fclose(f);
  }
  return low;
}

TEST(TestPortsTest, HandsOutDistinctPortsOfItsRangeBelowTheEphemeralOnes) {
  ASSERT_LE(kTestPortFirst + kTestPortCount, ephemeral_low());
  std::set<std::uint16_t> seen;
  for (int i = 0; i < 64; ++i) {
    const std::uint16_t port = free_loopback_port();
    ASSERT_NE(port, 0);
    EXPECT_GE(port, kTestPortFirst);
    EXPECT_LT(port, kTestPortFirst + kTestPortCount);
    // A port this process holds is not handed to it again: its own second lock would fail.
    EXPECT_TRUE(seen.insert(port).second) << port << " handed out twice";
  }
}

TEST(TestPortsTest, APortHandedOutStaysLockedAgainstAnyOtherOpenerUntilExit) {
  const std::uint16_t port = free_loopback_port();
  ASSERT_NE(port, 0);
  const std::string path = std::string(kTestPortLockDir) + "/" + std::to_string(port);
  // What another process (or pg-test-server.sh with flock(1)) sees: a new open file description.
  const int other = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(other, 0);
  EXPECT_NE(::flock(other, LOCK_EX | LOCK_NB), 0);
  ::close(other);
  // Once the process that drew it is gone, the port can be had again.
  const int fd = in_child([] { return static_cast<int>(free_loopback_port()); });
  ASSERT_GE(fd, 0);
  const int theirs = read_result(fd);
  ASSERT_GT(theirs, 0);
  const std::string theirs_path = std::string(kTestPortLockDir) + "/" + std::to_string(theirs);
  const int after = ::open(theirs_path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(after, 0);
  EXPECT_EQ(::flock(after, LOCK_EX | LOCK_NB), 0);
  ::close(after);
}

}  // namespace
}  // namespace kmebind::test
