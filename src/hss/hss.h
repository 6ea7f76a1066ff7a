// The HSS protocol core (DESIGN.md §2, docs/protocol.md): answers the S6a requests of the EPS
// attach — AIR (TS 29.272 §5.2.3.1), ULR (§5.2.1.1) and kmebind's KME-Request — as typed values,
// with the subscriber store as its only state. No sockets, threads or clocks: the caller passes
// the time (`now_unix_s`, seconds since the Unix epoch) and whether the S6a link is confidential.
//
// The HSS keeps nothing between a KME-Request and the ULR that confirms it (TR 33.868
// §5.4.4.2.3.3: "does not require state in the HSS"): procedure 2's Cookie carries the KME under
// an HSS-only key ring, and procedure 1's ULR brings the KME back. Another Hss with the same store
// and key ring — after a restart, or another front-end — completes the procedure.
//
// Every answer carries a Result-Code; no input (empty or malformed identities, wrong lengths,
// garbage Cookies, unknown procedures) makes a method fail otherwise. Refusals leave the store
// unchanged, except that an AIR's SQN reservation stands once made (TS 33.102 Annex C allows gaps).
// Store failures answer DIAMETER_TOO_BUSY when transient (kUnavailable), else
// DIAMETER_UNABLE_TO_COMPLY.
//
// Thread safety: all methods are const and keep no mutable state; any number of threads may call
// them on one Hss at once, as the store is itself safe for concurrent use (subscriber_store.h).
// The store and the Cookie key ring are borrowed and must outlive the Hss.
//
// Logging: the core never prints. The overloads taking an HssEvent fill it with the result and a
// short, secret-free reason for the adapter to log.
//
// Identities: an IMEI is accepted as 14 digits (TAC ‖ SNR, as in the IMEI AVP) or 15 with a valid
// check digit, and normalised to the 14 digits the store keys devices by. The Cookie's AAD and the
// signed KME transcript use those 14 digits; the KME payload carries the 15-digit IMEI (its
// TS 24.008 Mobile identity coding needs the check digit), so the device signs with the first 14.
//
// Choices where the specs leave room (docs/protocol.md has the flow):
//  - AUTS whose MAC-S does not verify: success with fresh vectors from SQN_HE (TS 33.102 §6.3.5
//    step (iv) sends vectors either way); the event says the AUTS was refused.
//  - KME-Request for a subscriber whose binding mode is not kKmeRequired: refused with
//    KME_ERROR_PROCEDURE_NOT_ALLOWED (the AIA told the CNN no KME procedure runs).
//  - ULR without Terminal-Information for a subscriber with binding: DIAMETER_MISSING_AVP.
//  - Re-synchronisation reads SQN_HE and then sets it: a concurrent AIR between the two can see
//    its SQN reissued once (with a fresh RAND); the store has no "raise SQN to at least" call.
#pragma once

#include <cstdint>

#include "common/error.h"
#include "hss/hss_config.h"
#include "hss/hss_event.h"
#include "s6a/messages.h"
#include "store/subscriber_store.h"

namespace kmebind::crypto {
class CookieKeyRing;
}

namespace kmebind::hss {

class Hss {
 public:
  // Fails with kInvalidArgument when `config` does not validate (HssConfig::validate).
  static Result<Hss> create(store::SubscriberStore& store,
                            const crypto::CookieKeyRing& cookie_keys, HssConfig config);

