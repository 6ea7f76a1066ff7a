// The PostgreSQL connection budget check of `kmebind hss` start-up (docs/daemons.md §1,
// docs/scaling.md "Connections"): the HSS's pool opens up to min(hss.workers + 2, 64)
// connections, on demand, so a pool the server cannot hold would only show under load, as store
// calls failing with "too many clients already". At start, with a postgresql:// store:
//   - pool > what the server allows a login role (max_connections − reserved): refused, exit 3;
//   - pool > what is free now (others' connections taken off): started, one warning.
// The server's figures come from store::pg::PgStore::connection_budget (src/store/pg_budget.h).
//
// Thread safety: plain functions.
#pragma once

#include <optional>
#include <string>

#include "common/error.h"
#include "store/pg_budget.h"

namespace kmebind::app {

// The HSS's pool size for `workers` store workers: each worker holds at most one connection while
// it runs a call, plus two for the start-up and the main thread, at most 64.
int hss_pool_size(unsigned workers);

// kInvalidArgument naming `workers_where` ("hss.yaml:17: hss.workers") and the server's figures
// when the pool cannot fit; else the warning to log when it does not fit in what is free now; else
// nullopt. `server` is the redacted store location.
Result<std::optional<std::string>> check_connection_budget(
    unsigned workers, const std::string& workers_where, const std::string& server,
    const store::pg::ServerConnectionBudget& budget);

}  // namespace kmebind::app
