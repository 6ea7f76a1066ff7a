// Internal to kmebind_net (included by nas_server.cpp and nas_client.cpp only): one framed NAS TCP
// connection. Reads into a FrameReader and hands out each frame; queues frames to send and writes
// everything queued in one write when the previous write completes (write coalescing).
//
// Thread safety: loop thread only. The object keeps itself alive (shared_from_this) while a read
// or write is pending or a callback runs.
#pragma once

#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "common/bytes.h"
#include "common/error.h"
#include "net/nas_frame.h"

namespace kmebind::net::detail {

struct NasStreamLimits {
  std::uint32_t max_frame_length = kDefaultMaxFrameLength;
  std::size_t max_queued_octets = 0;  // queued-but-unwritten octets above which the peer is cut off
};

class NasStream : public std::enable_shared_from_this<NasStream> {
 public:
  using FrameHandler = std::function<void(UeId, ByteView)>;
  // Called once, when the stream closes for any reason other than shutdown().
  using CloseHandler = std::function<void(const Error&)>;

  NasStream(asio::ip::tcp::socket socket, NasStreamLimits limits, FrameHandler on_frame,
            CloseHandler on_close);

  // Starts reading.
  void start();
  // Queues one frame. REQUIRES: pdu.size() <= max_pdu_size(limits.max_frame_length).
  void send_frame(UeId ue, ByteView pdu);
  // Queues already-encoded frames.
  void send_frames(ByteView frames);
  // Closes the socket, drops what is queued and reports `reason` to the close handler.
  void close(const Error& reason);
  // Closes the socket without calling the close handler (the owner is going away).
  void shutdown();
  bool is_open() const { return open_; }

 private:
  void read_more();
  void on_read(const std::error_code& ec, std::size_t n);
  void start_write();
  void check_queue_limit();

  asio::ip::tcp::socket socket_;
  NasStreamLimits limits_;
  FrameHandler on_frame_;
  CloseHandler on_close_;
  FrameReader reader_;
  Bytes pending_;  // frames queued since the write in flight started
  Bytes writing_;  // the write in flight
  bool write_in_flight_ = false;
  bool open_ = true;
};

// Frames sent from threads other than the loop's, gathered per connection until the loop flushes
// them (one post per burst, not per frame). Thread-safe.
template <class Key>
class Outbox {
 public:
  // Queues the frame; returns true when the caller must post a flush (none is pending).
  bool add(Key key, UeId ue, ByteView pdu) {
    std::lock_guard lock(mutex_);
    append_frame(pending_[key], ue, pdu);
    return !std::exchange(flush_posted_, true);
  }
  // Takes everything queued; called by the flush on the loop thread.
  std::unordered_map<Key, Bytes> take() {
    std::lock_guard lock(mutex_);
    flush_posted_ = false;
    return std::exchange(pending_, {});
  }

 private:
  std::mutex mutex_;
  std::unordered_map<Key, Bytes> pending_;
  bool flush_posted_ = false;
};

}  // namespace kmebind::net::detail
