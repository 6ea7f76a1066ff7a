// FdCore::core_lost(): freeDiameter 1.2.1 shuts its whole core down when one of its routing or
// dispatch threads meets an error it treats as fatal (docs/diameter.md §6, "Malformed messages
// from an admitted peer"). The process then lives on, listening to nobody; the daemons poll
// core_lost() and exit with a failure. The internal shutdown is reproduced here by calling
// fd_core_shutdown() behind FdCore's back, in a forked child.
#include <gtest/gtest.h>

#include "live_fixture.h"

namespace kmebind::diameter {
namespace {

using namespace testing;

TEST(FdCoreLost, ShutdownFreeDiameterStartsOnItsOwnIsReportedAndStopStillWorks) {
  ASSERT_TRUE(TestPki::get().ok());
  in_child([] {
    quiet_logs();
    auto core = FdCore::create(server_config(kHssId, free_loopback_port(), ""));
    ASSERT_TRUE(core) << core.error().what();
    ASSERT_TRUE((*core)->start());
    EXPECT_FALSE((*core)->core_lost());
    ASSERT_EQ(fd_core_shutdown(), 0);  // what freeDiameter's routing thread does on its error
    EXPECT_TRUE((*core)->core_lost());
    (*core)->stop();  // the daemon's way out: must return
    EXPECT_TRUE((*core)->stopped());
  });
}

TEST(FdCoreLost, OrderlyStopIsNotALostCore) {
  ASSERT_TRUE(TestPki::get().ok());
  in_child([] {
    quiet_logs();
    auto core = FdCore::create(server_config(kHssId, free_loopback_port(), ""));
    ASSERT_TRUE(core) << core.error().what();
    ASSERT_TRUE((*core)->start());
    (*core)->stop();
    EXPECT_FALSE((*core)->core_lost());
  });
}

}  // namespace
}  // namespace kmebind::diameter
