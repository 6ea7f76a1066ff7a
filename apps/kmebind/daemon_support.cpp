#include "daemon_support.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "command.h"
#include "net/logging.h"
#include "net/signals.h"

namespace kmebind::app {

Status block_daemon_signals() {
  if (auto st = net::block_control_signals(); !st) return st;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  if (int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
    return fail(Code::kInternal, std::string("cannot block SIGPIPE: ") + std::strerror(rc));
  }
  return {};
}

void announce_ready(std::string_view role, std::string_view details) {
  std::cout << "kmebind " << role << " ready: " << details << std::endl;  // endl: flushed
}

int config_failure(std::string_view role, const Error& error) {
  std::cerr << "kmebind " << role << ": " << error.message() << std::endl;
  return kExitConfig;
}

int runtime_failure(std::string_view role, const Error& error, bool logging_to_file) {
  if (logging_to_file) spdlog::critical("{}", error.message());
  std::cerr << "kmebind " << role << ": " << error.message() << std::endl;
  return kExitFailure;
}

Result<std::filesystem::path> diameter_runtime_dir(std::string_view role) {
  std::error_code ec;
  const std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
  if (ec) {
    const char* env = std::getenv("TMPDIR");
    return fail(Code::kIo, "no temporary directory for freeDiameter's files (TMPDIR=" +
                               std::string(env != nullptr ? env : "") + "): " + ec.message());
  }
  return tmp / ("kmebind-" + std::string(role) + "-" + std::to_string(::getpid()));
}

Result<std::unique_ptr<MetricsEndpointRunner>> MetricsEndpointRunner::start(
    const net::MetricsRegistry& registry, const MetricsEndpoint& endpoint) {
  std::unique_ptr<MetricsEndpointRunner> runner(new MetricsEndpointRunner());
  net::MetricsServerOptions options;
  options.address = endpoint.address;
  options.port = endpoint.port;
  auto server = net::MetricsServer::listen(runner->loop_, registry, options);
  if (!server) return fail(server.error().code(), "metrics: " + server.error().message());
  runner->server_ = std::move(*server);
  if (auto st = runner->loop_.start("metrics"); !st) return std::unexpected(st.error());
  return runner;
}

MetricsEndpointRunner::~MetricsEndpointRunner() {
  if (server_) server_->stop();
  loop_.stop();
  server_.reset();
}

std::string MetricsEndpointRunner::bound() const {
  return server_->local_endpoint().to_string();
}

std::string metrics_text(const MetricsEndpointRunner* runner) {
  return runner == nullptr ? "none" : runner->bound();
}

}  // namespace kmebind::app
