// The CNN side of the UE↔CNN link (DESIGN.md §5): a TCP server carrying NAS frames (nas_frame.h)
// of many UEs over each of many connections, as S1AP would over its associations.
//
// Callbacks run on the EventLoop's thread, one at a time. on_disconnect is called exactly once
// for every connection that on_connect announced, whatever closed it (peer, error, bad frame,
// queue overflow, close()), except after stop(). A bad frame closes that connection only.
//
// Thread safety: send() and close() may be called from any thread; the rest from any thread too
// except that stop()/destruction must not race with each other.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/error.h"
#include "net/event_loop.h"
#include "net/ip_endpoint.h"
#include "net/nas_frame.h"

namespace kmebind::net {

using ConnectionId = std::uint64_t;  // never reused within one NasServer

struct NasServerOptions {
  std::string address = "127.0.0.1";  // numeric IPv4 or IPv6 address; "0.0.0.0" or "::" for all
  std::uint16_t port = 0;             // 0: the kernel picks one (see NasServer::port())
  std::uint32_t max_frame_length = kDefaultMaxFrameLength;
  std::size_t max_connections = 1024;  // further connections are accepted and closed at once
  // A connection whose peer leaves more than this many octets unread is closed (kUnavailable).
  std::size_t max_queued_octets = std::size_t{16} * 1024 * 1024;
};

struct NasServerCallbacks {
  // Optional. `peer` is the remote address (the eNodeB/simulator side).
  std::function<void(ConnectionId, const IpEndpoint& peer)> on_connect;
  // Required. `pdu` is valid during the call only.
  std::function<void(ConnectionId, UeId, ByteView pdu)> on_frame;
  // Optional. `reason` says why (kMalformed for a bad frame, kIo for peer close or I/O error,
  // kUnavailable for a peer that does not read, kNotAllowed for close()).
  std::function<void(ConnectionId, const Error& reason)> on_disconnect;
};

class NasServer {
 public:
  // Binds and listens on options.address:options.port, then accepts on `loop`. Fails with
  // kInvalidArgument for a bad address or missing on_frame, kIo when the socket cannot be bound
  // (the message names the address and the system error).
  static Result<std::unique_ptr<NasServer>> listen(EventLoop& loop, NasServerOptions options,
                                                   NasServerCallbacks callbacks);
  // stop()s.
  ~NasServer();
  NasServer(const NasServer&) = delete;
  NasServer& operator=(const NasServer&) = delete;

  // The address and port actually bound.
  const IpEndpoint& local_endpoint() const;
  std::uint16_t port() const { return local_endpoint().port; }

  // Queues `pdu` for UE `ue` on connection `id`; copied before return. Frames sent from one
  // thread leave in that order. Frames for a connection that is closed (or closes before they
  // are written) are dropped: on_disconnect tells the caller. Fails with kInvalidArgument if the
  // PDU exceeds max_pdu_size(max_frame_length).
  Status send(ConnectionId id, UeId ue, ByteView pdu);

  // Closes the connection (queued frames are dropped); on_disconnect follows with kNotAllowed.
  void close(ConnectionId id);

  // Stops accepting and closes every connection, without further callbacks. When it returns,
  // no callback is running or will run. Idempotent.
  void stop();

  // Connections open now.
  std::size_t connection_count() const;

  struct Impl;

 private:
  explicit NasServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace kmebind::net
