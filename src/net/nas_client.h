// The UE side of the UE↔CNN link (DESIGN.md §5), for the simulator: N TCP connections to a
// NasServer, each carrying the NAS frames of many UEs. Which UE uses which connection is the
// caller's choice (e.g. ue % connection_count()).
//
// Callbacks run on the EventLoop's thread, one at a time; on_disconnect is called once per
// connection that closes, except after stop(). A closed connection is not re-established.
//
// Thread safety: send() from any thread; stop()/destruction must not race with each other.
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

struct NasClientOptions {
  std::string host = "127.0.0.1";  // host name or numeric address of the NasServer
  std::uint16_t port = 0;
  std::size_t connections = 1;
  std::uint32_t max_frame_length = kDefaultMaxFrameLength;
  std::size_t max_queued_octets = std::size_t{16} * 1024 * 1024;
};

struct NasClientCallbacks {
  // Required. `index` is the connection, 0..connections-1; `pdu` is valid during the call only.
  std::function<void(std::size_t index, UeId, ByteView pdu)> on_frame;
  // Optional.
  std::function<void(std::size_t index, const Error& reason)> on_disconnect;
};

class NasClient {
 public:
  // Resolves the host and opens every connection (blocking the calling thread), then starts
  // reading on `loop`. Fails with kInvalidArgument (bad options), kIo (resolution or connect
  // failed; the connections opened so far are closed again).
  static Result<std::unique_ptr<NasClient>> connect(EventLoop& loop, NasClientOptions options,
                                                    NasClientCallbacks callbacks);
  ~NasClient();
  NasClient(const NasClient&) = delete;
  NasClient& operator=(const NasClient&) = delete;

  // Queues `pdu` for UE `ue` on connection `index`; copied before return. Frames sent from one
  // thread leave in that order; frames for a closed connection are dropped. Fails with
  // kInvalidArgument for index >= connection_count() or a PDU above the frame limit.
  Status send(std::size_t index, UeId ue, ByteView pdu);

  std::size_t connection_count() const;
  // The two ends of connection `index` (for pcap records). REQUIRES: index < connection_count().
  const IpEndpoint& local_endpoint(std::size_t index) const;
  const IpEndpoint& remote_endpoint(std::size_t index) const;

  // Closes every connection without further callbacks; afterwards no callback runs. Idempotent.
  void stop();

  struct Impl;

 private:
  explicit NasClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace kmebind::net
