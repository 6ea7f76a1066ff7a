// What `kmebind hss` and `kmebind cnn` share at run time (docs/daemons.md): signal blocking, the
// readiness line, error reporting with the documented exit codes, and the metrics endpoint on a
// loop of its own (a slow scrape never delays protocol work).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "daemon_config.h"
#include "net/event_loop.h"
#include "net/metrics.h"
#include "net/metrics_server.h"

namespace kmebind::app {

// Blocks SIGINT, SIGTERM, SIGHUP (taken by the main thread with sigwait, net/signals.h) and
// SIGPIPE in the calling thread. Call first, before any thread exists: every thread started
// later (freeDiameter's ~20 included, shared/notes/freediameter.md trap 6) inherits the mask.
Status block_daemon_signals();

// Prints "kmebind <role> ready: <details>" on stdout and flushes it (parents wait for this line).
void announce_ready(std::string_view role, std::string_view details);

// Reports `error` on stderr as "kmebind <role>: <message>" (and in the log when logging goes to
// a file) and returns the exit code: kExitConfig (3) from config_failure, kExitFailure (1) from
// runtime_failure.
int config_failure(std::string_view role, const Error& error);
int runtime_failure(std::string_view role, const Error& error, bool logging_to_file);

// The directory for freeDiameter's generated files of this process: <temporary directory>/
// kmebind-<role>-<pid>, the temporary directory being $TMPDIR, else /tmp. kIo naming TMPDIR when
// that is not an existing directory (the daemon then exits 1 instead of aborting).
Result<std::filesystem::path> diameter_runtime_dir(std::string_view role);

// The metrics endpoint with its own event loop.
class MetricsEndpointRunner {
 public:
  // Binds and serves `registry` at `endpoint`. kIo when the address cannot be bound.
  // REQUIRES: registry outlives the runner.
  static Result<std::unique_ptr<MetricsEndpointRunner>> start(const net::MetricsRegistry& registry,
                                                              const MetricsEndpoint& endpoint);
  ~MetricsEndpointRunner();
  // "127.0.0.1:9101"
  std::string bound() const;

 private:
  MetricsEndpointRunner() = default;
  net::EventLoop loop_;
  std::unique_ptr<net::MetricsServer> server_;
};

// "127.0.0.1:9101" of a runner, or "none".
std::string metrics_text(const MetricsEndpointRunner* runner);

}  // namespace kmebind::app
