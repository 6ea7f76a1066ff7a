// Group commit for the SQLite engine: concurrent writers share one transaction and one synced
// COMMIT. A caller queues its work and waits; the first caller that finds no commit in progress
// becomes the leader, takes every queued job (up to max_batch), runs each in its own SAVEPOINT on
// one connection inside one BEGIN IMMEDIATE … COMMIT, then wakes only the callers of the batch and
// hands the lead to the first caller queued meanwhile (no herd of waiters woken per commit).
// With synchronous=FULL the COMMIT syncs the WAL once for the whole batch instead of once per
// call, so the write rate is no longer bounded by one fsync per call (docs/store.md).
//
// Contract (the same as one transaction per call):
//  - run() returns only after the transaction holding the job has committed (durable: synced),
//    or failed; a successful return means the job's writes are durable.
//  - A job that fails has its savepoint rolled back: none of its writes are visible, and the other
//    jobs of the batch are not affected.
//  - When SQLite aborts the whole transaction (I/O error, disk full, …) or the COMMIT fails, every
//    job of the batch that had succeeded fails with that error and nothing of theirs is visible.
//  - Jobs run one at a time, on the leader's thread, in arrival order; a job must not call the
//    store (it would wait for its own batch) and must not keep the Connection.
//
// Thread safety: run() may be called from any number of threads.
#pragma once

#include <chrono>
#include <condition_variable>
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
  // A job: writes through `conn`; an error rolls back its savepoint.
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
  struct Pending {
    Status (*call)(void*, Connection&) = nullptr;
    void* ctx = nullptr;
    Status outcome;
    State state = State::kQueued;  // guarded by mu_
    std::condition_variable wake;  // notified with mu_ held, so it outlives every notify
  };

  Status submit(Pending& pending);
  // Runs `batch` in one transaction and sets each outcome. Called by the leader, without mu_.
  void run_batch(const std::vector<Pending*>& batch);
  // Runs jobs [from, end) of `batch` in an open transaction; returns the index after the last one
  // run, which is < end when SQLite aborted the transaction (the jobs run so far then have failed).
  std::size_t run_jobs(Connection& conn, const std::vector<Pending*>& batch, std::size_t from);

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
