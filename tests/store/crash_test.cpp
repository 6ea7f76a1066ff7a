// Durability across a killed process (kill -9): an acknowledged KME is there after reopening, and
// a bulk import killed halfway keeps its committed batches, loses the open one, and leaves a
// consistent database.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/sqlite_db.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::sample_subscriber;
using testing::TempDir;

constexpr const char* kImsi = "001010000000001";
constexpr const char* kImei = "35209900176148";

// Runs `body` in a child process that reports readiness through a pipe and then waits to be
// killed with SIGKILL; returns once the child is dead.
template <class F>
void run_and_kill(F body) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    const char ok = body() ? 'y' : 'n';
    (void)::write(fds[1], &ok, 1);
    for (;;) ::pause();
  }
  ::close(fds[1]);
  char ready = 0;
  ASSERT_EQ(::read(fds[0], &ready, 1), 1);
  ::close(fds[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_EQ(ready, 'y');
  ASSERT_TRUE(WIFSIGNALED(status));
}

TEST(CrashTest, AcknowledgedKmeSurvivesKillNine) {
  TempDir dir;
  const std::string path = dir.file("crash.db");
  {
    auto s = testing::open_or_die(path);
    ASSERT_TRUE(s->add_subscriber(sample_subscriber(kImsi)));
    ASSERT_TRUE(s->allow_binding(kImsi, kImei, "t"));
  }
  run_and_kill([&] {
    auto s = open_store(path, key_of(7));
    if (!s) return false;
    auto v = (*s)->store_kme(kImsi, kImei, key_of(42), kKmeProcedure2, "hss", 0u);
    return v && *v == 1;  // acknowledged: the parent kills us right after this
  });
  auto s = testing::open_or_die(path);
  auto kme = s->get_kme(kImsi, kImei);
  ASSERT_TRUE(kme && kme->has_value());
  EXPECT_EQ((*kme)->kme, key_of(42));
  EXPECT_EQ((*kme)->version, 1u);
}

TEST(CrashTest, BulkImportKilledHalfwayKeepsCommittedBatchesOnly) {
  TempDir dir;
  const std::string path = dir.file("bulk.db");
  { testing::open_or_die(path); }
  run_and_kill([&] {
    auto s = open_store(path, key_of(7));
    if (!s) return false;
    auto bulk = (*s)->begin_bulk_import(BulkImportOptions{10, "import", ""});
    if (!bulk) return false;
    for (int i = 0; i < 35; ++i) {  // 3 batches committed, 5 rows in the open one
      auto imsi = std::to_string(1000000 + i);
      if (!(*bulk)->add_subscriber(sample_subscriber("00101000" + imsi), {})) return false;
    }
    return true;
  });
  auto s = testing::open_or_die(path);
  EXPECT_EQ(s->counts()->subscribers, 30u);
  EXPECT_TRUE(s->get_subscriber("001010001000029"));
  EXPECT_EQ(s->get_subscriber("001010001000030").error().code(), Code::kNotFound);
  auto c = sqlite::Connection::open(path, {});
  ASSERT_TRUE(c);
  auto check = (*c)->prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check);
  ASSERT_TRUE(*check->step());
  EXPECT_EQ(check->column_text(0), "ok");
}

}  // namespace
}  // namespace kmebind::store
