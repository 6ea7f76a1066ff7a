// The forked-child harness of the freeDiameter tests (fork_harness.h): a child's exit code says
// whether its body passed or skipped, so that in_child reports a skip in the child as a skip.
#include "fork_harness.h"

#include <gtest/gtest.h>

namespace kmebind::diameter {
namespace {

using namespace testing;

TEST(ForkHarness, AChildWhoseBodyPassesExitsZero) {
  EXPECT_EQ(run_in_child([] { EXPECT_EQ(1 + 1, 2); }), 0);
}

// Before, a child that called GTEST_SKIP exited 0 and in_child reported the test as passed.
TEST(ForkHarness, AChildWhoseBodySkipsExitsWithTheSkippedCode) {
  EXPECT_EQ(run_in_child([] { GTEST_SKIP() << "skipping in the child, on purpose"; }),
            kChildSkipped);
}

}  // namespace
}  // namespace kmebind::diameter
