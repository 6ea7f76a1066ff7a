// PostgreSQL engine: subscribers, SQN, binding mode, KME procedure policy and KME renewal
// requests.
#include <chrono>

#include "store/engine_util.h"
#include "store/kme_renewal.h"
#include "store/pg_rows.h"
#include "store/pg_store.h"

namespace kmebind::store::pg {
namespace {

Status not_found(std::string_view imsi) {
  return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
}

// Runs an UPDATE ... RETURNING 1 on one subscriber; kNotFound when no row matched.
Status update_one(Connection& c, std::string_view sql, const Params& p, std::string_view imsi) {
  auto r = c.query(sql, p);
  if (!r) return pass(r);
  if (r->count() == 0) return not_found(imsi);
  return {};
}

Status check_sqn_step(std::uint64_t step) {
  if (step == 0 || step > kSqnMax) {
    return fail(Code::kInvalidArgument, "SQN step must be between 1 and 2^48 - 1");
  }
  return {};
}

// TS 33.102 Annex C.1.1.2: adds `step` to the subscriber's SQN in one UPDATE (its row lock orders
// concurrent callers) and returns `columns` of the updated row ("s" is the subscribers row);
// kNotFound if the IMSI is absent, kNotAllowed (nothing changed) past 48 bits.
Result<Rows> advance_returning(Connection& c, std::string_view imsi, std::uint64_t step,
                               std::string_view columns) {
  auto r = c.query(
      "UPDATE subscribers s SET sqn = s.sqn + $1, updated_at = $2 "
      "WHERE s.imsi = $3 AND s.sqn <= $4 RETURNING " +
          std::string(columns),
      Params()
          .integer(static_cast<std::int64_t>(step))
          .integer(now_unix_s())
          .text(imsi)
          .integer(static_cast<std::int64_t>(kSqnMax - step)));
  if (!r) return pass(r);
  if (r->count() == 1) return r;
  if (auto st = require_subscriber(c, imsi); !st) return pass(st);
  return fail(Code::kNotAllowed, "SQN of IMSI " + std::string(imsi) +
                                     " would exceed 48 bits; resynchronise or re-provision");
}

}  // namespace

Status PgStore::do_add_subscriber(const SubscriberRecord& record, std::string_view actor) {
  if (auto st = validate_subscriber(record); !st) return st;
  return run(Txn::kWrite, [&](Connection& c) -> Status {
    const std::int64_t now = now_unix_s();
    if (auto st = insert_subscriber(c, keys_, record, now); !st) return st;
    const std::string detail =
        "binding " + std::string(to_string(record.binding_mode)) + ", procedures " +
        std::string(allowed_procedures_text(record.procedure1_allowed, record.procedure2_allowed));
    return insert_audit(c, now, {actor, "subscriber-add", record.imsi, "", detail, ""});
  });
}

Result<SubscriberRecord> PgStore::get_subscriber(std::string_view imsi) {
  if (auto st = check_imsi(imsi); !st) return pass(st);
  return run(Txn::kNone, [&](Connection& c) -> Result<SubscriberRecord> {
    auto r = c.query(
        "SELECT " + std::string(kSubscriberColumns) + " FROM subscribers s WHERE s.imsi = $1",
        Params().text(imsi));
    if (!r) return pass(r);
    if (r->count() == 0) return pass(not_found(imsi));
    return decode_subscriber(*r, 0, keys_, /*with_keys=*/true);
  });
}

Status PgStore::do_remove_subscriber(std::string_view imsi, std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return st;
  return run(Txn::kWrite, [&](Connection& c) -> Status {
    // Bindings and KME rows go by ON DELETE CASCADE.
    auto r = c.query("DELETE FROM subscribers WHERE imsi = $1 RETURNING 1", Params().text(imsi));
    if (!r) return pass(r);
    if (r->count() == 0) return not_found(imsi);
    return insert_audit(c, now_unix_s(),
                        {actor, "subscriber-remove", imsi, "", "with its bindings and KMEs", ""});
  });
}

// Keyset paging (subscriber_store.h): one range read of the primary key from `after_imsi` on.
Result<std::vector<std::string>> PgStore::list_subscribers(
    std::size_t limit, std::optional<std::string_view> after_imsi) {
  if (after_imsi) {
    if (auto st = check_imsi(*after_imsi); !st) return pass(st);
  }
  return run(Txn::kNone, [&](Connection& c) -> Result<std::vector<std::string>> {
    auto r = c.query("SELECT imsi FROM subscribers WHERE imsi > $1 ORDER BY imsi LIMIT $2",
                     Params().text(after_imsi.value_or("")).integer(sql_limit(limit)));
    if (!r) return pass(r);
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(r->count()));
    for (int i = 0; i < r->count(); ++i) out.push_back(r->text(i, 0));
    return out;
  });
}

