#include "net/nas_server.h"

#include <spdlog/spdlog.h>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <unordered_map>

#include "common/limited_log.h"
#include "net/asio_util.h"
#include "net/nas_stream.h"

namespace kmebind::net {

struct NasServer::Impl : std::enable_shared_from_this<NasServer::Impl> {
  Impl(EventLoop& l, NasServerOptions o, NasServerCallbacks c)
      : loop(l),
        options(std::move(o)),
        callbacks(std::move(c)),
        acceptor(l.context()),
        retry_timer(l.context()) {}

  void accept();
  void on_accept(const std::error_code& ec, asio::ip::tcp::socket socket);
  void on_stream_closed(ConnectionId id, const Error& reason);
  void flush_outbox();

  EventLoop& loop;
  NasServerOptions options;
  NasServerCallbacks callbacks;
  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer retry_timer;  // accept back-off after EMFILE and the like
  IpEndpoint local;
  // Loop thread only.
  std::unordered_map<ConnectionId, std::shared_ptr<detail::NasStream>> streams;
  ConnectionId next_id = 1;
  bool stopped = false;
  // Any thread.
  detail::Outbox<ConnectionId> outbox;
  std::atomic<std::size_t> open_count{0};
};

void NasServer::Impl::accept() {
  acceptor.async_accept(
      [self = shared_from_this()](const std::error_code& ec, asio::ip::tcp::socket socket) {
        self->on_accept(ec, std::move(socket));
      });
}

void NasServer::Impl::on_accept(const std::error_code& ec, asio::ip::tcp::socket socket) {
  if (stopped) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    log_limited(spdlog::level::warn, "nas.accept_failed",
                "NAS server {}: accept failed: {}; retrying in 100 ms", local.to_string(),
                ec.message());
    retry_timer.expires_after(std::chrono::milliseconds(100));
    retry_timer.async_wait([self = shared_from_this()](const std::error_code& e) {
      if (!e && !self->stopped) self->accept();
    });
    return;
  }
  std::error_code ignored;
  const auto remote = socket.remote_endpoint(ignored);
  const IpEndpoint peer = detail::to_ip_endpoint(remote);
  if (streams.size() >= options.max_connections) {
    log_limited(spdlog::level::warn, "nas.connection_refused",
                "NAS server {}: refusing {}: {} connections open (max_connections)",
                local.to_string(), peer.to_string(), streams.size());
    socket.close(ignored);
    accept();
    return;
  }
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);  // we coalesce writes ourselves
  const ConnectionId id = next_id++;
  std::weak_ptr<Impl> weak = shared_from_this();
  auto stream = std::make_shared<detail::NasStream>(
      std::move(socket),
      detail::NasStreamLimits{options.max_frame_length, options.max_queued_octets},
      // `this` is safe: a stream calls on_frame only while open, and stop() shuts every stream.
      [this, id](UeId ue, ByteView pdu) { callbacks.on_frame(id, ue, pdu); },
      [weak, id](const Error& reason) {
        if (auto self = weak.lock()) self->on_stream_closed(id, reason);
      });
  streams.emplace(id, stream);
  open_count.store(streams.size());
  if (callbacks.on_connect) callbacks.on_connect(id, peer);
  if (!stopped && stream->is_open()) stream->start();
  accept();
}

void NasServer::Impl::on_stream_closed(ConnectionId id, const Error& reason) {
  streams.erase(id);
  open_count.store(streams.size());
  if (!stopped && callbacks.on_disconnect) callbacks.on_disconnect(id, reason);
}

void NasServer::Impl::flush_outbox() {
  if (stopped) return;
  for (auto& [id, frames] : outbox.take()) {
    auto it = streams.find(id);
    if (it == streams.end()) continue;
    auto stream = it->second;  // alive even if an overflow closes and erases it
    stream->send_frames(frames);
  }
}

Result<std::unique_ptr<NasServer>> NasServer::listen(EventLoop& loop, NasServerOptions options,
                                                     NasServerCallbacks callbacks) {
  if (!callbacks.on_frame) return fail(Code::kInvalidArgument, "NAS server: on_frame is required");
  if (options.max_frame_length < kFrameUeIdSize) {
    return fail(Code::kInvalidArgument, "NAS server: max_frame_length below 8");
  }
  auto impl = std::make_shared<Impl>(loop, std::move(options), std::move(callbacks));
  auto local = detail::open_acceptor(impl->acceptor, impl->options.address, impl->options.port,
                                     "NAS server");
  if (!local) return std::unexpected(local.error());
  impl->local = std::move(*local);
  loop.run_sync([&] { impl->accept(); });
  return std::unique_ptr<NasServer>(new NasServer(std::move(impl)));
}

NasServer::NasServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

NasServer::~NasServer() {
  stop();
}

const IpEndpoint& NasServer::local_endpoint() const {
  return impl_->local;
}

Status NasServer::send(ConnectionId id, UeId ue, ByteView pdu) {
  if (pdu.size() > max_pdu_size(impl_->options.max_frame_length)) {
    return fail(Code::kInvalidArgument,
                "NAS PDU of " + std::to_string(pdu.size()) + " octets exceeds the frame limit");
  }
  if (impl_->loop.in_loop_thread()) {
    if (impl_->stopped) return {};
    auto it = impl_->streams.find(id);
    if (it == impl_->streams.end()) return {};
    auto stream = it->second;  // alive even if an overflow closes and erases it
    stream->send_frame(ue, pdu);
    return {};
  }
  if (impl_->outbox.add(id, ue, pdu)) {
    impl_->loop.post([weak = std::weak_ptr<Impl>(impl_)] {
      if (auto self = weak.lock()) self->flush_outbox();
    });
  }
  return {};
}

void NasServer::close(ConnectionId id) {
  auto do_close = [weak = std::weak_ptr<Impl>(impl_), id] {
    auto self = weak.lock();
    if (!self || self->stopped) return;
    auto it = self->streams.find(id);
    if (it == self->streams.end()) return;
    auto stream = it->second;  // keep it alive through the callback
    stream->close(Error(Code::kNotAllowed, "connection closed by this node"));
  };
  if (impl_->loop.in_loop_thread()) {
    do_close();
  } else {
    impl_->loop.post(std::move(do_close));
  }
}

void NasServer::stop() {
  auto impl = impl_;
  impl->loop.run_sync([&] {
    if (impl->stopped) return;
    impl->stopped = true;
    std::error_code ignored;
    impl->acceptor.close(ignored);
    impl->retry_timer.cancel();
    for (auto& [id, stream] : impl->streams) stream->shutdown();
    impl->streams.clear();
    impl->open_count.store(0);
  });
}

std::size_t NasServer::connection_count() const {
  return impl_->open_count.load();
}

}  // namespace kmebind::net
