// The serving-node (CNN/MME) side of S6a on freeDiameter: sends AIR, ULR and KME-Request to the
// configured HSS peers and delivers the typed answers.
//
// Routing: any open, verified peer of the configuration may take a request (Destination-Realm =
// DiameterConfig::request_realm(), no Destination-Host); among them the one with the fewest
// requests in flight is preferred. When a peer answers with the E bit and
// DIAMETER_UNABLE_TO_DELIVER (3002) or DIAMETER_TOO_BUSY (3004), the request is sent once more
// to another open peer, if there is one. freeDiameter itself moves requests of a link that
// breaks to another peer.
//
// Callbacks: each send() calls its callback exactly once:
//  - with the decoded answer (whatever its Result-Code / Experimental-Result);
//  - kUnavailable when no peer is open (checked before sending, trap 8), when no answer came
//    within DiameterConfig::request_timeout, when freeDiameter could not deliver the request
//    (its locally generated error answer), or when the core is stopped;
//  - kMalformed when the answer does not decode (the message names the AVP);
//  - kInvalidArgument when the request cannot be encoded.
// The callback runs on a freeDiameter thread, or on the caller's thread before send() returns
// when the request fails early; it must not block (post to the application's loop). Requests in
// flight when FdCore::stop() is called may never be answered.
#pragma once

#include <functional>
#include <memory>
#include <variant>

#include "common/error.h"
#include "diameter/fd_core.h"
#include "s6a/messages.h"

struct fd_rt_out_hdl;

namespace kmebind::diameter {

using S6aRequest = std::variant<s6a::AuthenticationInformationRequest, s6a::KmeRequest,
                                s6a::UpdateLocationRequest>;
using S6aAnswer = std::variant<s6a::AuthenticationInformationAnswer, s6a::KmeAnswer,
                               s6a::UpdateLocationAnswer>;

struct ClientStats {
  std::uint64_t sent = 0;
  std::uint64_t answered = 0;
  std::uint64_t retried = 0;      // sent again to another peer after 3002 / 3004
  std::uint64_t unavailable = 0;  // no peer, timeout, not deliverable, stopped
  std::uint64_t malformed = 0;    // answers that did not decode
};

class S6aClient {
 public:
  using AirCallback = std::function<void(Result<s6a::AuthenticationInformationAnswer>)>;
  using UlrCallback = std::function<void(Result<s6a::UpdateLocationAnswer>)>;
  using KmeCallback = std::function<void(Result<s6a::KmeAnswer>)>;
  using AnyCallback = std::function<void(Result<S6aAnswer>)>;

  // Registers the routing callback. Call before core.start(). `core` must outlive the client
  // and every request in flight; destroy the client after core.stop().
  static Result<std::unique_ptr<S6aClient>> create(FdCore& core);
  ~S6aClient();
  S6aClient(const S6aClient&) = delete;
  S6aClient& operator=(const S6aClient&) = delete;

  void send(s6a::AuthenticationInformationRequest air, AirCallback done);
  void send(s6a::UpdateLocationRequest ulr, UlrCallback done);
  void send(s6a::KmeRequest kmr, KmeCallback done);
  // The variant form: the answer alternative matches the request's.
  void send(S6aRequest request, AnyCallback done);

  // Configured HSS peers open and verified now (for metrics and readiness).
  std::size_t peers_up() const;
  ClientStats stats() const;

  struct Shared;  // state shared with requests in flight (internal)

 private:
  S6aClient() = default;
  std::shared_ptr<Shared> shared_;
  fd_rt_out_hdl* route_handle_ = nullptr;
};

}  // namespace kmebind::diameter
