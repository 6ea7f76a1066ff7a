// The HSS's PostgreSQL connection budget policy (store_budget.h).
#include "store_budget.h"

#include <algorithm>

namespace kmebind::app {
namespace {

constexpr unsigned kMaxPool = 64;
constexpr std::string_view kOtherRemedies =
    "raise max_connections on the server, or put PgBouncer in session mode in front "
    "(docs/scaling.md \"Connections\")";

std::string pool_text(unsigned workers) {
  return "up to " + std::to_string(hss_pool_size(workers)) + " connections (hss.workers " +
         std::to_string(workers) + " + 2, at most " + std::to_string(kMaxPool) + ")";
}

std::string server_text(const std::string& server, const store::pg::ServerConnectionBudget& b) {
  return server + " has max_connections " + std::to_string(b.max_connections) + ", " +
         std::to_string(b.reserved) +
         " of them reserved (superuser_reserved_connections, reserved_connections)";
}

}  // namespace

int hss_pool_size(unsigned workers) {
  return static_cast<int>(std::min(workers + 2, kMaxPool));
}

Result<std::optional<std::string>> check_connection_budget(
    unsigned workers, const std::string& workers_where, const std::string& server,
    const store::pg::ServerConnectionBudget& budget) {
  const int pool = hss_pool_size(workers);
  if (pool > budget.usable()) {
    // hss_pool_size(w) = w + 2 below the cap: the largest w whose pool fits.
    const int fits = budget.usable() - 2;
    return fail(Code::kInvalidArgument,
                workers_where + ": the store's connection pool opens " + pool_text(workers) +
                    ", more than the PostgreSQL server allows: " + server_text(server, budget) +
                    ", so " + std::to_string(budget.usable()) + " for kmebind; " +
                    (fits >= 1 ? "set hss.workers to " + std::to_string(fits) + " or less, "
                               : std::string("lower hss.workers, ")) +
                    std::string(kOtherRemedies));
  }
  if (pool > budget.free_now()) {
    return std::optional<std::string>(
        "PostgreSQL connection budget: the store's pool opens " + pool_text(workers) + " but " +
        std::to_string(std::max(budget.free_now(), 0)) +
        " are free now: " + server_text(server, budget) + ", and other sessions hold " +
        std::to_string(budget.in_use - budget.own) +
        "; store calls will fail with 'too many clients' when the pool grows past that while "
        "they last: lower hss.workers, " +
        std::string(kOtherRemedies));
  }
  return std::optional<std::string>();
}

}  // namespace kmebind::app