  // AIR → AIA. Unknown IMSI → DIAMETER_ERROR_USER_UNKNOWN; missing/malformed User-Name or
  // Visited-PLMN-Id → MISSING_AVP / INVALID_AVP_VALUE; 0 vectors requested → INVALID_AVP_VALUE.
  // Issues min(requested, max_vectors_per_air) vectors whose SQNs are reserved with one atomic
  // store advance (step HssConfig::sqn_step per vector, TS 33.102 Annex C.3.2), oldest first.
  // RAND from the DRBG; AUTN = SQN ⊕ AK ‖ AMF ‖ MAC-A with the AMF separation bit set
  // (TS 33.401 §6.1.1); XRES = f2 (8 octets); KASME per TS 33.401 A.2 with the Visited-PLMN-Id
  // as SN id. With Re-Synchronization-Info (TS 33.102 §6.3.5): RAND must be 16 and AUTS 14
  // octets (else INVALID_AVP_VALUE); a verified AUTS whose SQN_MS is not below SQN_HE sets
  // SQN_HE := SQN_MS before the vectors are made; an AUTS whose MAC-S does not verify changes
  // nothing and the vectors continue from SQN_HE (reason says so). A subscriber whose SQN would
  // pass 2^48 - 1 → DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE, as is one whose K/OPc cannot be
  // used (after its SQNs were reserved: the read and the advance are one store call; skipped SQNs
  // are harmless, TS 33.102 Annex C). `binding` reports the subscriber's binding mode (step 2a).
  // KME material (docs/protocol.md "KME material on the AIA"): on success only, when
  // HssConfig::kme_prefetch, air.kme_prefetch_procedures != 0, the binding mode is kKmeRequired
  // (the store reads the pair only then, in the call that reserves the SQNs:
  // SubscriberStore::reserve_sqn) and the subscription allows exactly one IMEI,
  // `kme_prefetch` carries {that IMEI, the action of on_kme_request(
  // KmeRequest{IMSI, IMEI, kme_prefetch_procedures}, now_unix_s, link)} — the same checks and
  // material, so the ULR takes its Cookie or challenge token exactly as one from a KME-Answer.
  // When that KME-Request would be refused, or the store fails, the AIA carries none and is
  // otherwise unchanged (the CNN then sends the KME-Request and gets the refusal there); the
  // event's reason says which. Stores nothing more than without it.
  s6a::AuthenticationInformationAnswer on_air(const s6a::AuthenticationInformationRequest& air,
                                              std::int64_t now_unix_s,
                                              const LinkInfo& link = {}) const;
  s6a::AuthenticationInformationAnswer on_air(const s6a::AuthenticationInformationRequest& air,
                                              std::int64_t now_unix_s, HssEvent& event) const;
  s6a::AuthenticationInformationAnswer on_air(const s6a::AuthenticationInformationRequest& air,
                                              std::int64_t now_unix_s, const LinkInfo& link,
                                              HssEvent& event) const;

  // KME-Request → KME-Answer (seed steps 2a, 3, 4; docs/protocol.md step 5). Checks, in order:
  // IMSI/IMEI syntax (MISSING_AVP / INVALID_AVP_VALUE); subscriber (USER_UNKNOWN); binding mode
  // must be kKmeRequired (else KME_ERROR_PROCEDURE_NOT_ALLOWED: the AIA told the CNN not to
  // ask); pair on the binding list (KME_ERROR_BINDING_VIOLATION); device public keys
  // (KME_ERROR_NO_DEVICE_KEY). Then:
  //  - a KME is stored for the pair and no renewal is requested for it (KmeRecord::
  //    renewal_requested: per pair, SubscriberStore::request_kme_renewal) → DeviceChallenge
  //    {stored version, random Nonce, HXRsp = compute_hxrsp(Nonce, Rsp(KME, Nonce)), challenge
  //    token sealing IMSI, IMEI, Nonce, version and now under the Cookie key ring
  //    (crypto/challenge_token.h)};
  //  - otherwise → KmeProvisioning for a new random KME of version stored + 1 (1 for the first),
  //    procedure chosen by policy: procedure 2 if the subscriber allows it and the CNN supports
  //    it; else procedure 1 if the subscriber allows it, the CNN supports it,
  //    HssConfig::allow_procedure1 and `link.confidential`; else
  //    KME_ERROR_PROCEDURE_NOT_ALLOWED. The payload (src/nas/kme_payload.h) names the IMEI, the
  //    version and (procedure 2) the Nonce and is ECIES-encrypted to the device's key with its
  //    profile. Procedure 1 returns the KME and a procedure-1 Cookie (crypto::CookieUse::
  //    kProcedure1: the KME sealed for the HSS, docs/protocol.md §2); procedure 2 a Cookie and
  //    XRsp instead.
  // Stores nothing.
  s6a::KmeAnswer on_kme_request(const s6a::KmeRequest& kmr, std::int64_t now_unix_s,
                                const LinkInfo& link = {}) const;
  s6a::KmeAnswer on_kme_request(const s6a::KmeRequest& kmr, std::int64_t now_unix_s,
                                const LinkInfo& link, HssEvent& event) const;