// TS 33.102 Annex C.1.1.2: the HE/AuC increments SEQ for each new vector. One UPDATE ...
// RETURNING: the row lock makes a concurrent caller (this process or another front-end) wait for
// the COMMIT and then add to the committed value, so no two callers get the same SQN.
// The UPDATE runs on its own (autocommit): one round trip instead of BEGIN, UPDATE, COMMIT; libpq
// returns its rows after the implicit COMMIT was flushed (synchronous_commit on). A connection
// lost while it ran is retried once; if the lost statement had committed, the retry only skips
// one step of SQN (Annex C.2: SEQ must increase, gaps are allowed), it never repeats one.
Result<std::uint64_t> PgStore::advance_sqn(std::string_view imsi, std::uint64_t step) {
  if (auto st = check_imsi(imsi); !st) return pass(st);
  if (auto st = check_sqn_step(step); !st) return pass(st);
  return run(Txn::kNone, [&](Connection& c) -> Result<std::uint64_t> {
    auto r = advance_returning(c, imsi, step, "s.sqn");
    if (!r) return pass(r);
    auto sqn = r->integer(0, 0);
    if (!sqn || *sqn < 0) {
      return fail(Code::kCorruption, "SQN of IMSI " + std::string(imsi) + " unreadable");
    }
    return static_cast<std::uint64_t>(*sqn);
  });
}

// TS 33.102 Annex C.3.2 with the AIR's reads: advance_sqn's UPDATE returning the whole
// subscriber row (one round trip for both), then get_sole_pair when asked for (one statement):
// two round trips where the default makes three. Like advance_sqn it runs in autocommit, so a
// retry after a connection broken while the UPDATE was in flight may advance twice: SQNs are
// skipped, never handed out again.
Result<SqnReservation> PgStore::reserve_sqn(std::string_view imsi, std::uint64_t step,
                                            bool with_sole_pair) {
  if (auto st = check_imsi(imsi); !st) return pass(st);
  if (auto st = check_sqn_step(step); !st) return pass(st);
  auto reserved = run(Txn::kNone, [&](Connection& c) -> Result<SqnReservation> {
    auto r = advance_returning(c, imsi, step, kSubscriberColumns);
    if (!r) return pass(r);
    auto sub = decode_subscriber(*r, 0, keys_, /*with_keys=*/true);
    if (!sub) return pass(sub);
    SqnReservation out;
    out.last_sqn = sub->sqn;  // RETURNING gives the row after the UPDATE
    sub->sqn -= step;
    out.subscriber = std::move(*sub);
    return out;
  });
  if (!reserved) return reserved;
  if (with_sole_pair && reserved->subscriber.binding_mode == BindingMode::kKmeRequired) {
    auto sole = get_sole_pair(imsi);
    if (sole) {
      reserved->sole_pair = std::move(*sole);
    } else {
      reserved->sole_pair_failure = sole.error().what();
    }
  }
  return reserved;
}

