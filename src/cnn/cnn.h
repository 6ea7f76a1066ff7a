// The CNN (MME role) protocol core: the attach of TS 23.401 §5.3.2 / TS 24.301 §5.5.1 with
// EPS-AKA (§5.4.2), NAS security mode control (§5.4.3), the identification procedure (§5.4.4),
// and kmebind's KME procedures (TR 33.868 §5.4.4.2.3.3, docs/protocol.md) between security
// establishment and the Update Location. src/cnn/README.md lists every choice made where the
// specs leave room, with the EMM cause of each failure.
//
// Sans-IO, in the style of ngtcp2: no sockets, threads, clocks or Diameter inside. The transport
// feeds NAS PDUs (on_nas), S6a answers (on_s6a_answer) or transport failures (on_s6a_failure), and
// timer expiries (on_timer); every call returns the actions to take (CnnOutput): NAS PDUs to send,
// typed S6a requests to send (with the TxnId to answer with), events to log or count, and UEs the
// core has forgotten. Time is `now_ms`, monotonic milliseconds of the caller's clock; the caller
// arms one timer at next_deadline() and calls on_timer when it fires (early or late calls are
// harmless). No call fails: bad input becomes a kDiscarded event (and an EMM status where
// TS 24.301 §7 asks for one), never a crash.
//
// Thread safety: none. One Cnn is owned by one thread (shard UEs over several Cnn for more).
// Secrets (KASME, NAS keys, KME) never appear in an output other than the S6a request that must
// carry them (procedure 1's KME-Confirm), nor in any event detail.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cnn/cnn_config.h"
#include "common/bytes.h"
#include "common/error.h"
#include "s6a/messages.h"

namespace kmebind::cnn {

using UeId = std::uint64_t;   // the transport's UE id (frame field), unique per UE link
using TxnId = std::uint64_t;  // an S6a transaction, chosen by the core, never reused

using S6aRequest = std::variant<s6a::AuthenticationInformationRequest, s6a::KmeRequest,
                                s6a::UpdateLocationRequest>;
using S6aAnswer = std::variant<s6a::AuthenticationInformationAnswer, s6a::KmeAnswer,
                               s6a::UpdateLocationAnswer>;

// A NAS PDU for one UE, ready for the wire (plain or security protected).
struct NasSend {
  UeId ue = 0;
  Bytes pdu;
};

// An S6a request; answer it with on_s6a_answer(txn, ...) or on_s6a_failure(txn, ...).
struct S6aSend {
  TxnId txn = 0;
  UeId ue = 0;
  S6aRequest request;
};

enum class CnnEventKind : std::uint8_t {
  kAttached,                   // Attach complete received: the UE is registered
  kAttachRejected,             // Attach reject sent (S6a result, overload, ESM, capabilities)
  kKmeProvisioned,             // ULA confirmed a new KME (kme_procedure, kme_version)
  kDeviceAuthenticated,        // ULA accepted after a matched device challenge (kme_version)
  kAuthenticationFailed,       // Authentication reject sent (RES wrong, UE reported #20/#21/#26)
  kDeviceAuthenticationFailed, // Rsp wrong, KME reject from the UE, signature missing: #6
  kBindingViolation,           // HSS: KME_ERROR_BINDING_VIOLATION (KMA or ULA): #6
  kSecurityModeRejected,       // Security mode reject received: attach aborted
  kS6aError,                   // no S6a answer (timeout, transport failure) or an unusable one
  kTimerExpired,               // 5th expiry of T3450/T3460/T3470/KME guard: attach aborted
  kDetached,                   // UE-originating Detach request
  kEmmStatusReceived,          // EMM status from the UE: context released
  kDiscarded,                  // an uplink PDU was ignored (malformed, unexpected, MAC, replay)
  kInternalError,              // the core could not build or protect a message: UE released
};
std::string_view to_string(CnnEventKind kind);

// Something a log line or metric should see. Each UE that leaves the core has exactly one
// terminal event (every kind except kKmeProvisioned, kDeviceAuthenticated and kDiscarded, which
// are informational, and kAttached, after which the UE stays).
struct CnnEvent {
  UeId ue = 0;
  CnnEventKind kind = CnnEventKind::kDiscarded;
  // The EMM cause sent to the UE (Attach reject, EMM status), or the cause the UE reported
  // (Authentication failure, Security mode reject, EMM status received); 0 when none.
  std::uint8_t emm_cause = 0;
  std::uint8_t kme_procedure = 0;  // kKmeProvisioned: 1 or 2
  std::uint32_t kme_version = 0;   // kKmeProvisioned, kDeviceAuthenticated
  std::string detail;              // one line, never a secret
};

// The actions of one call. Reuse one CnnOutput with the appending overloads to avoid allocation.
struct CnnOutput {
  std::vector<NasSend> nas;
  std::vector<S6aSend> s6a;
  std::vector<CnnEvent> events;
  std::vector<UeId> released;  // the core holds nothing for these UEs any more

