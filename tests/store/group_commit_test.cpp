// Group commit (store/sqlite_group_commit.h): concurrent writers share commits, a failing job
// rolls back only its own writes (the jobs before it run again when they lost theirs), an
// aborted transaction or a failed COMMIT fails exactly the jobs whose writes it took, and an
// acknowledged SQN advance survives kill -9 (an SQN is never handed out twice across a crash).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_group_commit.h"
#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using namespace std::chrono_literals;
using sqlite::Connection;
using sqlite::ConnectionOptions;
using sqlite::ConnectionPool;
using sqlite::GroupCommit;
using testing::key_of;
using testing::sample_subscriber;
using testing::TempDir;

std::string imsi_of(int i) {
  std::string n = std::to_string(i);
  return "00101" + std::string(10 - n.size(), '0') + n;
}

// A database with table t(id PRIMARY KEY) and p(ref) whose foreign key to t is checked at COMMIT.
struct Fixture {
  TempDir dir;
  std::string path = dir.file("g.db");
  ConnectionPool pool{path, ConnectionOptions{}, 4, 5000ms};
  std::timed_mutex writer;
  GroupCommit group{pool, writer, 5000ms, 256};

  Fixture() {
    auto lease = pool.acquire();
    EXPECT_TRUE(lease);
    EXPECT_TRUE((*lease)->exec(
        "CREATE TABLE t (id INTEGER PRIMARY KEY); "
        "CREATE TABLE p (ref INTEGER REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED)"));
  }
  std::set<std::int64_t> rows() {
    auto lease = pool.acquire();
    EXPECT_TRUE(lease);
    auto s = (*lease)->prepare("SELECT id FROM t");
    EXPECT_TRUE(s);
    std::set<std::int64_t> out;
    while (*s->step()) out.insert(s->column_int(0));
    return out;
  }
  Status insert(Connection& c, std::int64_t id) {
    auto s = c.prepare("INSERT INTO t (id) VALUES (?)");
    if (!s) return std::unexpected(s.error());
    s->bind_int(1, id);
    return s->run();
  }
  // Waits until `waiting` jobs are queued.
  void wait_queued(std::size_t waiting) {
    for (int i = 0; i < 2000 && group.queued() < waiting; ++i) std::this_thread::sleep_for(1ms);
    ASSERT_EQ(group.queued(), waiting);
  }
};

// Runs `jobs[i]` on its own thread, all queued behind a blocking first job, so that they form one
// batch; returns each job's outcome.
template <class Job>
std::vector<Status> run_as_one_batch(Fixture& f, std::vector<Job>& jobs) {
  std::atomic<bool> started{false};
  std::atomic<bool> release{false};
  auto blocker = [&](Connection& c) -> Status {
    started = true;
    while (!release.load()) std::this_thread::sleep_for(1ms);
    return f.insert(c, 1000000);
  };
  std::thread first([&] { EXPECT_TRUE(f.group.run(blocker)); });
  for (int i = 0; i < 5000 && !started.load(); ++i) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(started.load());  // the blocker's batch is running: the next jobs queue
  std::vector<Status> out(jobs.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    threads.emplace_back([&, i] { out[i] = f.group.run(jobs[i]); });
    f.wait_queued(i + 1);  // arrival order = index order
  }
  release = true;
  first.join();
  for (auto& t : threads) t.join();
  return out;
}

