#include "net/metrics_server.h"

#include <spdlog/spdlog.h>

#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <unordered_set>

#include "common/limited_log.h"
#include "net/asio_util.h"

namespace kmebind::net {
namespace {

constexpr std::size_t kMaxRequestHead = std::size_t{8} * 1024;

std::string response(std::string_view status, std::string_view content_type,
                     std::string_view extra_headers, const std::string& body, bool head_only) {
  std::string out = "HTTP/1.1 ";
  out += status;
  out += "\r\nContent-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size());
  out += "\r\nConnection: close\r\n";
  out += extra_headers;
  out += "\r\n";
  if (!head_only) out += body;
  return out;
}

}  // namespace

// RFC 9112 §3: request-line = method SP request-target SP HTTP-version.
std::string metrics_http_response(std::string_view request_head, const MetricsRegistry& registry) {
  const std::string_view text = "text/plain; charset=utf-8";
  const std::size_t eol = request_head.find("\r\n");
  const std::string_view line = request_head.substr(0, eol);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || !line.substr(sp2 + 1).starts_with("HTTP/1.")) {
    return response("400 Bad Request", text, "", "bad request line\n", false);
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  if (target != "/metrics") return response("404 Not Found", text, "", "not found\n", false);
  const bool head = method == "HEAD";
  if (method != "GET" && !head) {
    return response("405 Method Not Allowed", text, "Allow: GET, HEAD\r\n", "method not allowed\n",
                    false);
  }
  return response("200 OK", kMetricsContentType, "", registry.render(), head);
}

constexpr std::chrono::milliseconds kAcceptRetry{100};

struct MetricsServer::Impl : std::enable_shared_from_this<MetricsServer::Impl> {
  Impl(EventLoop& l, const MetricsRegistry& r, MetricsServerOptions o)
      : loop(l),
        registry(r),
        options(std::move(o)),
        acceptor(l.context()),
        retry_timer(l.context()) {}

  struct Session : std::enable_shared_from_this<Session> {
    Session(asio::ip::tcp::socket s, asio::io_context& context)
        : socket(std::move(s)), timer(context) {}
    asio::ip::tcp::socket socket;
    asio::steady_timer timer;
    std::string in;
    std::string out;
  };

  void accept();
  void serve(const std::shared_ptr<Session>& session);
  void finish(const std::shared_ptr<Session>& session);

  EventLoop& loop;
  const MetricsRegistry& registry;
  MetricsServerOptions options;
  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer retry_timer;  // accept back-off after EMFILE and the like
  IpEndpoint local;
  std::unordered_set<std::shared_ptr<Session>> sessions;  // loop thread
  bool stopped = false;
};

void MetricsServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](const std::error_code& ec,
                                                    asio::ip::tcp::socket socket) {
    if (self->stopped || ec == asio::error::operation_aborted) return;
    if (ec) {
      // The error usually lasts (no file descriptor left): accepting again at once would spin.
      log_limited(spdlog::level::warn, "metrics.accept_failed",
                  "metrics server {}: accept failed: {}; retrying in {} ms",
                  self->local.to_string(), ec.message(), kAcceptRetry.count());
      self->retry_timer.expires_after(kAcceptRetry);
      self->retry_timer.async_wait([self](const std::error_code& e) {
        if (!e && !self->stopped) self->accept();
      });
      return;
    }
    if (self->sessions.size() >= self->options.max_connections) {
      std::error_code ignored;
      socket.close(ignored);
    } else {
      auto session = std::make_shared<Session>(std::move(socket), self->loop.context());
      self->sessions.insert(session);
      self->serve(session);
    }
    self->accept();
  });
}

void MetricsServer::Impl::serve(const std::shared_ptr<Session>& session) {
  session->timer.expires_after(options.request_timeout);
  session->timer.async_wait([self = shared_from_this(), session](const std::error_code& ec) {
    if (!ec) self->finish(session);  // too slow: close without an answer
  });
  asio::async_read_until(
      session->socket, asio::dynamic_buffer(session->in, kMaxRequestHead), "\r\n\r\n",
      [self = shared_from_this(), session](const std::error_code& ec, std::size_t n) {
        if (self->stopped || !self->sessions.contains(session)) return;
        if (ec) {
          if (ec == asio::error::not_found) {  // head above kMaxRequestHead
            session->out =
                "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
          } else {
            self->finish(session);
            return;
          }
        } else {
          session->out =
              metrics_http_response(std::string_view(session->in).substr(0, n), self->registry);
        }
        asio::async_write(
            session->socket, asio::buffer(session->out),
            [self, session](const std::error_code&, std::size_t) { self->finish(session); });
      });
}

void MetricsServer::Impl::finish(const std::shared_ptr<Session>& session) {
  std::error_code ignored;
  session->timer.cancel();
  session->socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  session->socket.close(ignored);
  sessions.erase(session);
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::listen(EventLoop& loop,
                                                             const MetricsRegistry& registry,
                                                             MetricsServerOptions options) {
  auto impl = std::make_shared<Impl>(loop, registry, std::move(options));
  auto local = detail::open_acceptor(impl->acceptor, impl->options.address, impl->options.port,
                                     "metrics server");
  if (!local) return std::unexpected(local.error());
  impl->local = std::move(*local);
  loop.run_sync([&] { impl->accept(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
  stop();
}

const IpEndpoint& MetricsServer::local_endpoint() const {
  return impl_->local;
}

void MetricsServer::stop() {
  auto impl = impl_;
  impl->loop.run_sync([&] {
    if (impl->stopped) return;
    impl->stopped = true;
    std::error_code ignored;
    impl->acceptor.close(ignored);
    impl->retry_timer.cancel();
    for (const auto& session : std::vector(impl->sessions.begin(), impl->sessions.end())) {
      impl->finish(session);
    }
  });
}

}  // namespace kmebind::net
