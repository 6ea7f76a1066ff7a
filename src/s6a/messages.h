// S6a messages as typed values, with no transport: what the HSS and CNN cores exchange.
// The Diameter adapter (src/diameter) maps them to AVPs; in-process tests pass them directly.
// Standard commands: TS 29.272 §5.2.3.1 (AIR/AIA), §5.2.1.1 (ULR/ULA). The KME command pair and the
// KME parts of AIA/ULR/ULA are kmebind's extension (vendor 32473), docs/protocol.md.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/secret.h"
#include "s6a/result_code.h"

namespace kmebind::s6a {

// Which KME procedure of TR 33.868 §5.4.4.2.3.3 is used.
enum class KmeProcedure : std::uint8_t {
  kSharedWithCnn = 1,     // §5.4.4.2.3.3.1: KME goes to the CNN, which challenges the device
  kHiddenFromCnn = 2,     // §5.4.4.2.3.3.2: CNN gets Cookie and XRsp only
};

// Binding policy the HSS reports for a subscriber (step 2a of §5.4.4.2.3.3.2).
enum class BindingRequirement : std::uint8_t {
  kNone = 0,          // no IMSI/IMEI binding
  kImeiCheck = 1,     // simple network binding, TR 33.868 §5.4.4.2.1.3: check at ULR only
  kKmeRequired = 2,   // binding with device authentication by KME: CNN must send a KME request
};

// Requested-EUTRAN-Authentication-Info re-synchronisation data: RAND ‖ AUTS (TS 29.272 §7.3.15).
struct ResyncInfo {
  Bytes rand;  // 16
  Bytes auts;  // 14
};

// AIR, TS 29.272 §5.2.3.1.2
struct AuthenticationInformationRequest {
  std::string imsi;                 // User-Name
  Bytes visited_plmn_id;            // Visited-PLMN-Id, 3 octets (TS 29.272 §7.3.9)
  std::uint32_t number_of_vectors = 1;
  std::optional<ResyncInfo> resync;
  // kmebind extension (docs/protocol.md, "KME material on the AIA"): the KME procedures the CNN
  // runs (bit 0: procedure 1, bit 1: procedure 2) when it accepts the KME-Answer's material on
  // the AIA; 0 (the AVP absent) asks for none.
  std::uint8_t kme_prefetch_procedures = 0;
};

// E-UTRAN-Vector, TS 29.272 §7.3.18
struct EutranVector {
  Bytes rand;         // 16
  Bytes xres;         // 4..16
  Bytes autn;         // 16
  SecretBytes kasme;  // 32

  EutranVector clone() const { return {rand, xres, autn, kasme.clone()}; }
};

struct KmePrefetch;

// AIA, TS 29.272 §5.2.3.1.3, plus the binding requirement (kmebind AVP, step 2a) and, when the AIR
// asked for it, the KME material for the one IMEI the subscription allows.
struct AuthenticationInformationAnswer {
  ResultCode result = kSuccess;
  std::vector<EutranVector> vectors;
  BindingRequirement binding = BindingRequirement::kNone;
  std::shared_ptr<KmePrefetch> kme_prefetch;  // null: none (see KmePrefetch)
};

// Terminal-Information, TS 29.272 §7.3.3
struct TerminalInformation {
  std::string imei;              // IMEI, 14 digits (TAC + SNR; TS 23.003 §6.2.1)
  std::string software_version;  // Software-Version, 2 digits
};

// The CNN's proof that the device took the KME, sent in the ULR (seed step 10 of each procedure).
struct KmeConfirm {
  KmeProcedure procedure = KmeProcedure::kSharedWithCnn;
  std::uint32_t kme_version = 0;  // the version issued in the KMA
  SecretBytes kme;                // procedure 1 only
  Bytes cookie;  // procedure 2; procedure 1: the KMA's Cookie, when it had one (optional)
  std::uint8_t signature_algorithm = 0;  // procedure 2: 1 Ed25519, 2 ECDSA P-256
  Bytes signature;                       // procedure 2: device signature over the transcript