TEST(GroupCommitTest, ConcurrentWritersShareCommitsAndAllLand) {
  TempDir dir;
  auto store = sqlite::SqliteStore::open(dir.file("s.db"), key_of(7), StoreOptions{});
  ASSERT_TRUE(store);
  constexpr int kThreads = 24;
  constexpr int kCalls = 40;
  for (int t = 0; t < kThreads; ++t)
    ASSERT_TRUE((*store)->add_subscriber(sample_subscriber(imsi_of(t))));
  const auto before = (*store)->group_commit_stats();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        auto v = (*store)->advance_sqn(imsi_of(t), 32);
        if (!v || *v != 32u + 32u * static_cast<unsigned>(i + 1)) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  const auto after = (*store)->group_commit_stats();
  const std::uint64_t jobs = after.jobs - before.jobs;
  const std::uint64_t commits = after.commits - before.commits;
  EXPECT_EQ(jobs, static_cast<std::uint64_t>(kThreads * kCalls));
  EXPECT_LT(commits, jobs / 2) << "writers should share commits";
  EXPECT_GT(after.largest_batch, 1u);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ((*store)->get_subscriber(imsi_of(t))->sqn, 32u + 32u * kCalls);
  }
}

TEST(GroupCommitTest, FailingJobRollsBackOnlyItsOwnWrites) {
  Fixture f;
  using Job = std::function<Status(Connection&)>;
  std::vector<Job> jobs = {
      [&](Connection& c) { return f.insert(c, 1); },
      // writes, then fails: its row must not appear
      [&](Connection& c) -> Status {
        if (auto st = f.insert(c, 2); !st) return st;
        return fail(Code::kNotAllowed, "refused after writing");
      },
      [&](Connection& c) { return f.insert(c, 3); },
      // SQL error (duplicate key) after a successful insert of its own
      [&](Connection& c) -> Status {
        if (auto st = f.insert(c, 4); !st) return st;
        return f.insert(c, 1);
      },
      [&](Connection& c) { return f.insert(c, 5); },
  };
  const auto before = f.group.stats();
  auto out = run_as_one_batch(f, jobs);
  EXPECT_TRUE(out[0]);
  ASSERT_FALSE(out[1]);
  EXPECT_EQ(out[1].error().code(), Code::kNotAllowed);
  EXPECT_TRUE(out[2]);
  ASSERT_FALSE(out[3]);
  EXPECT_EQ(out[3].error().code(), Code::kAlreadyExists);
  EXPECT_TRUE(out[4]);
  EXPECT_EQ(f.rows(), (std::set<std::int64_t>{1, 3, 5, 1000000}));
  const auto after = f.group.stats();
  EXPECT_EQ(after.commits - before.commits, 2u);  // the blocker's batch, then all five at once
  EXPECT_EQ(after.largest_batch, 5u);
}

// A batch runs without savepoints until a job fails. The first job of a transaction failing
// had only its own writes in it: it is not run again and the rest share one commit.
TEST(GroupCommitTest, FailingFirstJobOfABatchRunsOnceAndTheRestShareOneCommit) {
  Fixture f;
  using Job = std::function<Status(Connection&)>;
  int failing_runs = 0;
  std::vector<Job> jobs = {
      [&](Connection& c) -> Status {
        ++failing_runs;
        if (auto st = f.insert(c, 2); !st) return st;
        return fail(Code::kNotAllowed, "refused after writing");
      },
      [&](Connection& c) { return f.insert(c, 3); },
      [&](Connection& c) { return f.insert(c, 5); },
  };
  const auto before = f.group.stats();
  auto out = run_as_one_batch(f, jobs);
  ASSERT_FALSE(out[0]);
  EXPECT_EQ(out[0].error().code(), Code::kNotAllowed);
  EXPECT_TRUE(out[1]);
  EXPECT_TRUE(out[2]);
  EXPECT_EQ(failing_runs, 1);
  EXPECT_EQ(f.rows(), (std::set<std::int64_t>{3, 5, 1000000}));
  EXPECT_EQ(f.group.stats().commits - before.commits, 2u);  // the blocker's, then the rest's
}

