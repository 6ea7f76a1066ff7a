#include "net/nas_client.h"

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <vector>

#include "net/asio_util.h"
#include "net/nas_stream.h"

namespace kmebind::net {

struct NasClient::Impl : std::enable_shared_from_this<NasClient::Impl> {
  Impl(EventLoop& l, NasClientOptions o, NasClientCallbacks c)
      : loop(l), options(std::move(o)), callbacks(std::move(c)) {}

  void flush_outbox();

  EventLoop& loop;
  NasClientOptions options;
  NasClientCallbacks callbacks;
  // Fixed after connect(); the pointed-to streams are touched on the loop thread only.
  std::vector<std::shared_ptr<detail::NasStream>> streams;
  std::vector<IpEndpoint> locals;
  std::vector<IpEndpoint> remotes;
  bool stopped = false;  // loop thread
  detail::Outbox<std::size_t> outbox;
};

void NasClient::Impl::flush_outbox() {
  if (stopped) return;
  for (auto& [index, frames] : outbox.take()) {
    auto stream = streams[index];
    stream->send_frames(frames);
  }
}

Result<std::unique_ptr<NasClient>> NasClient::connect(EventLoop& loop, NasClientOptions options,
                                                      NasClientCallbacks callbacks) {
  if (!callbacks.on_frame) return fail(Code::kInvalidArgument, "NAS client: on_frame is required");
  if (options.connections == 0) {
    return fail(Code::kInvalidArgument, "NAS client: at least one connection is needed");
  }
  if (options.max_frame_length < kFrameUeIdSize) {
    return fail(Code::kInvalidArgument, "NAS client: max_frame_length below 8");
  }
  const std::string where = options.host + ":" + std::to_string(options.port);
  std::error_code ec;
  asio::ip::tcp::resolver resolver(loop.context());
  const auto targets = resolver.resolve(options.host, std::to_string(options.port),
                                        asio::ip::resolver_base::numeric_service, ec);
  if (ec) return fail(Code::kIo, "NAS client: cannot resolve " + where + ": " + ec.message());

  auto impl = std::make_shared<Impl>(loop, std::move(options), std::move(callbacks));
  std::vector<asio::ip::tcp::socket> sockets;
  for (std::size_t i = 0; i < impl->options.connections; ++i) {
    asio::ip::tcp::socket socket(loop.context());
    asio::connect(socket, targets, ec);
    if (ec) {
      return fail(Code::kIo, "NAS client: connection " + std::to_string(i) + " to " + where +
                                 " failed: " + ec.message());
    }
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    impl->locals.push_back(detail::to_ip_endpoint(socket.local_endpoint(ec)));
    impl->remotes.push_back(detail::to_ip_endpoint(socket.remote_endpoint(ec)));
    sockets.push_back(std::move(socket));
  }
  const detail::NasStreamLimits limits{impl->options.max_frame_length,
                                       impl->options.max_queued_octets};
  std::weak_ptr<Impl> weak = impl;
  for (std::size_t i = 0; i < sockets.size(); ++i) {
    impl->streams.push_back(std::make_shared<detail::NasStream>(
        std::move(sockets[i]), limits,
        // Raw pointer is safe: a stream calls on_frame only while open, and stop() shuts them.
        [raw = impl.get(), i](UeId ue, ByteView pdu) { raw->callbacks.on_frame(i, ue, pdu); },
        [weak, i](const Error& reason) {
          auto self = weak.lock();
          if (self && !self->stopped && self->callbacks.on_disconnect) {
            self->callbacks.on_disconnect(i, reason);
          }
        }));
  }
  loop.run_sync([&] {
    for (auto& stream : impl->streams) stream->start();
  });
  return std::unique_ptr<NasClient>(new NasClient(std::move(impl)));
}

NasClient::NasClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

NasClient::~NasClient() {
  stop();
}

Status NasClient::send(std::size_t index, UeId ue, ByteView pdu) {
  if (index >= impl_->streams.size()) {
    return fail(Code::kInvalidArgument, "NAS client: no connection " + std::to_string(index) +
                                            " (" + std::to_string(impl_->streams.size()) +
                                            " open)");
  }
  if (pdu.size() > max_pdu_size(impl_->options.max_frame_length)) {
    return fail(Code::kInvalidArgument,
                "NAS PDU of " + std::to_string(pdu.size()) + " octets exceeds the frame limit");
  }
  if (impl_->loop.in_loop_thread()) {
    if (!impl_->stopped) impl_->streams[index]->send_frame(ue, pdu);
    return {};
  }
  if (impl_->outbox.add(index, ue, pdu)) {
    impl_->loop.post([weak = std::weak_ptr<Impl>(impl_)] {
      if (auto self = weak.lock()) self->flush_outbox();
    });
  }
  return {};
}

std::size_t NasClient::connection_count() const {
  return impl_->streams.size();
}

const IpEndpoint& NasClient::local_endpoint(std::size_t index) const {
  return impl_->locals[index];
}

const IpEndpoint& NasClient::remote_endpoint(std::size_t index) const {
  return impl_->remotes[index];
}

void NasClient::stop() {
  auto impl = impl_;
  impl->loop.run_sync([&] {
    if (impl->stopped) return;
    impl->stopped = true;
    for (auto& stream : impl->streams) stream->shutdown();
  });
}

}  // namespace kmebind::net
