// SQLite engine: the SQN of the HE (TS 33.102 Annex C.1.1.2) — advance_sqn, and reserve_sqn, the
// store's whole part of an AIR in one write transaction. The statements are in
// sqlite_attach_sql.h; set_sqn is with the other subscriber updates (sqlite_subscribers.cpp).
#include "store/engine_util.h"
#include "store/sqlite_attach_sql.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace kmebind::store::sqlite {
namespace {

// Columns 1 and 2 of attach_sql::subscriber(): K and OPc as sealed at rest.
constexpr int kSealedKColumn = 1;
constexpr int kSealedOpcColumn = 2;
constexpr int kSqnColumn = 4;

Status check_step(std::uint64_t step) {
  if (step == 0 || step > kSqnMax) {
    return fail(Code::kInvalidArgument, "SQN step must be between 1 and 2^48 - 1");
  }
  return {};
}

// Adds `step` to the subscriber's SQN `current`, as read in this write transaction; returns the
// new SQN. kNotAllowed (nothing written) past 48 bits.
Result<std::uint64_t> advance_from(Connection& c, std::string_view imsi, std::int64_t current,
                                   std::uint64_t step) {
  if (current < 0 || static_cast<std::uint64_t>(current) > kSqnMax) {
    return fail(Code::kCorruption, "SQN of IMSI " + std::string(imsi) + " out of range");
  }
  if (static_cast<std::uint64_t>(current) > kSqnMax - step) {
    return fail(Code::kNotAllowed, "SQN of IMSI " + std::string(imsi) +
                                       " would exceed 48 bits; resynchronise or re-provision");
  }
  const std::uint64_t sqn = static_cast<std::uint64_t>(current) + step;
  auto s = c.prepare(attach_sql::kSqnWrite);
  if (!s) return pass(s);
  s->bind_int(1, static_cast<std::int64_t>(sqn)).bind_int(2, now_unix_s()).bind_text(3, imsi);
  if (auto st = s->run(); !st) return std::unexpected(st.error());
  return sqn;
}

}  // namespace

// TS 33.102 Annex C.1.1.2: the HE/AuC increments SEQ for each new vector. A read and an UPDATE
// inside the write transaction: concurrent callers are serialized and each sees its own new value.
// (Not UPDATE … RETURNING: SQLite collects RETURNING rows in a temporary table, built per call.)
Result<std::uint64_t> SqliteStore::advance_sqn(std::string_view imsi, std::uint64_t step) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  if (auto st = check_step(step); !st) return std::unexpected(st.error());
  return write([&](Connection& c) -> Result<std::uint64_t> {
    std::int64_t current = 0;
    {
      auto s = c.prepare(attach_sql::kSqnRead);
      if (!s) return pass(s);
      s->bind_text(1, imsi);
      auto row = s->step();
      if (!row) return pass(row);
      if (!*row) return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
      current = s->column_int(0);
    }
    return advance_from(c, imsi, current, step);
  });
}

// TS 33.102 Annex C.3.2 with the AIR's reads. One write job: the subscriber row (K and OPc still
// sealed: they are unsealed after the commit, outside the writer's turn), the SQN update, and the
// sole pair on the same connection (its KME, when one is stored, is unsealed in the writer's
// turn: one AES-GCM open). An unknown IMSI is not an error of the job (nothing is written, so the
// batch needs no rollback); a failed pair read is a note unless SQLite ended the transaction
// with it, which fails the job.
Result<SqnReservation> SqliteStore::reserve_sqn(std::string_view imsi, std::uint64_t step,
                                                bool with_sole_pair) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  if (auto st = check_step(step); !st) return std::unexpected(st.error());
  SqnReservation out;
  Bytes sealed_k;
  Bytes sealed_opc;
  bool found = false;
  // A job may run more than once (sqlite_group_commit.h): it sets every output afresh.
  auto written = write([&](Connection& c) -> Status {
    out = SqnReservation();
    found = false;
    std::int64_t current = 0;
    {
      auto s = c.prepare(attach_sql::subscriber());
      if (!s) return pass(s);
      s->bind_text(1, imsi);
      auto row = s->step();
      if (!row) return pass(row);
      if (!*row) return {};
      auto sub = decode_subscriber(*s, keys_, /*with_keys=*/false);
      if (!sub) return pass(sub);
      out.subscriber = std::move(*sub);
      const ByteView k = s->column_blob(kSealedKColumn);
      const ByteView opc = s->column_blob(kSealedOpcColumn);
      sealed_k.assign(k.begin(), k.end());
      sealed_opc.assign(opc.begin(), opc.end());
      current = s->column_int(kSqnColumn);
    }
    auto last = advance_from(c, imsi, current, step);
    if (!last) return std::unexpected(last.error());
    out.last_sqn = *last;
    found = true;
    if (with_sole_pair && out.subscriber.binding_mode == BindingMode::kKmeRequired) {
      auto sole = read_sole_pair(c, keys_, imsi);
      if (sole) {
        out.sole_pair = std::move(*sole);
      } else if (!c.in_transaction()) {
        return std::unexpected(sole.error());  // SQLite rolled back the SQN write with it
      } else {
        out.sole_pair_failure = sole.error().what();
      }
    }
    return {};
  });
  if (!written) return std::unexpected(written.error());
  if (!found) return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
  auto k = keys_.open_k(out.subscriber.imsi, sealed_k);
  if (!k) return std::unexpected(k.error());
  auto opc = keys_.open_opc(out.subscriber.imsi, sealed_opc);
  if (!opc) return std::unexpected(opc.error());
  out.subscriber.k = std::move(*k);
  out.subscriber.opc = std::move(*opc);
  return out;
}

}  // namespace kmebind::store::sqlite