// A job failing after others lost their writes with the rolled-back transaction: they run again,
// each in its own savepoint, and their writes land once; the failing job's do not.
TEST(GroupCommitTest, JobsBeforeAFailingJobRunAgainAndTheirWritesLandOnce) {
  Fixture f;
  using Job = std::function<Status(Connection&)>;
  int first_runs = 0;
  std::vector<Job> jobs = {
      [&](Connection& c) {
        ++first_runs;
        return f.insert(c, 1);  // a second landing would fail: id is the primary key
      },
      [&](Connection& c) -> Status {
        if (auto st = f.insert(c, 2); !st) return st;
        return fail(Code::kNotAllowed, "refused after writing");
      },
      [&](Connection& c) { return f.insert(c, 3); },
  };
  auto out = run_as_one_batch(f, jobs);
  EXPECT_TRUE(out[0]);
  ASSERT_FALSE(out[1]);
  EXPECT_EQ(out[1].error().code(), Code::kNotAllowed);
  EXPECT_TRUE(out[2]);
  EXPECT_EQ(first_runs, 2);  // together, then isolated after the rollback
  EXPECT_EQ(f.rows(), (std::set<std::int64_t>{1, 3, 1000000}));
}

TEST(GroupCommitTest, AbortedTransactionFailsTheJobsItTookAndTheRestCarryOn) {
  Fixture f;
  using Job = std::function<Status(Connection&)>;
  std::vector<Job> jobs = {
      [&](Connection& c) { return f.insert(c, 1); },
      // ends the whole transaction, as SQLite does on an I/O error or a full disk
      [&](Connection& c) -> Status {
        if (auto st = f.insert(c, 2); !st) return st;
        (void)c.exec("ROLLBACK");
        return fail(Code::kIo, "disk I/O error");
      },
      [&](Connection& c) { return f.insert(c, 3); },
  };
  auto out = run_as_one_batch(f, jobs);
  ASSERT_FALSE(out[0]);  // acknowledged nothing: its insert went with the transaction
  EXPECT_EQ(out[0].error().code(), Code::kIo);
  EXPECT_NE(out[0].error().message().find("rolled back with its transaction batch"),
            std::string::npos);
  ASSERT_FALSE(out[1]);
  EXPECT_EQ(out[1].error().code(), Code::kIo);
  EXPECT_TRUE(out[2]);  // ran in a new transaction
  EXPECT_EQ(f.rows(), (std::set<std::int64_t>{3, 1000000}));
}

// A job that swallows the error that ended the transaction (reserve_sqn reports a failed pair
// read as a note, not an error) must not be acknowledged: its writes, and those of the jobs before
// it, went with the transaction, and the jobs after it would otherwise run outside one.
TEST(GroupCommitTest, AJobThatSucceedsAfterItsTransactionEndedIsNotAcknowledged) {
  Fixture f;
  using Job = std::function<Status(Connection&)>;
  std::vector<Job> jobs = {
      [&](Connection& c) { return f.insert(c, 1); },
      [&](Connection& c) -> Status {
        if (auto st = f.insert(c, 2); !st) return st;
        (void)c.exec("ROLLBACK");  // as SQLite does on an I/O error; the job carries on
        return {};
      },
      [&](Connection& c) { return f.insert(c, 3); },
  };
  auto out = run_as_one_batch(f, jobs);
  EXPECT_FALSE(out[0]);  // its insert went with the transaction (again when run isolated)
  EXPECT_FALSE(out[1]);
  EXPECT_TRUE(out[2]) << out[2].error().what();  // in a transaction of its own, committed
  EXPECT_EQ(f.rows(), (std::set<std::int64_t>{3, 1000000}));
}

TEST(GroupCommitTest, FailedCommitFailsEveryJobOfTheBatchAndKeepsNothing) {
  Fixture f;
  using Job = std::function<Status(Connection&)>;
  std::vector<Job> jobs = {
      [&](Connection& c) { return f.insert(c, 1); },
      // a deferred foreign key violation: only COMMIT finds it
      [&](Connection& c) -> Status {
        auto s = c.prepare("INSERT INTO p (ref) VALUES (424242)");
        if (!s) return std::unexpected(s.error());
        return s->run();
      },
      [&](Connection&) -> Status { return fail(Code::kNotFound, "its own refusal"); },
  };
  auto out = run_as_one_batch(f, jobs);
  ASSERT_FALSE(out[0]);
  ASSERT_FALSE(out[1]);
  EXPECT_NE(out[0].error().message().find("commit"), std::string::npos) << out[0].error().message();
  ASSERT_FALSE(out[2]);
  EXPECT_EQ(out[2].error().code(), Code::kNotFound);  // keeps its own error
  EXPECT_EQ(f.rows(), (std::set<std::int64_t>{1000000}));
  // The next batch is unaffected.
  auto next = [&](Connection& c) { return f.insert(c, 7); };
  EXPECT_TRUE(f.group.run(next));
  EXPECT_EQ(f.rows(), (std::set<std::int64_t>{7, 1000000}));
}

