// Internal: turns an uplink NAS PDU into a plain message the procedures may act on, applying
// the NAS security rules of TS 24.301 §4.4.4.3 (which messages are processed without integrity
// protection) and §4.4.3 (NAS COUNT, replay), and the error handling of §7 (which errors get an
// EMM status). It decides nothing about the procedure state.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "cnn/ue_context.h"
#include "common/bytes.h"
#include "nas/ie_emm.h"
#include "nas/nas_message.h"

namespace kmebind::cnn::detail {

struct UplinkMessage {
  nas::NasMessage message;
  nas::SecurityHeaderType header = nas::SecurityHeaderType::kPlain;  // as received
  bool integrity_verified = false;  // the MAC was checked with the UE's NAS security context
  Bytes plain;                      // the plain EMM PDU (after unwrapping)
};

struct UplinkDiscard {
  std::string reason;                 // for the kDiscarded event
  std::optional<nas::EmmCause> status;  // send an EMM status with this cause (TS 24.301 §7)
};

// `ue` is the UE's context, or null for a UE the core does not know. On success the UE's uplink
// NAS COUNT has moved past the accepted message (NasSecurityContext::unprotect); on a discard
// nothing has changed.
//  - not an EMM PDU, too short, header type 3 or 12, type 4 outside the security mode
//    procedure, a ciphered message without a context, a MAC failure or replay → discard, no
//    status (TS 24.301 §4.4.4.3: discarded silently);
//  - an Attach request with header type 1 whose MAC cannot be checked (unknown or other context)
//    is processed unverified, as TS 24.301 §4.4.4.3 allows;
//  - after Security mode complete, an unprotected message other than Attach request → discard;
//    before it, an unprotected message not in the §4.4.4.3 list → discard;
//  - a message type unknown or not sent by a UE → discard with EMM status #97 (§7.4);
//  - a known message whose mandatory IEs do not decode → discard with #96 (§7.5).
std::variant<UplinkMessage, UplinkDiscard> receive_uplink(UeContext* ue, ByteView pdu);

}  // namespace kmebind::cnn::detail