  KmeConfirm clone() const {
    return {procedure, kme_version, kme.clone(), cookie, signature_algorithm, signature};
  }
};

// The CNN's record of a device challenge the device answered, sent in the ULR so that the HSS
// checks Rsp against the stored KME itself (kmebind hardening, docs/security.md §3.21).
struct DeviceProof {
  std::uint32_t kme_version = 0;  // the version challenged
  Bytes challenge_token;          // as the HSS issued it in the KMA
  Bytes rsp;                      // 16: the device's Rsp
};

// ULR, TS 29.272 §5.2.1.1.2 (+ KME-Confirm or KME-Device-Proof)
struct UpdateLocationRequest {
  std::string imsi;
  Bytes visited_plmn_id;
  std::uint32_t rat_type = 1004;  // EUTRAN, TS 29.212 §5.3.31
  std::uint32_t ulr_flags = 0x22;  // S6a/S6d-Indicator | Initial-Attach-Indicator, §7.3.7
  std::optional<TerminalInformation> terminal;
  std::optional<KmeConfirm> kme_confirm;
  std::optional<DeviceProof> device_proof;
};

// ULA, TS 29.272 §5.2.1.1.3 (+ stored KME version)
struct UpdateLocationAnswer {
  ResultCode result = kSuccess;
  std::uint32_t ula_flags = 0x01;  // Separation-Indication, §7.3.8
  std::string msisdn;
  std::optional<std::uint32_t> kme_version_stored;
};

// KME-Request (KMR): seed step 3 — the CNN asks for KME material for the device it talks to.
struct KmeRequest {
  std::string imsi;
  std::string imei;
  std::uint8_t supported_procedures = 0x03;  // bit 0: procedure 1, bit 1: procedure 2
};

// What the HSS tells the CNN to do with the device.
// Seed step 4 (§…3.3.1) / steps 4-5 (§…3.3.2): provisioning material for a new KME.
struct KmeProvisioning {
  KmeProcedure procedure = KmeProcedure::kHiddenFromCnn;
  std::uint8_t ecies_profile = 1;  // 1 = Profile A (X25519), 2 = Profile B (P-256)
  std::uint32_t kme_version = 0;
  Bytes encrypted_payload;  // ECIES scheme output of the KME payload, for the device
  SecretBytes kme;          // procedure 1 only
  // Procedure 2: seed step 4. Procedure 1 (kmebind; optional on the wire): the KME sealed for
  // the HSS (crypto::CookieUse::kProcedure1), for the CNN to return in the confirm.
  Bytes cookie;
  Bytes xrsp;               // procedure 2 only: expected response, 16 octets
};
// Device authentication with a stored KME (DESIGN.md §3): a challenge prepared statelessly.
// The CNN gets HXRsp, not XRsp, so that it can check the device's Rsp but not make one
// (docs/security.md §3.21).
struct DeviceChallenge {
  std::uint32_t kme_version = 0;
  Bytes nonce;            // 16
  Bytes hxrsp;            // 16: crypto::compute_hxrsp(Nonce, XRsp)
  Bytes challenge_token;  // crypto/challenge_token.h: returned in the ULR's DeviceProof
};

// KME-Answer (KMA)
struct KmeAnswer {
  ResultCode result = kSuccess;
  std::variant<std::monostate, KmeProvisioning, DeviceChallenge> action;
};

// KME material on the AIA (kmebind extension, docs/protocol.md "KME material on the AIA"): what a
// KME-Request for (the AIR's IMSI, `imei`) would have been answered with, made by the HSS at the
// AIR when the subscription requires KME binding and allows exactly one IMEI. The CNN uses it,
// instead of sending that KME-Request, only when the IMEISV of Security Mode Complete carries
// this IMEI; the ULR's checks are the same either way. Saves one S6a round trip per attach.
struct KmePrefetch {
  std::string imei;  // 14 digits (TAC + SNR)
  std::variant<KmeProvisioning, DeviceChallenge> action;
};

}  // namespace kmebind::s6a
