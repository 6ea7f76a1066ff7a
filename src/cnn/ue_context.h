// Internal: what the core keeps per UE. A registered UE keeps only UeContext (IMSI, M-TMSI,
// address, NAS security context); everything an attach needs while it runs lives in
// AttachProcedure, allocated at Attach request and freed at Attach complete or abort.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "cnn/cnn.h"
#include "common/bytes.h"
#include "common/secret.h"
#include "nas/ie_security.h"
#include "nas/nas_header.h"
#include "nas/security_context.h"
#include "s6a/messages.h"

namespace kmebind::cnn::detail {

// TS 24.301 §5.1.3.4 EMM states in the network (the substates kmebind needs).
enum class EmmState : std::uint8_t {
  kDeregistered,
  kCommonProcedureInitiated,  // identification, authentication, security mode, KME running
  kRegistered,
};

// Where an attach stands: which uplink message or S6a answer it waits for.
enum class AttachStep : std::uint8_t {
  kIdentity,              // Identity request sent (T3470)
  kAwaitAia,              // AIR sent
  kAuthentication,        // Authentication request sent (T3460)
  kSecurityMode,          // Security mode command sent (T3460)
  kAwaitKma,              // KME-Request sent
  kKmeProvisioning,       // KME Provisioning Command sent (KME guard)
  kDeviceAuthentication,  // Device Authentication Request sent (KME guard)
  kAwaitUla,              // ULR sent
  kAwaitAttachComplete,   // Attach accept sent (T3450)
};
std::string_view to_string(AttachStep step);

enum class TimerKind : std::uint8_t { kNone, kT3470, kT3460, kKmeGuard, kT3450, kS6aAnswer };
std::string_view to_string(TimerKind kind);

// Procedure 1 or 2 provisioning material kept between KMA and ULR (seed steps 4-10).
struct KmeProvisioningState {
  s6a::KmeProcedure procedure = s6a::KmeProcedure::kHiddenFromCnn;
  std::uint32_t kme_version = 0;
  SecretBytes kme;  // procedure 1 only; moved into the ULR and so wiped from the context
  Bytes cookie;     // procedure 2; procedure 1 when the KMA carried one (protocol.md §2)
  Bytes xrsp;       // expected Rsp: made here (procedure 1) or by the HSS (procedure 2)
  // Procedure 2: the device's signature (seed step 8), kept for the ULR.
  std::uint8_t signature_algorithm = 0;
  Bytes signature;
};

// A device challenge with the stored KME (DESIGN.md §3).
struct DeviceChallengeState {
  std::uint32_t kme_version = 0;
  Bytes nonce;
  Bytes hxrsp;            // the HSS's hash of XRsp: the CNN can check Rsp, not make it
  Bytes challenge_token;  // the HSS's, returned in the ULR with the device's Rsp
  Bytes rsp;              // the device's, once it matched HXRsp
};

struct AttachProcedure {
  AttachStep step = AttachStep::kIdentity;
  Bytes attach_request;  // the plain Attach request that started it (duplicate detection)
  nas::UeNetworkCapability ue_network_capability;  // replayed in Security mode command
  nas::NasSecurityAlgorithms algorithms;           // chosen at Attach request
  std::uint8_t ue_ksi = nas::NasKeySetIdentifier::kNoKeyAvailable;  // the UE's, from the request
  std::uint8_t pti = 0;  // PDN connectivity request's procedure transaction identity
  bool combined_attach = false;
  bool ipv4v6_requested = false;
  std::optional<UeId> old_ue;  // a registered context named by the Attach request's GUTI

  s6a::BindingRequirement binding = s6a::BindingRequirement::kNone;
  std::optional<s6a::EutranVector> vector;  // until Security mode command is built
  bool resync_requested = false;            // one AUTS resynchronisation per attach

  // KME material the AIA brought (CnnConfig::kme_prefetch, binding kKmeRequired only), held from
  // the AIA to Security mode complete, where it is used or dropped; freed with the procedure
  // otherwise (a procedure-1 KME inside is wiped by SecretBytes). Null: none.
  std::shared_ptr<s6a::KmePrefetch> kme_prefetch;
  std::int64_t kme_prefetch_received_ms = 0;  // when its AIA arrived (CnnConfig max age)

  std::string imei;              // 14 digits (TAC ‖ SNR) from IMEISV
  std::string software_version;  // 2 digits (SVN)
  std::variant<std::monostate, KmeProvisioningState, DeviceChallengeState> kme;
  bool device_challenge_passed = false;

  // The S6a transaction waited for (0: none).
  TxnId txn = 0;
  // The one running timer; its entry in CnnState::deadlines is (deadline, ue id).
  TimerKind timer = TimerKind::kNone;
  std::int64_t deadline = 0;
  std::uint8_t expiries = 0;
  // The last downlink of the running NAS procedure, plain, for retransmission: re-sent as is
  // (plain) or re-protected with a new NAS COUNT (TS 24.301 §4.4.3.1).
  Bytes last_downlink;
  nas::SecurityHeaderType last_header = nas::SecurityHeaderType::kPlain;
};

struct UeContext {
  EmmState state = EmmState::kDeregistered;
  bool security_established = false;  // Security mode complete verified (TS 24.301 §4.4.4.3)
  bool doomed = false;                // released at the end of the current call
  std::uint8_t ksi = nas::NasKeySetIdentifier::kNoKeyAvailable;  // KSI_ASME of `security`
  bool has_guti = false;
  std::uint32_t m_tmsi = 0;
  std::uint32_t ipv4 = 0;  // host order; 0: none allocated
  std::string imsi;
  std::optional<nas::NasSecurityContext> security;
  std::unique_ptr<AttachProcedure> attach;
};

}  // namespace kmebind::cnn::detail
