// Group commit for the SQLite engine: concurrent writers share one transaction and one synced
// COMMIT. A caller queues its work and waits; the first caller that finds no commit in progress
// becomes the leader, takes every queued job (up to max_batch), runs them on one connection inside
// one BEGIN IMMEDIATE … COMMIT, then wakes only the callers of the batch and hands the lead to the
// first caller queued meanwhile (no herd of waiters woken per commit).
// With synchronous=FULL the COMMIT syncs the WAL once for the whole batch instead of once per
// call, so the write rate is no longer bounded by one fsync per call (docs/store.md).
//
// Jobs first run back to back with no savepoint (the common case: every job succeeds). When a
// job fails, the transaction is rolled back: if it was the first job of the transaction, only
// its own writes were in it and the batch carries on without it in a new transaction; otherwise
// the jobs from the start of that transaction run again, each in its own SAVEPOINT, so that the
// failing one is undone alone.
//
// Contract (the same as one transaction per call):
//  - run() returns only after the transaction holding the job has committed (durable: synced),
//    or failed; a successful return means the job's writes are durable.
//  - A job that fails has its writes rolled back: none of them are visible, and the other jobs of
//    the batch are not affected.
//  - When SQLite aborts the whole transaction (I/O error, disk full, …) or the COMMIT fails, every
//    job of the batch that had succeeded fails with that error and nothing of theirs is visible.
//  - Jobs run one at a time, on the leader's thread, in arrival order; a job must not call the
//    store (it would wait for its own batch) and must not keep the Connection.
//  - A job may run more than once (see above): only the writes and the outcome of its last run
//    count, so it must not change anything but the database, or only what a rerun overwrites.
//
// Thread safety: run() may be called from any number of threads.
#pragma once

#include <semaphore.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "common/error.h"
#include "store/sqlite_pool.h"

namespace kmebind::store::sqlite {

struct GroupCommitStats {
  std::uint64_t jobs = 0;     // jobs run (successful or not)
  std::uint64_t commits = 0;  // transactions committed
  std::uint64_t largest_batch = 0;
};

class GroupCommit {
 public:
  // A job: writes through `conn`; an error rolls back its writes.
  template <class F>
  Status run(F& job) {
    Pending pending;
    pending.call = [](void* ctx, Connection& conn) -> Status {
      return (*static_cast<F*>(ctx))(conn);
    };
    pending.ctx = &job;
    return submit(pending);
  }

  // REQUIRES: pool and writer_lock outlive this object; max_batch >= 1. The writer lock is taken
  // (with `busy_timeout`) around each batch, so holders of it (the bulk importer) exclude batches.
  GroupCommit(ConnectionPool& pool, std::timed_mutex& writer_lock,
              std::chrono::milliseconds busy_timeout, std::size_t max_batch)
      : pool_(pool), writer_(writer_lock), busy_timeout_(busy_timeout), max_batch_(max_batch) {}

  GroupCommitStats stats() const;
  // Jobs waiting for a leader (not those of the batch being run).
  std::size_t queued() const;

 private:
  enum class State { kQueued, kLead, kDone };
  // A POSIX semaphore a waiting caller sleeps on. Posted without the group's mutex, so the woken
  // caller runs at once instead of waking only to block on that mutex; POSIX lets the caller
  // destroy it as soon as its wait returns, even while sem_post is finishing (glibc >= 2.21).
  class Wakeup {
   public:
    Wakeup() { ::sem_init(&sem_, 0, 0); }
    ~Wakeup() { ::sem_destroy(&sem_); }
    Wakeup(const Wakeup&) = delete;
    Wakeup& operator=(const Wakeup&) = delete;
    void wait();
    void post() { ::sem_post(&sem_); }

   private:
    sem_t sem_{};
  };
  struct Pending {
    Status (*call)(void*, Connection&) = nullptr;
    void* ctx = nullptr;
    Status outcome;                // written by the leader before it posts `wake`
    State state = State::kQueued;  // likewise (read by the caller after its wait)
    Wakeup wake;                   // posted once: kDone or kLead
  };

  Status submit(Pending& pending);
  // Runs `batch` in one transaction and sets each outcome. Called by the leader, without mu_.
  void run_batch(const std::vector<Pending*>& batch);
  // Runs jobs [from, end) of `batch` back to back in an open transaction, no savepoints; returns
  // the index of the first job that failed (its outcome set; the transaction must be rolled
  // back), or end.
  static std::size_t run_together(Connection& conn, const std::vector<Pending*>& batch,
                                  std::size_t from);
  // Runs jobs [from, end) of `batch` in an open transaction, each in its own savepoint; returns
  // the index after the last one run, which is < end when SQLite aborted the transaction (the jobs
  // run so far then have failed).
  static std::size_t run_isolated(Connection& conn, const std::vector<Pending*>& batch,
                                  std::size_t from);

  ConnectionPool& pool_;
  std::timed_mutex& writer_;
  const std::chrono::milliseconds busy_timeout_;
  const std::size_t max_batch_;

  mutable std::mutex mu_;
  std::vector<Pending*> queue_;
  bool leader_active_ = false;
  GroupCommitStats stats_;
};

}  // namespace kmebind::store::sqlite
