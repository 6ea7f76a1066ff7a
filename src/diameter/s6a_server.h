// The HSS side of S6a on freeDiameter: receives AIR, ULR and KME-Request, decodes them into the
// typed values of s6a/messages.h and hands them to an S6aHandler with a reply function.
//
// Threading: the handler is called on one of freeDiameter's dispatch threads and must not block
// (no store call there: enqueue to the application's worker pool and return). The reply may be
// called later, from any thread, exactly once; freeDiameter keeps the request until then. A reply
// dropped without being called answers DIAMETER_UNABLE_TO_COMPLY. Replies after FdCore::stop()
// are dropped.
//
// A request that does not decode (missing AVP, wrong length, repeated AVP) never reaches the
// handler: the server answers it at once with DIAMETER_MISSING_AVP / INVALID_AVP_VALUE /
// AVP_OCCURS_TOO_MANY_TIMES, an Error-Message naming the AVP and a Failed-AVP, and logs it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "common/error.h"
#include "diameter/fd_core.h"
#include "s6a/messages.h"

struct disp_hdl;

namespace kmebind::diameter {

using AirReply = std::function<void(s6a::AuthenticationInformationAnswer&&)>;
using UlrReply = std::function<void(s6a::UpdateLocationAnswer&&)>;
using KmeReply = std::function<void(s6a::KmeAnswer&&)>;

// Implemented by the application (the hss app wires the Hss core behind a worker pool).
class S6aHandler {
 public:
  virtual ~S6aHandler() = default;
  // TS 29.272 §5.2.3.1
  virtual void on_air(const LinkInfo& link, s6a::AuthenticationInformationRequest&& air,
                      AirReply reply) = 0;
  // TS 29.272 §5.2.1.1 (+ KME-Confirm)
  virtual void on_ulr(const LinkInfo& link, s6a::UpdateLocationRequest&& ulr, UlrReply reply) = 0;
  // docs/protocol.md step 5
  virtual void on_kme_request(const LinkInfo& link, s6a::KmeRequest&& kmr, KmeReply reply) = 0;
};

struct ServerStats {
  std::uint64_t requests = 0;        // decoded and handed to the handler
  std::uint64_t decode_errors = 0;   // answered by the server itself
  std::uint64_t answers_sent = 0;
  std::uint64_t answers_dropped = 0;  // reply after stop, or freeDiameter refused the answer
};

class S6aServer {
 public:
  // Registers the AIR, ULR and KME-Request dispatch callbacks. Call before core.start().
  // `core` and `handler` must outlive the server; destroy the server after core.stop().
  static Result<std::unique_ptr<S6aServer>> create(FdCore& core, S6aHandler& handler);
  ~S6aServer();
  S6aServer(const S6aServer&) = delete;
  S6aServer& operator=(const S6aServer&) = delete;

  ServerStats stats() const;

  struct Shared;  // state shared with pending replies (internal)

 private:
  S6aServer() = default;
  std::shared_ptr<Shared> shared_;
  disp_hdl* air_handle_ = nullptr;
  disp_hdl* ulr_handle_ = nullptr;
  disp_hdl* kmr_handle_ = nullptr;
};

}  // namespace kmebind::diameter