  // ULR → ULA (seed steps 10, 11). Checks IMSI and Visited-PLMN-Id syntax and the subscriber
  // (USER_UNKNOWN). For a subscriber with a binding mode other than kNone, Terminal-Information
  // is required (DIAMETER_MISSING_AVP without it) and the IMSI/IMEI pair must be on the binding
  // list (KME_ERROR_BINDING_VIOLATION, TR 33.868 §5.4.4.2.1.3). A KME-Confirm is accepted only
  // for a kKmeRequired subscriber (else KME_ERROR_PROCEDURE_NOT_ALLOWED) and only for a
  // procedure the policy of on_kme_request would offer on this link:
  //  - procedure 1: a 32-octet KME (else INVALID_AVP_VALUE) and the Cookie of its KMA, which
  //    must open for this IMSI and IMEI (KME_ERROR_COOKIE_EXPIRED past its lifetime) and name the
  //    confirmed version and this very KME (else KME_ERROR_CONFIRM_FAILED, as without a Cookie);
  //  - procedure 2: the Cookie must open under the key ring, bound to this IMSI and IMEI
  //    (KME_ERROR_COOKIE_EXPIRED past HssConfig::cookie_lifetime_s, KME_ERROR_CONFIRM_FAILED
  //    otherwise), carry the confirmed version (else CONFIRM_FAILED), and the signature must
  //    verify under the device's signature key over kme_transcript(IMSI, IMEI, Nonce, KME) with
  //    the device's algorithm (else CONFIRM_FAILED).
  // The KME is stored only if the pair's stored version is still kme_version - 1 (else
  // KME_ERROR_VERSION_CONFLICT: stale or replayed confirm), durably before the ULA is returned;
  // the ULA then carries kme_version_stored. For a kKmeRequired subscriber the ULR must carry
  // either a KME-Confirm or a KME-Device-Proof (neither → KME_ERROR_PROOF_MISSING; both →
  // INVALID_AVP_VALUE; docs/security.md §3.21): the proof's challenge token must open for this
  // IMSI and IMEI within challenge_lifetime_s, name the stored KME's version (as must the proof),
  // and Rsp must equal Rsp(stored KME, Nonce) (else KME_ERROR_DEVICE_PROOF_FAILED); a proof
  // for another binding mode → KME_ERROR_PROCEDURE_NOT_ALLOWED. Nothing is stored on any
  // refusal (but a refused procedure-2 confirm of the stored version with another KME marks its
  // pair for renewal: docs/protocol.md §2), nor for a proof.
  s6a::UpdateLocationAnswer on_ulr(const s6a::UpdateLocationRequest& ulr,
                                   std::int64_t now_unix_s, const LinkInfo& link = {}) const;
  s6a::UpdateLocationAnswer on_ulr(const s6a::UpdateLocationRequest& ulr,
                                   std::int64_t now_unix_s, const LinkInfo& link,
                                   HssEvent& event) const;

  const HssConfig& config() const { return config_; }

 private:
  Hss(store::SubscriberStore& store, const crypto::CookieKeyRing& cookie_keys, HssConfig config)
      : store_(&store), cookie_keys_(&cookie_keys), config_(std::move(config)) {}

  store::SubscriberStore* store_;
  const crypto::CookieKeyRing* cookie_keys_;
  HssConfig config_;
};

}  // namespace kmebind::hss
