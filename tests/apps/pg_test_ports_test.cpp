// The PostgreSQL test servers' ports (scripts/pg-test-server.sh, tests/pg_fixture.cmake) never
// meet a port a test reserved with tests/test_ports.h, nor Linux's ephemeral range (where an
// outgoing connection of a test running beside can take the port first): `start DIR 0` takes one
// of the reserved range and holds its lock file from start to `stop`, across `halt`; the ctest
// fixture's server listens on a port of its own range, 32000-32767.
#include <fcntl.h>
#include <sys/file.h>

#include <cstdio>

#include "network_harness.h"

namespace kmebind::test {
namespace {

const fs::path kScript = fs::path(KMEBIND_TEST_VECTORS_DIR).parent_path().parent_path() /
                         "scripts" / "pg-test-server.sh";

int script(const std::string& args) {
  return std::system(("'" + kScript.string() + "' " + args + " >/dev/null 2>&1").c_str());
}

// Whether another process could have `port`: its lock file is missing or not locked.
bool lockable(int port) {
  const std::string path = std::string(kTestPortLockDir) + "/" + std::to_string(port);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;
  const bool locked = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return locked;
}

TEST(PgTestPorts, AServerOnPortZeroHoldsAReservedPortUntilStopped) {
  if (!fs::exists("/usr/lib/postgresql/15/bin/initdb") && !std::getenv("KMEBIND_PG_BIN"))
    GTEST_SKIP() << "no PostgreSQL 15 server binaries (scripts/setup.sh installs them)";
  TempDir tmp;
  const fs::path dir = tmp / "pg";
  ASSERT_EQ(script("start '" + dir.string() + "' 0"), 0);
  const std::string text = slurp(dir / "port");
  const int port = std::atoi(text.c_str());
  EXPECT_GE(port, kTestPortFirst);
  EXPECT_LT(port, kTestPortFirst + kTestPortCount);
  EXPECT_FALSE(lockable(port)) << "a running server's port " << port << " is not reserved";
  ASSERT_EQ(script("halt '" + dir.string() + "'"), 0);
  EXPECT_FALSE(lockable(port)) << "a halted server's port " << port << " is not reserved";
  ASSERT_EQ(script("resume '" + dir.string() + "'"), 0);
  EXPECT_EQ(slurp(dir / "url"),
            "postgresql://kmebind@127.0.0.1:" + text.substr(0, text.find('\n')) + "/postgres\n");
  ASSERT_EQ(script("stop '" + dir.string() + "'"), 0);
  // The watcher lets go within its 2 s poll.
  bool released = false;
  for (int i = 0; i < 50 && !released; ++i) {
    released = lockable(port);
    if (!released) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(released) << "port " << port << " still reserved 5 s after stop";
}

TEST(PgTestPorts, TheFixtureServerListensBelowTheEphemeralRangeOutsideTheReservedOne) {
  const char* url = std::getenv("KMEBIND_TEST_PG_URL");
  if (url == nullptr) GTEST_SKIP() << "not run by ctest with the PostgreSQL fixture";
  const std::string u = url;
  const std::size_t colon = u.rfind(':');
  ASSERT_NE(colon, std::string::npos) << u;
  const int port = std::atoi(u.c_str() + colon + 1);
  EXPECT_GE(port, 32000) << u;
  EXPECT_LT(port, 32768) << u;
}

}  // namespace
}  // namespace kmebind::test
