// Ue: construction, the receive path (security rules of TS 24.301 §4.4.4.2, error handling of
// §7), dispatch by message, sending, events and timers. Procedures are in ue_attach.cpp,
// ue_security.cpp and ue_kme.cpp.
#include "ue/ue.h"

#include "crypto/kdf.h"

namespace kmebind::ue {
namespace {

using nas::MessageType;
using nas::SecurityHeaderType;

// TS 24.301 §9.8: the EMM message types of the codec (either direction).
bool is_known_emm_type(std::uint8_t t) {
  switch (static_cast<MessageType>(t)) {
    case MessageType::kAttachRequest: case MessageType::kAttachAccept: case MessageType::kAttachComplete:
    case MessageType::kAttachReject: case MessageType::kDetachRequest: case MessageType::kDetachAccept:
    case MessageType::kAuthenticationRequest: case MessageType::kAuthenticationResponse:
    case MessageType::kAuthenticationReject: case MessageType::kIdentityRequest:
    case MessageType::kIdentityResponse: case MessageType::kAuthenticationFailure:
    case MessageType::kSecurityModeCommand: case MessageType::kSecurityModeComplete:
    case MessageType::kSecurityModeReject: case MessageType::kEmmStatus:
    case MessageType::kDownlinkGenericNasTransport: case MessageType::kUplinkGenericNasTransport:
      return true;
    default:
      return false;
  }
}

// TS 24.301 §4.4.4.2: the messages a UE processes without integrity protection before secure
// exchange of NAS messages is established.
bool allowed_without_integrity(const nas::NasMessage& m) {
  if (const auto* id = std::get_if<nas::IdentityRequest>(&m)) return id->identity_type == nas::IdentityType2::kImsi;
  if (const auto* rej = std::get_if<nas::AttachReject>(&m)) return rej->emm_cause != nas::EmmCause::kNotAuthorizedForThisCsg;
  return std::holds_alternative<nas::AuthenticationRequest>(m) || std::holds_alternative<nas::AuthenticationReject>(m) ||
         std::holds_alternative<nas::DetachAccept>(m);
}

nas::UeNetworkCapability capability_of(const UeConfig& config) {
  nas::UeNetworkCapability cap;
  cap.eea = static_cast<std::uint8_t>(nas::algorithm_bit(0) | nas::algorithm_bit(2));  // EEA0, 128-EEA2
  cap.eia = nas::algorithm_bit(2);                                                      // 128-EIA2
  if (config.support_eia0) cap.eia = static_cast<std::uint8_t>(cap.eia | nas::algorithm_bit(0));
  return cap;
}

}  // namespace

std::string_view to_string(UeState state) {
  switch (state) {
    case UeState::kDeregistered: return "EMM-DEREGISTERED";
    case UeState::kDeregisteredAttemptingToAttach: return "EMM-DEREGISTERED.ATTEMPTING-TO-ATTACH";
    case UeState::kRegisteredInitiated: return "EMM-REGISTERED-INITIATED";
    case UeState::kRegistered: return "EMM-REGISTERED";
  }
  return "unknown";
}

Ue::Ue(Usim usim, MobileEquipment me, UeConfig config, Bytes sn_id)
    : config_(std::move(config)), usim_(std::move(usim)), me_(std::move(me)), sn_id_(std::move(sn_id)),
      ue_network_capability_(capability_of(config_)) {}

Result<Ue> Ue::create(Usim usim, MobileEquipment me, UeConfig config) {
  if (auto st = config.validate(); !st) return std::unexpected(st.error());
  auto sn_id = crypto::plmn_to_sn_id(config.plmn);
  if (!sn_id) return std::unexpected(sn_id.error());
  return Ue(std::move(usim), std::move(me), std::move(config), std::move(*sn_id));
}

UeOutput Ue::on_nas(ByteView pdu, std::int64_t /*now_ms*/) {
  UeOutput out;
  ++counters_.pdus_received;
  if (state_ == UeState::kDeregistered || state_ == UeState::kDeregisteredAttemptingToAttach) {
    discard("no NAS signalling connection (EMM-DEREGISTERED)", out);
    return out;
  }
  auto header = nas::peek_header(pdu);
  if (!header) {
    discard("not a NAS PDU: " + header.error().message(), out);  // TS 24.301 §7.2
    return out;
  }
  if (header->protocol_discriminator == nas::ProtocolDiscriminator::kEmm &&
      header->security_header_type != SecurityHeaderType::kPlain) {
    receive_protected(pdu, header->security_header_type, out);
    return out;
  }
  if (current_) {
    discard("plain NAS message after NAS security was established (TS 24.301 §4.4.4.2)", out);
    return out;
  }
  receive_message(pdu, /*integrity_checked=*/false, out);
  return out;
}

// TS 24.301 §4.4.4.2, §9.3.1.
void Ue::receive_protected(ByteView pdu, SecurityHeaderType type, UeOutput& out) {
  if (type == SecurityHeaderType::kIntegrityProtectedNewContext) {
    on_security_mode_command(pdu, out);
    return;
  }
  if (type != SecurityHeaderType::kIntegrityProtected && type != SecurityHeaderType::kIntegrityProtectedCiphered) {
    discard("security header type " + nas::to_string(type) + " not used in the downlink", out);
    return;
  }
  if (!current_) {
    discard("protected NAS message but no NAS security context", out);
    return;
  }
  auto unprotected = current_->nas.unprotect(pdu, nas::Direction::kDownlink);
  if (!unprotected) {
    discard("integrity check failed: " + unprotected.error().message(), out);
    return;
  }
  receive_message(unprotected->plain, /*integrity_checked=*/true, out);
}

void Ue::receive_message(ByteView plain, bool integrity_checked, UeOutput& out) {
  auto message = nas::decode_nas(plain, nas::Direction::kDownlink);
  if (!message) {
    on_undecodable(plain, integrity_checked, message.error(), out);
    return;
  }
  if (!integrity_checked && !allowed_without_integrity(*message)) {
    discard(std::string(nas::message_name(*message)) + " without integrity protection (TS 24.301 §4.4.4.2)", out);
    return;
  }
  dispatch(*message, out);
}

// TS 24.301 §7.2, §7.4, §7.5.
void Ue::on_undecodable(ByteView plain, bool integrity_checked, const Error& error, UeOutput& out) {
  auto header = nas::peek_header(plain);
  if (!header || header->protocol_discriminator != nas::ProtocolDiscriminator::kEmm ||
      header->security_header_type != SecurityHeaderType::kPlain || !header->message_type) {
    discard("undecodable NAS message: " + error.message(), out);
    return;
  }
  const std::uint8_t type = *header->message_type;
  if (!is_known_emm_type(type)) {
    if (integrity_checked) {
      send_emm_status(nas::EmmCause::kMessageTypeNonExistent, "unknown message type", out);
    } else {
      discard("unknown message type without integrity protection", out);
    }
    return;
  }
  const auto t = static_cast<MessageType>(type);
  const bool plain_allowed = t == MessageType::kIdentityRequest || t == MessageType::kAuthenticationRequest ||
                             t == MessageType::kAuthenticationReject || t == MessageType::kAttachReject ||
                             t == MessageType::kDetachAccept;
  if (integrity_checked || plain_allowed) {
    send_emm_status(nas::EmmCause::kInvalidMandatoryInformation, "malformed: " + error.message(), out);
  } else {
    discard("malformed message without integrity protection: " + error.message(), out);
  }
}

void Ue::dispatch(const nas::NasMessage& m, UeOutput& out) {
  const bool attaching = state_ == UeState::kRegisteredInitiated;
  if (const auto* x = std::get_if<nas::IdentityRequest>(&m)) return on_identity_request(*x, out);
  if (const auto* x = std::get_if<nas::AuthenticationRequest>(&m)) return on_authentication_request(*x, out);
  if (std::holds_alternative<nas::AuthenticationReject>(m)) return on_authentication_reject(out);
  if (const auto* x = std::get_if<nas::DownlinkGenericNasTransport>(&m)) return on_downlink_generic_nas_transport(*x, out);
  if (const auto* x = std::get_if<nas::AttachAccept>(&m)) return on_attach_accept(*x, out);
  if (const auto* x = std::get_if<nas::DetachRequestUeTerminated>(&m)) return on_detach_request(*x, out);
  if (const auto* x = std::get_if<nas::EmmStatus>(&m)) {
    return emit(UeEvent(UeEventKind::kEmmStatusReceived).with_emm_cause(x->emm_cause), out);  // TS 24.301 §5.7: no state change
  }
  if (const auto* x = std::get_if<nas::AttachReject>(&m); x && attaching) return on_attach_reject(*x, out);
  if (std::holds_alternative<nas::SecurityModeCommand>(m)) {
    discard("Security mode command not sent with security header type 3", out);
    return;
  }
  const std::string name(nas::message_name(m));
  if (std::holds_alternative<nas::PdnConnectivityRequest>(m) ||
      std::holds_alternative<nas::ActivateDefaultEpsBearerContextRequest>(m) ||
      std::holds_alternative<nas::ActivateDefaultEpsBearerContextAccept>(m)) {
    discard("standalone ESM message " + name + " not handled", out);
    return;
  }
  const bool downlink_message = std::holds_alternative<nas::AttachReject>(m) || std::holds_alternative<nas::DetachAccept>(m);
  if (downlink_message) {
    send_emm_status(nas::EmmCause::kMessageTypeNotCompatibleWithProtocolState, name + " in " +
                    std::string(to_string(state_)), out);  // TS 24.301 §7.4
  } else {
    send_emm_status(nas::EmmCause::kMessageTypeNonExistent, name + " is not a downlink EMM message", out);
  }
}

void Ue::send(const nas::NasMessage& m, UeOutput& out, SecurityHeaderType type) {
  auto plain = nas::encode_nas(m);
  if (!plain) {
    discard("could not encode " + std::string(nas::message_name(m)) + ": " + plain.error().message(), out);
    return;
  }
  if (!current_) {
    out.send.push_back(std::move(*plain));
    ++counters_.pdus_sent;
    return;
  }
  auto protected_pdu = current_->nas.protect(*plain, type, nas::Direction::kUplink);
  if (!protected_pdu) {
    discard("could not protect " + std::string(nas::message_name(m)) + ": " + protected_pdu.error().message(), out);
    return;
  }
  out.send.push_back(std::move(*protected_pdu));
  ++counters_.pdus_sent;
}

void Ue::send_emm_status(nas::EmmCause cause, std::string reason, UeOutput& out) {
  send(nas::EmmStatus{cause}, out);
  emit(UeEvent(UeEventKind::kEmmStatusSent, std::move(reason)).with_emm_cause(cause), out);
}

void Ue::emit(UeEvent event, UeOutput& out) {
  switch (event.kind) {
    case UeEventKind::kAttachStarted: ++counters_.attach_attempts; break;
    case UeEventKind::kAuthenticated: ++counters_.authentications; break;
    case UeEventKind::kAuthenticationFailed: ++counters_.authentication_failures; break;
    case UeEventKind::kAuthenticationRejected: ++counters_.authentication_rejects; break;
    case UeEventKind::kSecurityModeCompleted: ++counters_.security_mode_completes; break;
    case UeEventKind::kSecurityModeRejected: ++counters_.security_mode_rejects; break;
    case UeEventKind::kKmeProvisioned: ++counters_.kme_provisioned; break;
    case UeEventKind::kKmeProvisioningRejected: ++counters_.kme_provisioning_rejects; break;
    case UeEventKind::kDeviceAuthenticated: ++counters_.device_authentications; break;
    case UeEventKind::kDeviceAuthenticationRejected: ++counters_.device_authentication_rejects; break;
    case UeEventKind::kAttached: ++counters_.attaches; break;
    case UeEventKind::kAttachRejected: ++counters_.attach_rejects; break;
    case UeEventKind::kAttachAttemptFailed: ++counters_.attach_timeouts; break;
    case UeEventKind::kDetached: ++counters_.detaches; break;
    case UeEventKind::kEmmStatusSent: ++counters_.emm_status_sent; break;
    case UeEventKind::kDiscarded: ++counters_.discarded; break;
    case UeEventKind::kIdentityProvided: case UeEventKind::kEmmStatusReceived: break;
  }
  out.events.push_back(std::move(event));
}

void Ue::discard(std::string reason, UeOutput& out) {
  emit(UeEvent(UeEventKind::kDiscarded, std::move(reason)), out);
}

void Ue::start_timer(TimerId id, std::int64_t now_ms) {
  std::int64_t duration = config_.t3410_ms;
  if (id == TimerId::kT3411) duration = config_.t3411_ms;
  if (id == TimerId::kT3402) duration = config_.t3402_ms;
  timer_ = Timer{id, now_ms + duration};
}

std::optional<std::int64_t> Ue::next_deadline() const {
  if (!timer_) return std::nullopt;
  return timer_->deadline_ms;
}

UeOutput Ue::on_timer(std::int64_t now_ms) {
  UeOutput out;
  if (!timer_ || now_ms < timer_->deadline_ms) return out;
  const TimerId id = timer_->id;
  timer_.reset();
  if (id == TimerId::kT3410) {
    on_t3410_expiry(out, now_ms);
  } else {
    send_attach_request(out, now_ms);  // T3411 / T3402 expiry: next attempt, TS 24.301 §5.5.1.2.6
  }
  return out;
}

}  // namespace kmebind::ue