  void clear() {
    nas.clear();
    s6a.clear();
    events.clear();
    released.clear();
  }
  bool empty() const { return nas.empty() && s6a.empty() && events.empty() && released.empty(); }
};

struct CnnStats {
  std::uint64_t attach_requests = 0;
  std::uint64_t attach_accepts = 0;       // Attach accept sent (first transmission)
  std::uint64_t attach_completes = 0;
  std::uint64_t attach_rejects = 0;       // every Attach reject sent, overload included
  std::uint64_t overload_rejects = 0;
  std::uint64_t authentication_rejects = 0;
  std::uint64_t kme_provisioned = 0;
  std::uint64_t devices_authenticated = 0;
  std::uint64_t binding_violations = 0;   // HSS violations and failed device checks
  // KME material on the AIA (CnnConfig::kme_prefetch), counted at Security mode complete of a
  // KME-required attach: used instead of a KME-Request; not used because the IMEISV carries
  // another IMEI; not used because it fails the checks a KMA's material gets; not used because it
  // is older than CnnConfig::kme_prefetch_max_age_ms. The last three send the KME-Request instead.
  std::uint64_t kme_prefetch_used = 0;
  std::uint64_t kme_prefetch_unused = 0;
  std::uint64_t kme_prefetch_unusable = 0;
  std::uint64_t kme_prefetch_stale = 0;
  std::uint64_t nas_received = 0;
  std::uint64_t nas_sent = 0;
  std::uint64_t nas_discarded = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t procedure_timeouts = 0;   // 5th expiries
  std::uint64_t s6a_requests = 0;
  std::uint64_t s6a_timeouts = 0;         // no answer in time, or on_s6a_failure
  std::uint64_t s6a_ignored_answers = 0;  // unknown or stale TxnId
  std::uint64_t detaches = 0;
  std::size_t ues_attaching = 0;          // gauge: contexts with an attach running
  std::size_t ues_registered = 0;         // gauge
};

namespace detail {
struct CnnState;
}

class Cnn {
 public:
  // Takes the configuration. REQUIRES: config.validate() succeeded — with an invalid one the core
  // holds no UE and answers every call with a kInternalError event naming the problem.
  explicit Cnn(CnnConfig config);
  // Movable; a moved-from Cnn may only be destroyed or assigned to.
  ~Cnn();
  Cnn(Cnn&&) noexcept;
  Cnn& operator=(Cnn&&) noexcept;
  Cnn(const Cnn&) = delete;
  Cnn& operator=(const Cnn&) = delete;

  // An uplink NAS PDU from `ue`. The PDU is only borrowed for the call.
  CnnOutput on_nas(UeId ue, ByteView pdu, std::int64_t now_ms);
  void on_nas(UeId ue, ByteView pdu, std::int64_t now_ms, CnnOutput& out);

  // The answer to an S6aSend. An unknown TxnId, or one whose UE was released or moved on, is
  // ignored (counted in stats().s6a_ignored_answers).
  CnnOutput on_s6a_answer(TxnId txn, S6aAnswer&& answer, std::int64_t now_ms);
  void on_s6a_answer(TxnId txn, S6aAnswer&& answer, std::int64_t now_ms, CnnOutput& out);

  // The transport could not get an answer (no route, peer down, its own timeout): the attach is
  // rejected with #22 and T3346, as for the core's own S6a answer timeout.
  CnnOutput on_s6a_failure(TxnId txn, const Error& error, std::int64_t now_ms);
  void on_s6a_failure(TxnId txn, const Error& error, std::int64_t now_ms, CnnOutput& out);

  // Runs every timer due at `now_ms`: retransmissions, 5th-expiry aborts, S6a answer timeouts.
  CnnOutput on_timer(std::int64_t now_ms);
  void on_timer(std::int64_t now_ms, CnnOutput& out);

  // The earliest pending deadline (ms on the caller's clock), or nullopt when no timer runs.
  std::optional<std::int64_t> next_deadline() const;

  // The transport lost the UE link: forget the UE without sending anything. Unknown ids are fine.
  void release(UeId ue);

  // UE contexts held (attaching and registered).
  std::size_t ue_count() const;
  CnnStats stats() const;
  const CnnConfig& config() const;

 private:
  std::unique_ptr<detail::CnnState> state_;
};

}  // namespace kmebind::cnn
