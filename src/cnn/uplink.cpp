#include "cnn/uplink.h"

#include "nas/nas_header.h"

namespace kmebind::cnn::detail {
namespace {

using nas::MessageType;
using nas::SecurityHeaderType;

constexpr std::uint8_t kEmmPd = 0x07;

UplinkDiscard discard(std::string reason, std::optional<nas::EmmCause> status = std::nullopt) {
  return UplinkDiscard{std::move(reason), status};
}

// TS 24.301 §8.2: EMM messages a UE sends that kmebind handles.
bool is_uplink_emm_type(std::uint8_t t) {
  switch (static_cast<MessageType>(t)) {
    case MessageType::kAttachRequest:
    case MessageType::kAttachComplete:
    case MessageType::kDetachRequest:
    case MessageType::kDetachAccept:
    case MessageType::kAuthenticationResponse:
    case MessageType::kAuthenticationFailure:
    case MessageType::kIdentityResponse:
    case MessageType::kSecurityModeComplete:
    case MessageType::kSecurityModeReject:
    case MessageType::kEmmStatus:
    case MessageType::kUplinkGenericNasTransport:
      return true;
    default:
      return false;
  }
}

// TS 24.301 §4.4.4.3: messages the MME processes before the secure exchange of NAS messages is
// established (Tracking area update request is not handled by kmebind).
bool processed_unprotected_before_security(std::uint8_t t) {
  switch (static_cast<MessageType>(t)) {
    case MessageType::kAttachRequest:
    case MessageType::kIdentityResponse:
    case MessageType::kAuthenticationResponse:
    case MessageType::kAuthenticationFailure:
    case MessageType::kSecurityModeReject:
    case MessageType::kDetachRequest:
    case MessageType::kDetachAccept:
      return true;
    default:
      return false;
  }
}

bool is_type(ByteView plain, MessageType t) {
  return plain.size() >= 2 && plain[0] == kEmmPd && plain[1] == static_cast<std::uint8_t>(t);
}

}  // namespace

std::variant<UplinkMessage, UplinkDiscard> receive_uplink(UeContext* ue, ByteView pdu) {
  auto header = nas::peek_header(pdu);
  if (!header) return discard(header.error().message());
  if (header->protocol_discriminator != nas::ProtocolDiscriminator::kEmm) {
    return discard("ESM message outside an EMM message");
  }
  UplinkMessage m;
  m.header = header->security_header_type;
  switch (m.header) {
    case SecurityHeaderType::kPlain:
      m.plain.assign(pdu.begin(), pdu.end());
      break;
    case SecurityHeaderType::kIntegrityProtected:
    case SecurityHeaderType::kIntegrityProtectedCiphered:
    case SecurityHeaderType::kIntegrityProtectedCipheredNewContext: {
      const bool in_security_mode = ue && ue->attach && !ue->security_established &&
                                    ue->attach->step == AttachStep::kSecurityMode;
      if (m.header == SecurityHeaderType::kIntegrityProtectedCipheredNewContext &&
          !in_security_mode) {
        return discard("security header type 4 outside the security mode control procedure");
      }
      std::optional<Error> failure;
      if (ue && ue->security) {
        auto un = ue->security->unprotect(pdu, nas::Direction::kUplink);
        if (un) {
          m.plain = std::move(un->plain);
          m.integrity_verified = true;
          break;
        }
        failure = un.error();
      }
      // TS 24.301 §4.4.4.3: an Attach request is processed even when its MAC cannot be checked.
      const ByteView inner = pdu.size() > nas::kSecurityHeaderSize
                                 ? pdu.subspan(nas::kSecurityHeaderSize)
                                 : ByteView{};
      if (m.header == SecurityHeaderType::kIntegrityProtected &&
          is_type(inner, MessageType::kAttachRequest)) {
        m.plain.assign(inner.begin(), inner.end());
        break;
      }
      return discard(failure ? failure->message()
                             : std::string("protected message without a NAS security context"));
    }
    default:
      return discard("security header type " + nas::to_string(m.header) + " not accepted uplink");
  }

  auto inner = nas::peek_header(m.plain);
  if (!inner || inner->protocol_discriminator != nas::ProtocolDiscriminator::kEmm ||
      inner->security_header_type != SecurityHeaderType::kPlain || !inner->message_type) {
    return discard("protected message does not hold a plain EMM message");
  }
  const std::uint8_t type = *inner->message_type;
  if (!is_uplink_emm_type(type)) {
    return discard("message type " + std::to_string(type) + " is not an uplink EMM message",
                   nas::EmmCause::kMessageTypeNonExistent);
  }
  if (!m.integrity_verified) {
    const bool established = ue && ue->security_established;
    const bool allowed = established ? type == static_cast<std::uint8_t>(MessageType::kAttachRequest)
                                     : processed_unprotected_before_security(type);
    if (!allowed) return discard("message without integrity protection refused");
  }
  auto decoded = nas::decode_nas(m.plain, nas::Direction::kUplink);
  if (!decoded) return discard(decoded.error().message(), nas::EmmCause::kInvalidMandatoryInformation);
  m.message = std::move(*decoded);
  return m;
}

}  // namespace kmebind::cnn::detail
