// `kmebind hss` (hss_daemon.h): start-up, the signal loop, reload and shutdown. The S6a handler
// that runs the Hss core on the worker pool is in hss_service.h.
#include "hss_daemon.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "daemon_config.h"
#include "daemon_support.h"
#include "diameter/fd_core.h"
#include "diameter/s6a_server.h"
#include "guard_metrics.h"
#include "hss_service.h"
#include "log_limit.h"
#include "net/logging.h"
#include "net/signals.h"
#include "store/pg_store.h"
#include "store/subscriber_store.h"
#include "store_budget.h"
#include "worker_pool.h"

namespace kmebind::app {
namespace {

constexpr std::string_view kRole = "hss";

std::string ring_summary(const std::vector<CookieKeyEntry>& entries) {
  std::string out;
  for (const CookieKeyEntry& e : entries) {
    if (!out.empty()) out += ", ";
    out += std::to_string(e.id) + " " + std::string(to_string(e.state));
  }
  return out;
}

// SIGHUP: read the file again; apply the Cookie key ring and the log settings. A bad file is
// logged and the running configuration kept. Binding lists and device keys need no reload: the
// core reads them from the store on every request.
void reload(const std::filesystem::path& path, HssService& service, HssDaemonConfig& running) {
  auto config = load_hss_config(path);
  if (!config) {
    spdlog::error("reload refused, running configuration kept: {}", config.error().message());
    return;
  }
  auto ring = load_cookie_key_ring(config->cookie_keys);
  if (!ring) {
    spdlog::error("reload refused, running configuration kept: {}", ring.error().message());
    return;
  }
  auto keyed = KeyedHss::create(service.store(), std::move(*ring), running.hss);
  if (!keyed) {
    spdlog::error("reload refused: {}", keyed.error().message());
    return;
  }
  service.replace(std::move(*keyed));
  if (auto logger = net::setup_logging(config->log); !logger) {
    spdlog::error("log settings not applied: {}", logger.error().message());
  } else {
    running.log = config->log;
    diameter::FdCore::set_log_level(config->diameter.fd_log_level);
  }
  running.cookie_keys = config->cookie_keys;
  spdlog::info(
      "reloaded {}: Cookie key ring [{}], log level {}; changes to store, diameter, "
      "hss and metrics take effect at the next start",
      path.string(), ring_summary(running.cookie_keys), running.log.level);
}

// The PostgreSQL server must have room for the pool (store_budget.h): refused (a configuration
// error) when it cannot, one warning when it has not right now. A server whose figures cannot be
// read (a PostgreSQL-compatible one without these settings) is warned about and not checked.
Status check_pg_budget(store::pg::PgStore& store, const HssDaemonConfig& config) {
  auto budget = store.connection_budget();
  if (!budget) {
    spdlog::warn("PostgreSQL connection budget not checked: {}", budget.error().message());
    return {};
  }
  auto verdict = check_connection_budget(config.workers, config.workers_where,
                                         store::redact_location(config.store.location), *budget);
  if (!verdict) return std::unexpected(verdict.error());
  if (*verdict) spdlog::warn("{}", **verdict);
  return {};
}

}  // namespace

int run_hss_daemon(const std::filesystem::path& config_path) {
  // 1. Configuration and key material: any problem is a configuration error (exit 3).
  auto config = load_hss_config(config_path);
  if (!config) return config_failure(kRole, config.error());
  auto ring = load_cookie_key_ring(config->cookie_keys);
  if (!ring) return config_failure(kRole, ring.error());
  auto master_key = load_store_master_key(config->store);
  if (!master_key) return config_failure(kRole, master_key.error());
  if (auto logger = net::setup_logging(config->log); !logger) {
    return config_failure(kRole, logger.error());
  }
  if (auto st = configure_log_limit_from_env(); !st) return config_failure(kRole, st.error());
  const bool to_file = !config->log.file.empty();

  // 2. Signals blocked before any thread exists (freeDiameter trap 6).
  if (auto st = block_daemon_signals(); !st) return runtime_failure(kRole, st.error(), to_file);

  // 3. Store, core, Diameter, workers, metrics.
  store::StoreOptions store_options;
  store_options.create_if_missing = false;
  store_options.max_connections = hss_pool_size(config->workers);
  auto store = store::open_store(config->store.location, std::move(*master_key), store_options);
  if (!store) {
    // A store that does not exist is a configuration mistake (exit 3, as for `admin`); a store
    // that exists but cannot be used (locked, server down) is a runtime failure (exit 1).
    const std::string where = store::redact_location(config->store.location);
    std::string message = store.error().message();
    if (message.find(where) == std::string::npos) message = "store " + where + ": " + message;
    if (store.error().code() == Code::kNotFound) {
      return config_failure(kRole, Error(Code::kNotFound,
                                         message + "; create it with `kmebind admin init`"));
    }
    return runtime_failure(kRole, Error(store.error().code(), message), to_file);
  }
  if (auto* pg = dynamic_cast<store::pg::PgStore*>(store->get())) {
    if (auto st = check_pg_budget(*pg, *config); !st) {
      if (to_file) spdlog::critical("{}", st.error().message());
      return config_failure(kRole, st.error());
    }
  }
  auto keyed = KeyedHss::create(**store, std::move(*ring), config->hss);
  if (!keyed) return config_failure(kRole, keyed.error());

  net::MetricsRegistry registry;
  WorkerPool pool(config->queue_limit);
  HssService service(**store, pool, registry, std::move(*keyed));
  ReceiveGuardMetrics guard_metrics(registry);

  diameter::DiameterConfig dconfig = config->diameter;
  auto runtime_dir = diameter_runtime_dir(kRole);
  if (!runtime_dir) return runtime_failure(kRole, runtime_dir.error(), to_file);
  dconfig.runtime_dir = std::move(*runtime_dir);
  auto core = diameter::FdCore::create(dconfig);
  std::error_code ec;
  std::filesystem::remove_all(dconfig.runtime_dir, ec);  // parsed; holds no secret, but tidy
  if (!core) {
    if (core.error().code() == Code::kInvalidArgument) return config_failure(kRole, core.error());
    return runtime_failure(kRole, core.error(), to_file);
  }
  auto server = diameter::S6aServer::create(**core, service);
  if (!server) return runtime_failure(kRole, server.error(), to_file);
  if (auto st = pool.start(config->workers, "hss-worker"); !st) {
    return runtime_failure(kRole, st.error(), to_file);
  }
  std::unique_ptr<MetricsEndpointRunner> metrics;
  if (config->metrics) {
    auto runner = MetricsEndpointRunner::start(registry, *config->metrics);
    if (!runner) {
      pool.close_and_drain();
      return runtime_failure(kRole, runner.error(), to_file);
    }
    metrics = std::move(*runner);
  }
  if (auto st = (*core)->start(); !st) {
    pool.close_and_drain();
    return runtime_failure(
        kRole,
        Error(st.error().code(), "diameter on " + config->diameter.listen_address + ":" +
                                     std::to_string(config->diameter.listen_port) + ": " +
                                     st.error().message()),
        to_file);
  }

  const std::string transport = config->diameter.clear_tcp ? "tcp" : "tls";
  spdlog::info(
      "serving {} on {}:{} ({}), {} workers, queue limit {}, Cookie key ring [{}], "
      "procedure 1 {}, store {}",
      config->diameter.identity, config->diameter.listen_address, config->diameter.listen_port,
      transport, config->workers, config->queue_limit, ring_summary(config->cookie_keys),
      config->hss.allow_procedure1 ? "allowed on TLS links" : "not offered",
      store::redact_location(config->store.location));
  announce_ready(kRole, "diameter=" + config->diameter.listen_address + ":" +
                            std::to_string(config->diameter.listen_port) + "/" + transport +
                            " identity=" + config->diameter.identity +
                            " metrics=" + metrics_text(metrics.get()));

  // 4. Control signals; every second the gauges are refreshed.
  HssDaemonConfig running = *config;
  int exit_code = 0;
  for (;;) {
    auto sig = net::wait_control_signal_for(std::chrono::milliseconds(1000));
    if (!sig) {
      spdlog::error("waiting for signals failed: {}; stopping", sig.error().message());
      break;
    }
    if (!*sig) {
      if ((*core)->core_lost()) {  // docs/diameter.md §6: freeDiameter gave up on its own
        spdlog::critical("the Diameter core stopped on its own; stopping with exit code 1");
        exit_code = 1;
        break;
      }
      service.refresh_gauges(**core, running.diameter.allowed_peers);
      guard_metrics.refresh(**core);
      log_suppressed_lines();
      continue;
    }
    if ((*sig)->action == net::ControlAction::kReload) {
      reload(config_path, service, running);
      continue;
    }
    spdlog::info("{} received, stopping", net::signal_name((*sig)->number));
    break;
  }

  // 5. Shutdown: requests still arriving are answered TOO_BUSY while the workers finish the
  // queue (so every accepted request gets its answer), then Diameter stops (DPR to the peers).
  pool.close_and_drain();
  (*core)->stop();
  server->reset();
  core->reset();
  metrics.reset();
  log_suppressed_lines(/*at_stop=*/true);
  spdlog::info("stopped");
  return exit_code;
}

}  // namespace kmebind::app
