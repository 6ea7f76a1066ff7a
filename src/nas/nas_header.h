// NAS PDU header fields (TS 24.301 §9.2–§9.8, TS 24.007 §11.2.3) and a header peek that does not
// decode the rest of the PDU.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/error.h"

namespace kmebind::nas {

// TS 24.007 §11.2.3.1.1 protocol discriminator (bits 4-1 of octet 1).
enum class ProtocolDiscriminator : std::uint8_t { kEsm = 0x2, kEmm = 0x7 };

// TS 24.301 §9.3.1 security header type (bits 8-5 of octet 1 of an EMM PDU).
enum class SecurityHeaderType : std::uint8_t {
  kPlain = 0,
  kIntegrityProtected = 1,
  kIntegrityProtectedCiphered = 2,
  kIntegrityProtectedNewContext = 3,         // Security Mode Command
  kIntegrityProtectedCipheredNewContext = 4, // Security Mode Complete
  kServiceRequest = 12,                      // not supported by kmebind
};
std::string to_string(SecurityHeaderType t);

// TS 33.401 Annex B.1.1/B.2.1: DIRECTION input of EIA/EEA (0 uplink, 1 downlink); also selects which of the two
// same-numbered Detach Request messages a PDU is.
enum class Direction : std::uint8_t { kUplink = 0, kDownlink = 1 };

// TS 24.301 §9.8 message types.
enum class MessageType : std::uint8_t {
  kAttachRequest = 0x41,
  kAttachAccept = 0x42,
  kAttachComplete = 0x43,
  kAttachReject = 0x44,
  kDetachRequest = 0x45,
  kDetachAccept = 0x46,
  kAuthenticationRequest = 0x52,
  kAuthenticationResponse = 0x53,
  kAuthenticationReject = 0x54,
  kIdentityRequest = 0x55,
  kIdentityResponse = 0x56,
  kAuthenticationFailure = 0x5c,
  kSecurityModeCommand = 0x5d,
  kSecurityModeComplete = 0x5e,
  kSecurityModeReject = 0x5f,
  kEmmStatus = 0x60,
  kDownlinkGenericNasTransport = 0x68,
  kUplinkGenericNasTransport = 0x69,
  // ESM (TS 24.301 §9.8 Table 9.8.2)
  kActivateDefaultEpsBearerContextRequest = 0xc1,
  kActivateDefaultEpsBearerContextAccept = 0xc2,
  kPdnConnectivityRequest = 0xd0,
};

struct NasHeader {
  ProtocolDiscriminator protocol_discriminator = ProtocolDiscriminator::kEmm;
  SecurityHeaderType security_header_type = SecurityHeaderType::kPlain;  // EMM only
  std::uint8_t eps_bearer_identity = 0;                                  // ESM only
  std::uint8_t procedure_transaction_identity = 0;                       // ESM only
  // The message type; absent for a security-protected EMM PDU (it may be ciphered).
  std::optional<std::uint8_t> message_type;
};

// Reads octet 1 (and 2-3 as applicable) of a NAS PDU. Fails with kMalformed on a PDU too short
// for its header (TS 24.301 §7.2) or a protocol discriminator other than EMM or ESM. The
// security header type is not validated here.
Result<NasHeader> peek_header(ByteView pdu);

}  // namespace kmebind::nas