TEST(GroupCommitTest, BulkImportHoldingTheWriteLockMakesBatchesWaitThenRun) {
  TempDir dir;
  auto store = sqlite::SqliteStore::open(dir.file("b.db"), key_of(7), StoreOptions{});
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->add_subscriber(sample_subscriber(imsi_of(1))));
  std::unique_lock hold((*store)->writer_lock());
  std::atomic<bool> done{false};
  std::thread writer([&] {
    EXPECT_TRUE((*store)->advance_sqn(imsi_of(1), 32));
    done = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(done);
  EXPECT_EQ((*store)->get_subscriber(imsi_of(1))->sqn, 32u);
  hold.unlock();
  writer.join();
  EXPECT_EQ((*store)->get_subscriber(imsi_of(1))->sqn, 64u);
}

// Many threads advance SQNs and report each acknowledged value through a pipe; the process is
// killed with SIGKILL mid-run. After reopening, each subscriber's SQN is at least the highest
// value acknowledged for it: a vector built from an acknowledged SQN is never reissued.
TEST(GroupCommitTest, AcknowledgedSqnAdvancesSurviveKillNine) {
  TempDir dir;
  const std::string path = dir.file("k.db");
  constexpr int kThreads = 16;
  {
    auto s = testing::open_or_die(path);
    for (int t = 0; t < kThreads; ++t)
      ASSERT_TRUE(s->add_subscriber(sample_subscriber(imsi_of(t))));
  }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto s = open_store(path, key_of(7));
    if (!s) ::_exit(2);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (;;) {
          // Half the threads reserve as an AIR does (reserve_sqn), half advance alone.
          std::uint64_t v = 0;
          if (t % 2 == 0) {
            auto a = (*s)->advance_sqn(imsi_of(t), 32);
            if (!a) ::_exit(3);
            v = *a;
          } else {
            auto r = (*s)->reserve_sqn(imsi_of(t), 32, true);
            if (!r) ::_exit(3);
            v = r->last_sqn;
          }
          const std::uint64_t record[2] = {static_cast<std::uint64_t>(t), v};
          if (::write(fds[1], record, sizeof record) != sizeof record) ::_exit(4);
        }
      });
    }
    for (auto& t : threads) t.join();
    ::_exit(0);
  }
  ::close(fds[1]);
  std::vector<std::uint64_t> acked(kThreads, 0);
  std::size_t records = 0;
  auto read_record = [&]() -> bool {
    std::uint64_t record[2];
    std::size_t got = 0;
    while (got < sizeof record) {
      const ssize_t n = ::read(fds[0], reinterpret_cast<char*>(record) + got, sizeof record - got);
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    if (record[0] < kThreads) acked[record[0]] = std::max(acked[record[0]], record[1]);
    ++records;
    return true;
  };
  while (records < 400 && read_record()) {
  }
  ::kill(pid, SIGKILL);
  while (read_record()) {  // what was acknowledged before the kill
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
  ASSERT_GE(records, 400u);
  auto s = testing::open_or_die(path);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_GE(s->get_subscriber(imsi_of(t))->sqn, acked[static_cast<std::size_t>(t)])
        << "subscriber " << t << ": an acknowledged SQN advance was lost";
  }
}

}  // namespace
}  // namespace kmebind::store
