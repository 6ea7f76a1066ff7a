// The PostgreSQL server's connection budget (pg_budget.h).
#include "store/pg_budget.h"

#include <limits>

namespace kmebind::store::pg {
namespace {

// PostgreSQL 15 manual §20.3.1 (max_connections, superuser_reserved_connections), PostgreSQL 16
// §20.3.1 (reserved_connections: current_setting(..., true) is NULL on older servers), §28.2.3
// (pg_stat_activity: backend_type 'client backend'; NULL for other roles' sessions unless the
// caller has pg_read_all_stats, whose datid stays visible while the auxiliary processes have none).
constexpr std::string_view kBudgetQuery =
    "SELECT current_setting('max_connections')::integer, "
    "current_setting('superuser_reserved_connections')::integer, "
    "COALESCE(NULLIF(current_setting('reserved_connections', true), '')::integer, 0), "
    "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
    "OR (backend_type IS NULL AND datid IS NOT NULL))";

Result<int> small_int(const Rows& rows, int col) {
  auto v = rows.integer(0, col);
  if (!v) return std::unexpected(v.error());
  if (*v < 0 || *v > std::numeric_limits<int>::max()) {
    return fail(Code::kCorruption,
                "connection budget: value " + std::to_string(*v) + " out of range");
  }
  return static_cast<int>(*v);
}

}  // namespace

Result<ServerConnectionBudget> read_connection_budget(Connection& conn) {
  auto rows = conn.query(kBudgetQuery);
  if (!rows) return std::unexpected(rows.error());
  if (rows->count() != 1) return fail(Code::kCorruption, "connection budget: no row");
  ServerConnectionBudget b;
  for (auto [col, field] :
       {std::pair{0, &b.max_connections}, std::pair{1, &b.reserved}, std::pair{3, &b.in_use}}) {
    auto v = small_int(*rows, col);
    if (!v) return std::unexpected(v.error());
    *field = *v;
  }
  auto extra = small_int(*rows, 2);
  if (!extra) return std::unexpected(extra.error());
  b.reserved += *extra;
  return b;
}

}  // namespace kmebind::store::pg
