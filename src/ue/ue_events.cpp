#include "ue/ue_events.h"

namespace kmebind::ue {

std::string_view to_string(UeEventKind kind) {
  switch (kind) {
    case UeEventKind::kAttachStarted: return "attach-started";
    case UeEventKind::kAuthenticated: return "authenticated";
    case UeEventKind::kAuthenticationFailed: return "authentication-failed";
    case UeEventKind::kAuthenticationRejected: return "authentication-rejected";
    case UeEventKind::kIdentityProvided: return "identity-provided";
    case UeEventKind::kSecurityModeCompleted: return "security-mode-completed";
    case UeEventKind::kSecurityModeRejected: return "security-mode-rejected";
    case UeEventKind::kKmeProvisioned: return "kme-provisioned";
    case UeEventKind::kKmeProvisioningRejected: return "kme-provisioning-rejected";
    case UeEventKind::kDeviceAuthenticated: return "device-authenticated";
    case UeEventKind::kDeviceAuthenticationRejected: return "device-authentication-rejected";
    case UeEventKind::kAttached: return "attached";
    case UeEventKind::kAttachRejected: return "attach-rejected";
    case UeEventKind::kAttachAttemptFailed: return "attach-attempt-failed";
    case UeEventKind::kDetached: return "detached";
    case UeEventKind::kEmmStatusReceived: return "emm-status-received";
    case UeEventKind::kEmmStatusSent: return "emm-status-sent";
    case UeEventKind::kDiscarded: return "discarded";
  }
  return "unknown";
}

std::string UeEvent::describe() const {
  std::string out(to_string(kind));
  std::string fields;
  auto add = [&fields](std::string_view name, const std::string& value) {
    if (!fields.empty()) fields += ", ";
    fields += std::string(name) + "=" + value;
  };
  if (emm_cause) add("emm_cause", nas::to_string(*emm_cause));
  if (procedure) add("procedure", std::to_string(static_cast<unsigned>(*procedure)));
  if (kme_version) add("kme_version", std::to_string(*kme_version));
  if (kme_cause) add("kme_cause", std::to_string(*kme_cause));
  if (t3346_ms) add("t3346_ms", std::to_string(*t3346_ms));
  if (attempt) add("attempt", std::to_string(*attempt));
  if (retry_in_ms) add("retry_in_ms", std::to_string(*retry_in_ms));
  if (!reason.empty()) add("reason", reason);
  if (!fields.empty()) out += " {" + fields + "}";
  return out;
}

bool UeOutput::has(UeEventKind kind) const { return find(kind) != nullptr; }

const UeEvent* UeOutput::find(UeEventKind kind) const {
  for (const UeEvent& e : events) {
    if (e.kind == kind) return &e;
  }
  return nullptr;
}

}  // namespace kmebind::ue
