// Plain NAS messages as one variant, with the codec entry points.
//
//   Bytes pdu = *encode_nas(AttachRequest{...});
//   Result<NasMessage> m = decode_nas(pdu, Direction::kUplink);
//   log(describe(*m));
//
// Security-protected EMM PDUs are unwrapped first by NasSecurityContext::unprotect
// (security_context.h). decode_nas refuses them.
#pragma once

#include <string>
#include <variant>

#include "common/bytes.h"
#include "common/error.h"
#include "nas/emm_messages.h"
#include "nas/esm_messages.h"
#include "nas/ie_table.h"
#include "nas/nas_header.h"

namespace kmebind::nas {

using NasMessage = std::variant<
    AttachRequest, AttachAccept, AttachComplete, AttachReject, AuthenticationRequest,
    AuthenticationResponse, AuthenticationFailure, AuthenticationReject, SecurityModeCommand,
    SecurityModeComplete, SecurityModeReject, IdentityRequest, IdentityResponse,
    DetachRequestUeOriginating, DetachRequestUeTerminated, DetachAccept, EmmStatus,
    DownlinkGenericNasTransport, UplinkGenericNasTransport, PdnConnectivityRequest,
    ActivateDefaultEpsBearerContextRequest, ActivateDefaultEpsBearerContextAccept>;

// Encodes a plain NAS message (security header type 0 for EMM). Fails with kInvalidArgument,
// naming the message and IE, when a value cannot be encoded (bad digits, a length outside the
// IE's range).
Result<Bytes> encode_nas(const NasMessage& message);

// Decodes a plain NAS message. `direction` is the direction the PDU travelled: it tells the two
// Detach request messages apart (TS 24.301 §8.2.11) and nothing else.
// Fails with kMalformed, naming the message and IE, on: a PDU shorter than its header, a
// protocol discriminator other than EMM/ESM, an EMM security header type other than 0 (unwrap
// first), an unknown message type, a missing or syntactically incorrect mandatory IE, a length
// running past the PDU, or an unknown comprehension-required IE. Optional IEs follow
// TS 24.301 §7.6–7.7 (see ie_table.h). The PDU is only borrowed for the call.
Result<NasMessage> decode_nas(ByteView pdu, Direction direction);

// Like decode_nas, and also returns where each IE sat (for tests and hex-dump annotation).
Result<NasMessage> decode_nas(ByteView pdu, Direction direction, Layout& layout);

// One log line: "<message name> {IE=value, ...}". ESM message containers are decoded inline.
// Holds no key material (the codec never sees KNAS keys); identities (IMSI, IMEI) are printed.
std::string describe(const NasMessage& message);

// The spec name of the message ("Attach request", ...).
std::string_view message_name(const NasMessage& message);

}  // namespace kmebind::nas
