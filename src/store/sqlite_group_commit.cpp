#include "store/sqlite_group_commit.h"

#include <sqlite3.h>

#include <algorithm>
#include <exception>
#include <string>

namespace kmebind::store::sqlite {
namespace {

bool transaction_gone(Connection& conn) {
  return !conn.in_transaction();
}

}  // namespace

GroupCommitStats GroupCommit::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::size_t GroupCommit::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void GroupCommit::Wakeup::wait() {
  while (::sem_wait(&sem_) != 0) {  // EINTR: a signal handler ran; keep waiting
  }
}

Status GroupCommit::submit(Pending& pending) {
  std::unique_lock lock(mu_);
  queue_.push_back(&pending);
  if (leader_active_) {
    lock.unlock();
    pending.wake.wait();
    if (pending.state == State::kDone) return std::move(pending.outcome);
    lock.lock();  // kLead: the previous leader handed over; leader_active_ stayed true
  } else {
    leader_active_ = true;
  }
  // Lead batches until our own job has run (it may wait behind max_batch_ earlier jobs).
  for (;;) {
    const std::size_t n = std::min(queue_.size(), max_batch_);
    std::vector<Pending*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    lock.unlock();
    run_batch(batch);
    lock.lock();
    stats_.jobs += batch.size();
    stats_.largest_batch = std::max<std::uint64_t>(stats_.largest_batch, batch.size());
    const bool mine = std::find(batch.begin(), batch.end(), &pending) != batch.end();
    Pending* next = nullptr;
    if (mine) {
      if (queue_.empty()) {
        leader_active_ = false;
      } else {
        next = queue_.front();  // stays queued: it takes itself into its first batch
        next->state = State::kLead;
      }
    }
    for (Pending* p : batch) {
      if (p != &pending) p->state = State::kDone;
    }
    lock.unlock();
    // The next batch's sync is the critical path: hand the lead over first. A posted caller may
    // return and destroy its Pending at once; nothing is read from it after its post.
    if (next != nullptr) next->wake.post();
    for (Pending* p : batch) {
      if (p != &pending) p->wake.post();
    }
    if (mine) return std::move(pending.outcome);
    lock.lock();
  }
}

void GroupCommit::run_batch(const std::vector<Pending*>& batch) {
  auto set_all = [&](std::size_t from, const Error& error) {
    for (std::size_t i = from; i < batch.size(); ++i) batch[i]->outcome = std::unexpected(error);
  };
  auto lease = pool_.acquire();
  if (!lease) return set_all(0, lease.error());
  std::unique_lock writer(writer_, std::defer_lock);
  if (!writer.try_lock_for(busy_timeout_)) {
    return set_all(0, Error(Code::kUnavailable, "store busy: the write lock was not free within " +
                                                    std::to_string(busy_timeout_.count()) + " ms"));
  }
  Connection& conn = **lease;
  std::size_t from = 0;
  bool isolated = false;  // each job in its own savepoint, once a job has failed
  while (from < batch.size()) {
    auto txn = Transaction::begin(conn, Transaction::Kind::kWrite);
    if (!txn) return set_all(from, txn.error());
    if (!isolated) {
      const std::size_t failed = run_together(conn, batch, from);
      if (failed < batch.size()) {
        txn->rollback();
        if (failed == from) {  // alone in the transaction: only its own writes went
          from = failed + 1;
        } else {  // the jobs before it lost their writes too: run them again, isolated
          isolated = true;
        }
        continue;
      }
    } else {
      const std::size_t stop = run_isolated(conn, batch, from);
      if (stop < batch.size()) {  // SQLite aborted the transaction: start another for the rest
        txn->rollback();
        from = stop;
        continue;
      }
    }
    if (auto st = txn->commit(); !st) {  // ~Transaction rolls back
      for (std::size_t i = from; i < batch.size(); ++i) {
        if (batch[i]->outcome) batch[i]->outcome = std::unexpected(st.error());
      }
    } else {
      std::lock_guard lock(mu_);
      ++stats_.commits;
    }
    return;
  }
}

namespace {

Status call_job(Status (*call)(void*, Connection&), void* ctx, Connection& conn) {
  try {
    return call(ctx, conn);
  } catch (const std::exception& e) {  // a job must not throw; its batch still completes
    return fail(Code::kInternal, std::string("store write failed: ") + e.what());
  }
}

}  // namespace

std::size_t GroupCommit::run_together(Connection& conn, const std::vector<Pending*>& batch,
                                      std::size_t from) {
  for (std::size_t i = from; i < batch.size(); ++i) {
    Pending& job = *batch[i];
    job.outcome = call_job(job.call, job.ctx, conn);
    if (job.outcome && transaction_gone(conn)) {
      // The job returned success although SQLite ended the transaction under it: its writes
      // (and the batch's before it) are gone, and any it made after ran outside a transaction.
      job.outcome = std::unexpected(
          Error(Code::kInternal, "the write transaction ended inside a job that then succeeded"));
    }
    if (!job.outcome) return i;
  }
  return batch.size();
}

std::size_t GroupCommit::run_isolated(Connection& conn, const std::vector<Pending*>& batch,
                                      std::size_t from) {
  // Fails the jobs of this transaction that had succeeded: their writes went with it.
  auto abort_from = [&](std::size_t i, const Error& cause) {
    if (!transaction_gone(conn)) (void)conn.exec("ROLLBACK");
    for (std::size_t j = from; j < i; ++j) {
      if (batch[j]->outcome) {
        batch[j]->outcome = std::unexpected(
            Error(cause.code(), "rolled back with its transaction batch: " + cause.message()));
      }
    }
    return i + 1;
  };
  for (std::size_t i = from; i < batch.size(); ++i) {
    Pending& job = *batch[i];
    Status st = conn.exec_cached("SAVEPOINT kmebind_job");
    if (st) {
      st = call_job(job.call, job.ctx, conn);
      if (st) st = conn.exec_cached("RELEASE kmebind_job");
    }
    job.outcome = st;
    if (st) continue;
    if (transaction_gone(conn)) return abort_from(i, st.error());
    if (auto undo = conn.exec("ROLLBACK TO kmebind_job; RELEASE kmebind_job"); !undo) {
      return abort_from(i, undo.error());
    }
  }
  return batch.size();
}

}  // namespace kmebind::store::sqlite