Status PgStore::set_sqn(std::string_view imsi, std::uint64_t sqn) {
  if (auto st = check_imsi(imsi); !st) return st;
  if (sqn > kSqnMax) return fail(Code::kInvalidArgument, "SQN must fit in 48 bits");
  return run(Txn::kWrite, [&](Connection& c) {
    return update_one(
        c, "UPDATE subscribers SET sqn = $2, updated_at = $3 WHERE imsi = $1 RETURNING 1",
        Params().text(imsi).integer(static_cast<std::int64_t>(sqn)).integer(now_unix_s()), imsi);
  });
}

Status PgStore::set_binding_mode(std::string_view imsi, BindingMode mode, std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return st;
  return run(Txn::kWrite, [&](Connection& c) -> Status {
    auto q = c.query("SELECT binding_mode FROM subscribers WHERE imsi = $1 FOR UPDATE",
                     Params().text(imsi));
    if (!q) return pass(q);
    if (q->count() == 0) return not_found(imsi);
    const std::string old_mode = q->text(0, 0);
    if (old_mode == to_string(mode)) return {};
    const std::int64_t now = now_unix_s();
    if (auto st = update_one(c,
                             "UPDATE subscribers SET binding_mode = $2, updated_at = $3 "
                             "WHERE imsi = $1 RETURNING 1",
                             Params().text(imsi).text(to_string(mode)).integer(now), imsi);
        !st) {
      return st;
    }
    return insert_audit(
        c, now,
        {actor, "binding-mode", imsi, "", old_mode + " -> " + std::string(to_string(mode)), ""});
  });
}

Status PgStore::set_procedures_allowed(std::string_view imsi, bool procedure1, bool procedure2,
                                       std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return st;
  return run(Txn::kWrite, [&](Connection& c) -> Status {
    const std::int64_t now = now_unix_s();
    if (auto st = update_one(c,
                             "UPDATE subscribers SET procedure1_allowed = $2, "
                             "procedure2_allowed = $3, updated_at = $4 WHERE imsi = $1 RETURNING 1",
                             Params()
                                 .text(imsi)
                                 .integer(procedure1 ? 1 : 0)
                                 .integer(procedure2 ? 1 : 0)
                                 .integer(now),
                             imsi);
        !st) {
      return st;
    }
    std::string detail = "procedures allowed:";
    if (procedure1) detail += " 1";
    if (procedure2) detail += " 2";
    if (!procedure1 && !procedure2) detail += " none";
    return insert_audit(c, now, {actor, "kme-procedures", imsi, "", detail, ""});
  });
}

// Marks every pair of the IMSI that holds a KME now (schema.cpp version 4), one audit row each.
// The subscriber row is locked first (FOR KEY SHARE: against its removal only, so an AIR's SQN
// advance, an UPDATE of a non-key column, neither waits for it nor holds it up); a
// store_kme of one of its pairs committing first is marked too (the UPDATE re-reads the row), one
// committing after clears its pair's mark.
Status PgStore::request_kme_renewal(std::string_view imsi, std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return st;
  return run(Txn::kWrite, [&](Connection& c) -> Status {
    {
      auto sub =
          c.query("SELECT 1 FROM subscribers WHERE imsi = $1 FOR KEY SHARE", Params().text(imsi));
      if (!sub) return pass(sub);
      if (sub->count() == 0) return not_found(imsi);
    }
    const std::int64_t now = now_unix_s();
    auto r = c.query(
        "UPDATE kme_records SET renewal_requested = 1 "
        "WHERE imsi = $1 AND kme_sealed IS NOT NULL RETURNING imei, version",
        Params().text(imsi));
    if (!r) return pass(r);
    std::vector<MarkedKme> marked;
    for (int i = 0; i < r->count(); ++i) {
      auto version = version_of(*r, i, 1);
      if (!version) return pass(version);
      marked.push_back({r->text(i, 0), *version});
    }
    return write_kme_renewal_audit(marked, [&](std::string_view imei, std::string_view detail) {
      return insert_audit(c, now, {actor, "kme-renew", imsi, imei, detail, ""});
    });
  });
}

}  // namespace kmebind::store::pg
