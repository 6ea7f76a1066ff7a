// Names for logs: event kinds (public) and the internal attach steps and timers.
#include "cnn/cnn.h"
#include "cnn/ue_context.h"

namespace kmebind::cnn {

std::string_view to_string(CnnEventKind kind) {
  switch (kind) {
    case CnnEventKind::kAttached: return "attached";
    case CnnEventKind::kAttachRejected: return "attach-rejected";
    case CnnEventKind::kKmeProvisioned: return "kme-provisioned";
    case CnnEventKind::kDeviceAuthenticated: return "device-authenticated";
    case CnnEventKind::kAuthenticationFailed: return "authentication-failed";
    case CnnEventKind::kDeviceAuthenticationFailed: return "device-authentication-failed";
    case CnnEventKind::kBindingViolation: return "binding-violation";
    case CnnEventKind::kSecurityModeRejected: return "security-mode-rejected";
    case CnnEventKind::kS6aError: return "s6a-error";
    case CnnEventKind::kTimerExpired: return "timer-expired";
    case CnnEventKind::kDetached: return "detached";
    case CnnEventKind::kEmmStatusReceived: return "emm-status-received";
    case CnnEventKind::kDiscarded: return "discarded";
    case CnnEventKind::kInternalError: return "internal-error";
  }
  return "unknown";
}

namespace detail {

std::string_view to_string(AttachStep step) {
  switch (step) {
    case AttachStep::kIdentity: return "identification";
    case AttachStep::kAwaitAia: return "waiting for AIA";
    case AttachStep::kAuthentication: return "authentication";
    case AttachStep::kSecurityMode: return "security mode control";
    case AttachStep::kAwaitKma: return "waiting for KMA";
    case AttachStep::kKmeProvisioning: return "KME provisioning";
    case AttachStep::kDeviceAuthentication: return "device authentication";
    case AttachStep::kAwaitUla: return "waiting for ULA";
    case AttachStep::kAwaitAttachComplete: return "waiting for Attach complete";
  }
  return "unknown";
}

std::string_view to_string(TimerKind kind) {
  switch (kind) {
    case TimerKind::kNone: return "none";
    case TimerKind::kT3470: return "T3470";
    case TimerKind::kT3460: return "T3460";
    case TimerKind::kKmeGuard: return "KME guard timer";
    case TimerKind::kT3450: return "T3450";
    case TimerKind::kS6aAnswer: return "S6a answer timer";
  }
  return "unknown";
}

}  // namespace detail
}  // namespace kmebind::cnn
