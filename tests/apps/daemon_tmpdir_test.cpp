// The daemons keep freeDiameter's generated files under the temporary directory ($TMPDIR, else
// /tmp). When TMPDIR names no directory, `kmebind hss` and `kmebind cnn` exit 1 with one line
// naming TMPDIR (docs/daemons.md exit codes), where they used to die of an uncaught
// std::filesystem_error (std::terminate, SIGABRT: exit 134 and possibly a core file).
#include "network_harness.h"

namespace kmebind::test {
namespace {

class DaemonTmpdir : public ::testing::TestWithParam<const char*> {};

TEST_P(DaemonTmpdir, MissingTemporaryDirectoryExitsOneNamingTmpdir) {
  const std::string role = GetParam();
  TempDir tmp;
  const fs::path dir = tmp / "demo";
  ASSERT_TRUE(prepare_demo_dir(dir, 2, 0));
  const std::string missing = (tmp / "no-such-dir").string();
  CliResult r = run_kmebind(tmp.path(), role, {role, "--config", (dir / (role + ".yaml")).string()},
                            std::chrono::seconds(30), {"TMPDIR=" + missing});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "kmebind " + role + ": no temporary directory")) << r.err;
  EXPECT_TRUE(contains(r.err, "TMPDIR=" + missing)) << r.err;
  EXPECT_FALSE(contains(r.out, "ready:")) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Roles, DaemonTmpdir, ::testing::Values("hss", "cnn"));

}  // namespace
}  // namespace kmebind::test
