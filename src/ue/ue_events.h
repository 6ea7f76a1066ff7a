// What the UE core reports to its caller besides the NAS PDUs it sends (DESIGN.md §2: a core
// returns actions). One flat struct per event: `kind` says what happened and which of the
// optional fields are set. Events never carry a secret (no key, RES, KME or Rsp); reasons are
// short and fixed or name message types and causes only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "nas/ie_emm.h"
#include "nas/kme_messages.h"

namespace kmebind::ue {

enum class UeEventKind {
  kAttachStarted,              // Attach request sent (attempt = attempt number, 1-based)
  kAuthenticated,              // Authentication response sent (EPS AKA succeeded on the USIM)
  kAuthenticationFailed,       // Authentication failure sent; emm_cause = #20, #21 or #26
  kAuthenticationRejected,     // Authentication reject received; state EMM-DEREGISTERED
  kIdentityProvided,           // Identity response sent; reason = identity type ("IMSI", ...)
  kSecurityModeCompleted,      // new NAS security context in use; Security mode complete sent
  kSecurityModeRejected,       // Security mode reject sent; emm_cause = #23 or #24
  kKmeProvisioned,             // KME Provisioning Response sent; procedure, kme_version (pending)
  kKmeProvisioningRejected,    // KME Provisioning Reject sent; kme_cause
  kDeviceAuthenticated,        // Device Authentication Response sent; kme_version
  kDeviceAuthenticationRejected,  // Device Authentication Reject sent; kme_cause, kme_version
  kAttached,                   // Attach accept taken, Attach complete sent; kme_version if committed
  kAttachRejected,             // Attach reject received; emm_cause, t3346_ms when present
  kAttachAttemptFailed,        // T3410 expired: attempt aborted; attempt, retry_in_ms (T3411/T3402)
  kDetached,                   // network-initiated detach; emm_cause when present; Detach accept sent
  kEmmStatusReceived,          // EMM status received (TS 24.301 §5.7); emm_cause
  kEmmStatusSent,              // EMM status sent for a message we could not take (§7); emm_cause
  kDiscarded,                  // a downlink PDU dropped; reason says why
};

std::string_view to_string(UeEventKind kind);

struct UeEvent {
  UeEvent() = default;
  explicit UeEvent(UeEventKind k, std::string why = {}) : kind(k), reason(std::move(why)) {}

  // Setters for building an event in one expression: UeEvent(kind).with_emm_cause(c).
  UeEvent& with_emm_cause(std::optional<nas::EmmCause> v) { emm_cause = v; return *this; }
  UeEvent& with_procedure(nas::KmeProcedure v) { procedure = v; return *this; }
  UeEvent& with_kme_version(std::optional<std::uint32_t> v) { kme_version = v; return *this; }
  UeEvent& with_kme_cause(std::uint8_t v) { kme_cause = v; return *this; }
  UeEvent& with_t3346_ms(std::optional<std::int64_t> v) { t3346_ms = v; return *this; }
  UeEvent& with_attempt(std::uint32_t v) { attempt = v; return *this; }
  UeEvent& with_retry_in_ms(std::int64_t v) { retry_in_ms = v; return *this; }

  UeEventKind kind = UeEventKind::kDiscarded;
  std::optional<nas::EmmCause> emm_cause;
  std::optional<nas::KmeProcedure> procedure;
  std::optional<std::uint32_t> kme_version;
  std::optional<std::uint8_t> kme_cause;    // KME Provisioning / Device Authentication Reject cause
  std::optional<std::int64_t> t3346_ms;
  std::optional<std::uint32_t> attempt;
  std::optional<std::int64_t> retry_in_ms;
  std::string reason;

  // One log line: "<kind> {field=value, ...}".
  std::string describe() const;
};

// The result of feeding the core: PDUs to send to the network, in order, and events.
struct UeOutput {
  std::vector<Bytes> send;
  std::vector<UeEvent> events;

  bool has(UeEventKind kind) const;
  // The first event of `kind`, or nullptr.
  const UeEvent* find(UeEventKind kind) const;
};

}  // namespace kmebind::ue
