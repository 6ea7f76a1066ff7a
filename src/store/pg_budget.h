// How many connections a PostgreSQL server has room for (docs/store.md "Connections"): the HSS
// compares its pool size with it at start-up (apps/kmebind/store_budget.h holds that policy), so
// that a pool the server cannot hold is refused at start rather than failing requests under load
// with "too many clients already" (SQLSTATE 53300).
//
// Thread safety: plain values; read_connection_budget uses the one connection it is given.
#pragma once

#include "common/error.h"
#include "store/pg_db.h"

namespace kmebind::store::pg {

struct ServerConnectionBudget {
  int max_connections = 0;  // the server's max_connections
  // superuser_reserved_connections + reserved_connections (PostgreSQL 16+, 0 before): slots an
  // ordinary login role cannot use.
  int reserved = 0;
  // Client backends connected now, the caller's own connections included. To a role without
  // pg_read_all_stats other roles' sessions show without their backend_type: every session bound
  // to a database is counted then (an autovacuum worker running at that moment too).
  int in_use = 0;
  // Of in_use, the connections of the caller's own pool (not "taken" from its point of view).
  int own = 0;

  int usable() const { return max_connections - reserved; }
  // Slots free for the caller now: usable minus the connections of everyone else.
  int free_now() const { return usable() - (in_use - own); }
};

// Reads max_connections, the reserved slots and the client backends now (pg_stat_activity) in one
// statement on `conn`; `own` is left 0. kCorruption when the server answers something else than
// integers; the connection's error (e.g. a server without these settings) otherwise.
Result<ServerConnectionBudget> read_connection_budget(Connection& conn);

}  // namespace kmebind::store::pg
