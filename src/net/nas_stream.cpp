#include "net/nas_stream.h"

#include <asio/write.hpp>

namespace kmebind::net::detail {
namespace {

constexpr std::size_t kReadChunk = std::size_t{64} * 1024;

}  // namespace

NasStream::NasStream(asio::ip::tcp::socket socket, NasStreamLimits limits, FrameHandler on_frame,
                     CloseHandler on_close)
    : socket_(std::move(socket)),
      limits_(limits),
      on_frame_(std::move(on_frame)),
      on_close_(std::move(on_close)),
      reader_(limits.max_frame_length) {}

void NasStream::start() {
  read_more();
}

void NasStream::read_more() {
  auto room = reader_.prepare(kReadChunk);
  socket_.async_read_some(asio::buffer(room.data(), room.size()),
                          [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                            self->on_read(ec, n);
                          });
}

void NasStream::on_read(const std::error_code& ec, std::size_t n) {
  if (!open_) return;
  if (ec) {
    if (ec == asio::error::eof) {
      close(Error(Code::kIo, "connection closed by the peer"));
    } else {
      close(Error(Code::kIo, "read failed: " + ec.message()));
    }
    return;
  }
  reader_.commit(n);
  for (;;) {
    auto frame = reader_.next();
    if (!frame) {
      close(frame.error());
      return;
    }
    if (!*frame) break;
    on_frame_((*frame)->ue, (*frame)->pdu);
    if (!open_) return;  // the callback closed us
  }
  read_more();
}

void NasStream::send_frame(UeId ue, ByteView pdu) {
  if (!open_) return;
  append_frame(pending_, ue, pdu);
  check_queue_limit();
  if (open_ && !write_in_flight_) start_write();
}

void NasStream::send_frames(ByteView frames) {
  if (!open_ || frames.empty()) return;
  pending_.insert(pending_.end(), frames.begin(), frames.end());
  check_queue_limit();
  if (open_ && !write_in_flight_) start_write();
}

void NasStream::check_queue_limit() {
  const std::size_t queued = pending_.size() + writing_.size();
  if (limits_.max_queued_octets != 0 && queued > limits_.max_queued_octets) {
    close(Error(Code::kUnavailable, "peer does not read: " + std::to_string(queued) +
                                        " octets queued, limit " +
                                        std::to_string(limits_.max_queued_octets)));
  }
}

void NasStream::start_write() {
  if (pending_.empty()) return;
  writing_.swap(pending_);
  pending_.clear();
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const std::error_code& ec, std::size_t) {
                      self->write_in_flight_ = false;
                      self->writing_.clear();
                      if (!self->open_) return;
                      if (ec) {
                        self->close(Error(Code::kIo, "write failed: " + ec.message()));
                        return;
                      }
                      self->start_write();
                    });
}

void NasStream::close(const Error& reason) {
  if (!open_) return;
  shutdown();
  if (on_close_) {
    auto handler = std::move(on_close_);
    on_close_ = nullptr;
    handler(reason);
  }
}

void NasStream::shutdown() {
  if (!open_) return;
  open_ = false;
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  pending_.clear();
}

}  // namespace kmebind::net::detail
