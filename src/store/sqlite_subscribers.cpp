// SQLite engine: subscribers, SQN, binding mode, KME procedure policy and KME renewal requests.
#include <limits>

#include "store/engine_util.h"
#include "store/kme_renewal.h"
#include "store/sqlite_attach_sql.h"
#include "store/sqlite_listings.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace kmebind::store::sqlite {
namespace {

// Runs an UPDATE on one subscriber; kNotFound when no row matched.
Status update_one(Connection& c, std::string_view sql, std::string_view imsi,
                  const std::function<void(Statement&)>& bind_rest) {
  auto s = c.prepare(sql);
  if (!s) return pass(s);
  s->bind_text(1, imsi);
  bind_rest(*s);
  if (auto st = s->run(); !st) return st;
  if (c.changes() == 0) return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
  return {};
}

}  // namespace

Status SqliteStore::do_add_subscriber(const SubscriberRecord& record, std::string_view actor) {
  if (auto st = validate_subscriber(record); !st) return st;
  return write([&](Connection& c) -> Status {
    const std::int64_t now = now_unix_s();
    if (auto st = insert_subscriber(c, keys_, record, now); !st) return st;
    const std::string detail =
        "binding " + std::string(to_string(record.binding_mode)) + ", procedures " +
        std::string(allowed_procedures_text(record.procedure1_allowed, record.procedure2_allowed));
    return insert_audit(c, now, {actor, "subscriber-add", record.imsi, "", detail, ""});
  });
}

Result<SubscriberRecord> SqliteStore::get_subscriber(std::string_view imsi) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  return read([&](Connection& c) -> Result<SubscriberRecord> {
    auto s = c.prepare(attach_sql::subscriber());
    if (!s) return pass(s);
    s->bind_text(1, imsi);
    auto row = s->step();
    if (!row) return pass(row);
    if (!*row) return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
    return decode_subscriber(*s, keys_, /*with_keys=*/true);
  });
}

Status SqliteStore::do_remove_subscriber(std::string_view imsi, std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return st;
  return write([&](Connection& c) -> Status {
    auto s = c.prepare("DELETE FROM subscribers WHERE imsi = ?");
    if (!s) return pass(s);
    s->bind_text(1, imsi);
    if (auto st = s->run(); !st) return st;
    if (c.changes() == 0) return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
    return insert_audit(c, now_unix_s(),
                        {actor, "subscriber-remove", imsi, "", "with its bindings and KMEs", ""});
  });
}

// Keyset paging (subscriber_store.h): one range read of the primary key from `after_imsi` on.
Result<std::vector<std::string>> SqliteStore::list_subscribers(
    std::size_t limit, std::optional<std::string_view> after_imsi) {
  if (after_imsi) {
    if (auto st = check_imsi(*after_imsi); !st) return std::unexpected(st.error());
  }
  return read([&](Connection& c) -> Result<std::vector<std::string>> {
    auto s = c.prepare(listing_sql::kSubscribers);
    if (!s) return pass(s);
    s->bind_text(1, after_imsi.value_or("")).bind_int(2, sql_limit(limit));
    std::vector<std::string> out;
    for (;;) {
      auto row = s->step();
      if (!row) return pass(row);
      if (!*row) return out;
      out.push_back(s->column_text(0));
    }
  });
}

// TS 33.102 §6.3.5: re-synchronisation sets SQN_HE to SQN_MS.
Status SqliteStore::set_sqn(std::string_view imsi, std::uint64_t sqn) {
  if (auto st = check_imsi(imsi); !st) return st;
  if (sqn > kSqnMax) return fail(Code::kInvalidArgument, "SQN must fit in 48 bits");
  return write([&](Connection& c) {
    return update_one(c, "UPDATE subscribers SET sqn = ?2, updated_at = ?3 WHERE imsi = ?1", imsi,
                      [&](Statement& s) {
                        s.bind_int(2, static_cast<std::int64_t>(sqn)).bind_int(3, now_unix_s());
                      });
  });
}

Status SqliteStore::set_binding_mode(std::string_view imsi, BindingMode mode,
                                     std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return st;
  return write([&](Connection& c) -> Status {
    auto q = c.prepare("SELECT binding_mode FROM subscribers WHERE imsi = ?");
    if (!q) return pass(q);
    q->bind_text(1, imsi);
    auto row = q->step();
    if (!row) return pass(row);
    if (!*row) return fail(Code::kNotFound, "no subscriber with IMSI " + std::string(imsi));
    const std::string old_mode = q->column_text(0);
    if (old_mode == to_string(mode)) return {};
    const std::int64_t now = now_unix_s();
    if (auto st = update_one(c, "UPDATE subscribers SET binding_mode = ?2, updated_at = ?3 "
                                "WHERE imsi = ?1", imsi,
                             [&](Statement& s) { s.bind_text(2, to_string(mode)).bind_int(3, now); });
        !st) {
      return st;
    }
    return insert_audit(c, now, {actor, "binding-mode", imsi, "",
                                 old_mode + " -> " + std::string(to_string(mode)), ""});
  });
}

Status SqliteStore::set_procedures_allowed(std::string_view imsi, bool procedure1,
                                           bool procedure2, std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return st;
  return write([&](Connection& c) -> Status {
    const std::int64_t now = now_unix_s();
    if (auto st = update_one(c, "UPDATE subscribers SET procedure1_allowed = ?2, "
                                "procedure2_allowed = ?3, updated_at = ?4 WHERE imsi = ?1", imsi,
                             [&](Statement& s) {
                               s.bind_int(2, procedure1 ? 1 : 0)
                                   .bind_int(3, procedure2 ? 1 : 0)
                                   .bind_int(4, now);
                             });
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
Status SqliteStore::request_kme_renewal(std::string_view imsi, std::string_view actor) {
  if (auto st = check_imsi(imsi); !st) return st;
  return write([&](Connection& c) -> Status {
    if (auto st = require_subscriber(c, imsi); !st) return st;
    const std::int64_t now = now_unix_s();
    std::vector<MarkedKme> marked;
    {
      auto s = c.prepare(
          "UPDATE kme_records SET renewal_requested = 1 "
          "WHERE imsi = ? AND kme_sealed IS NOT NULL RETURNING imei, version");
      if (!s) return pass(s);
      s->bind_text(1, imsi);
      for (;;) {
        auto row = s->step();
        if (!row) return pass(row);
        if (!*row) break;
        const std::int64_t v = s->column_int(1);
        if (v < 1 || v > std::numeric_limits<std::uint32_t>::max()) {
          return fail(Code::kCorruption, "KME version out of range for IMSI " + std::string(imsi));
        }
        marked.push_back({s->column_text(0), static_cast<std::uint32_t>(v)});
      }
    }
    return write_kme_renewal_audit(marked, [&](std::string_view imei, std::string_view detail) {
      return insert_audit(c, now, {actor, "kme-renew", imsi, imei, detail, ""});
    });
  });
}

}  // namespace kmebind::store::sqlite
