// Serves a MetricsRegistry over HTTP/1.1 for Prometheus to scrape (docs/operations.md §3):
// GET or HEAD /metrics (a query string is ignored) → 200 with the exposition text
// (kMetricsContentType); another path → 404; another method → 405; a request line that does not
// parse or a head above 8 KiB → 400; a head that does not arrive within request_timeout → close.
// One request per connection ("Connection: close").
//
// Runs on an EventLoop (a daemon may give it a loop of its own so that a slow scrape never delays
// NAS traffic). Thread safety: as NasServer.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/error.h"
#include "net/event_loop.h"
#include "net/ip_endpoint.h"
#include "net/metrics.h"

namespace kmebind::net {

struct MetricsServerOptions {
  std::string address = "127.0.0.1";  // numeric address; "0.0.0.0" or "::" for all
  std::uint16_t port = 0;             // 0: the kernel picks one
  std::size_t max_connections = 64;   // further scrapers are closed at once
  // A request head not complete within this time is closed without an answer.
  std::chrono::milliseconds request_timeout{5000};
};

class MetricsServer {
 public:
  // REQUIRES: `registry` outlives the server. Fails as NasServer::listen.
  static Result<std::unique_ptr<MetricsServer>> listen(EventLoop& loop,
                                                       const MetricsRegistry& registry,
                                                       MetricsServerOptions options);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  const IpEndpoint& local_endpoint() const;
  std::uint16_t port() const { return local_endpoint().port; }
  // Stops accepting and closes open scrapes. Idempotent.
  void stop();

  struct Impl;

 private:
  explicit MetricsServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// The response to one HTTP request head (request line and headers, up to the blank line), sans-IO:
// what the server above writes back. Exposed for tests.
std::string metrics_http_response(std::string_view request_head, const MetricsRegistry& registry);

}  // namespace kmebind::net
