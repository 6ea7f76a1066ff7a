// The EMM core of one UE (TS 24.301 §5; docs/protocol.md §1, UE column): attach with EPS AKA,
// NAS security mode control, identification, the KME procedures and network-initiated detach.
// Sans-IO (DESIGN.md §2): NAS PDUs and the caller's monotonic time (`now_ms`) in, PDUs to send
// and events out (UeOutput); the caller arms a timer for next_deadline() and calls on_timer.
//
// Procedure, as the UE sees it:
//   start_attach → Attach request (EPS attach; IMSI, or the last GUTI when UeConfig::use_guti;
//     UE network capability EEA0, EEA2 / EIA2 (+ EIA0 if configured); KSI 7 "no key available";
//     ESM: PDN connectivity request with a fresh PTI and the configured APN). T3410 starts.
//     Every attach starts without a NAS security context (each attempt runs AKA afresh).
//   Identity request → Identity response (IMSI; IMEI and IMEISV only under integrity protection,
//     TS 24.301 §4.4.4.2; TMSI → the M-TMSI of the GUTI, else "no identity").
//   Authentication request → USIM (usim.h) → Authentication response (RES), or Authentication
//     failure #20 (MAC), #21 with AUTS (SQN), #26 (AMF separation bit 0). TS 24.301 §5.4.2.
//     The new KASME waits, with its eKSI, for a Security mode command.
//   Authentication reject → EMM-DEREGISTERED, GUTI deleted (TS 24.301 §5.4.2.7).
//   Security mode command (security header type 3 only): KASME by the eKSI (the one just
//     authenticated, NAS COUNTs 0; or the one in use, COUNTs kept, TS 33.401 §7.2.4.4), selected
//     algorithms supported (EIA0 only if configured) — else Security mode reject #24 —, KNASint/
//     KNASenc per TS 33.401 A.7, MAC checked with the new context — failure: discarded silently
//     (TS 24.301 §4.4.4.2) —, replayed UE security capabilities equal to what the UE sent — else
//     Security mode reject #23 (§5.4.3.5). Then the context is in use and Security mode complete
//     (type 4; IMEISV when requested) is sent.
//   From then on every uplink message is integrity protected and ciphered (type 2) and every
//     downlink message must pass the integrity check; a plain one is discarded. Before that only
//     the plain messages TS 24.301 §4.4.4.2 lists are taken (Identity request for IMSI,
//     Authentication request/reject, Attach reject other than #25, Detach accept).
//   Downlink generic NAS transport with the KME container (kme_procedures.h) → Uplink generic NAS
//     transport with the reply. Provisioning only during an attach; device authentication also in
//     EMM-REGISTERED.
//   Attach accept → the pending KME is committed if this attach provisioned or challenged it
//     (kme_store.h); GUTI stored; Attach complete (ESM: Activate default EPS bearer context
//     accept); T3410 stopped; EMM-REGISTERED. In EMM-REGISTERED a repeated Attach accept (the
//     network's T3450 retransmission, §5.5.1.2.7) draws Attach complete again and nothing else.
//   Attach reject → EMM-DEREGISTERED with the cause (and T3346); nothing committed; GUTI deleted
//     for #3, #6, #7, #8 (§5.5.1.2.5). No automatic retry: the caller decides.
//   Detach request (network) → Detach accept; EMM-DEREGISTERED unless it is an IMSI detach
//     (§5.5.2.3). EMM status → event only (§5.7).
//   T3410 expiry (§5.5.1.2.6 c): attempt aborted, attach attempt counter + 1; below
//     max_attach_attempts T3411 runs and then a new Attach request goes out; at the limit the
//     GUTI is deleted and T3402 runs before the next attempt. The state meanwhile is
//     EMM-DEREGISTERED.ATTEMPTING-TO-ATTACH.
//   Anything malformed (TS 24.301 §7): a PDU too short or with an unknown PD is discarded; a
//     message that passed the security rules but does not decode draws EMM status #96 (known
//     type) or #97 (unknown type); an expected-nowhere message in this state draws #98. Every drop
//     is an event kDiscarded with the reason. In EMM-DEREGISTERED (no NAS signalling connection)
//     everything is discarded. No input makes a method fail or crash.
//   Not implemented (documented choices): T3416/T3418/T3420 network-failure counting of §5.4.2.6,
//     UE-initiated detach, tracking area update, ESM beyond the default bearer in the attach.
//
// Thread safety: none; one Ue belongs to one caller thread. Move-only (holds the USIM and ME).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/error.h"
#include "common/secret.h"
#include "nas/ie_identity.h"
#include "nas/ie_security.h"
#include "nas/nas_message.h"
#include "nas/security_context.h"
#include "ue/mobile_equipment.h"
#include "ue/ue_config.h"
#include "ue/ue_events.h"
#include "ue/usim.h"

namespace kmebind::ue {

// TS 24.301 §5.1.3.2 EMM main states (and the one substate the UE core distinguishes).
enum class UeState {
  kDeregistered,                    // EMM-DEREGISTERED (no attach running)
  kDeregisteredAttemptingToAttach,  // EMM-DEREGISTERED.ATTEMPTING-TO-ATTACH (T3411/T3402 running)
  kRegisteredInitiated,             // EMM-REGISTERED-INITIATED (attach running, T3410)
  kRegistered,                      // EMM-REGISTERED
};
std::string_view to_string(UeState state);

struct UeCounters {
  std::uint64_t pdus_received = 0;
  std::uint64_t pdus_sent = 0;
  std::uint64_t discarded = 0;
  std::uint64_t attach_attempts = 0;
  std::uint64_t attaches = 0;
  std::uint64_t attach_rejects = 0;
  std::uint64_t attach_timeouts = 0;  // T3410 expiries
  std::uint64_t authentications = 0;
  std::uint64_t authentication_failures = 0;
  std::uint64_t authentication_rejects = 0;
  std::uint64_t security_mode_completes = 0;
  std::uint64_t security_mode_rejects = 0;
  std::uint64_t kme_provisioned = 0;
  std::uint64_t kme_provisioning_rejects = 0;
  std::uint64_t device_authentications = 0;
  std::uint64_t device_authentication_rejects = 0;
  std::uint64_t detaches = 0;
  std::uint64_t emm_status_sent = 0;
};

class Ue {
 public:
  // Fails with kInvalidArgument when `config` does not validate.
  static Result<Ue> create(Usim usim, MobileEquipment me, UeConfig config);

  // Starts (or restarts) an attach: drops any NAS security context and running timer, resets the
  // attach attempt counter, sends Attach request, starts T3410.
  UeOutput start_attach(std::int64_t now_ms);
  // One downlink NAS PDU (borrowed for the call only).
  UeOutput on_nas(ByteView pdu, std::int64_t now_ms);
  // Runs the timer if now_ms >= next_deadline(); otherwise returns an empty output.
  UeOutput on_timer(std::int64_t now_ms);
  // When on_timer wants to be called (T3410, T3411 or T3402), if a timer runs.
  std::optional<std::int64_t> next_deadline() const;

  UeState state() const { return state_; }
  const UeCounters& counters() const { return counters_; }
  const std::optional<nas::Guti>& guti() const { return guti_; }
  // True once a Security mode command has been accepted (until detach, reject or a new attach).
  bool has_security_context() const { return current_.has_value(); }
  const UeConfig& config() const { return config_; }
  const Usim& usim() const { return usim_; }
  const MobileEquipment& mobile_equipment() const { return me_; }
  MobileEquipment& mobile_equipment() { return me_; }
  // The UE network capability sent in Attach request.
  const nas::UeNetworkCapability& ue_network_capability() const { return ue_network_capability_; }

 private:
  enum class TimerId { kT3410, kT3411, kT3402 };
  struct Timer {
    TimerId id;
    std::int64_t deadline_ms;
  };
  // KASME from EPS AKA, not yet taken into use by a Security mode command.
  struct PendingKasme {
    std::uint8_t ksi;
    SecretBytes kasme;
  };
  // The EPS security context in use (TS 24.301 §4.4.2.1 "current").
  struct CurrentContext {
    std::uint8_t ksi;
    SecretBytes kasme;
    nas::NasSecurityContext nas;
  };

  Ue(Usim usim, MobileEquipment me, UeConfig config, Bytes sn_id);

  // ue_attach.cpp
  void send_attach_request(UeOutput& out, std::int64_t now_ms);
  void on_attach_accept(const nas::AttachAccept& m, UeOutput& out);
  void on_attach_reject(const nas::AttachReject& m, UeOutput& out);
  void on_detach_request(const nas::DetachRequestUeTerminated& m, UeOutput& out);
  void on_t3410_expiry(UeOutput& out, std::int64_t now_ms);
  void enter_deregistered();
  // ue_security.cpp
  void on_identity_request(const nas::IdentityRequest& m, UeOutput& out);
  void on_authentication_request(const nas::AuthenticationRequest& m, UeOutput& out);
  void on_authentication_reject(UeOutput& out);
  void on_security_mode_command(ByteView pdu, UeOutput& out);
  void reject_security_mode(nas::EmmCause cause, std::string reason, UeOutput& out);
  // ue_kme.cpp
  void on_downlink_generic_nas_transport(const nas::DownlinkGenericNasTransport& m, UeOutput& out);
  // ue.cpp
  void receive_protected(ByteView pdu, nas::SecurityHeaderType type, UeOutput& out);
  void receive_message(ByteView plain, bool integrity_checked, UeOutput& out);
  void dispatch(const nas::NasMessage& m, UeOutput& out);
  void on_undecodable(ByteView plain, bool integrity_checked, const Error& error, UeOutput& out);
  void send(const nas::NasMessage& m, UeOutput& out,
            nas::SecurityHeaderType type = nas::SecurityHeaderType::kIntegrityProtectedCiphered);
  void send_emm_status(nas::EmmCause cause, std::string reason, UeOutput& out);
  void emit(UeEvent event, UeOutput& out);
  void discard(std::string reason, UeOutput& out);
  void start_timer(TimerId id, std::int64_t now_ms);

  UeConfig config_;
  Usim usim_;
  MobileEquipment me_;
  Bytes sn_id_;  // TS 33.401 A.2 serving network identity of config_.plmn
  nas::UeNetworkCapability ue_network_capability_;

  UeState state_ = UeState::kDeregistered;
  std::optional<Timer> timer_;
  std::uint32_t attach_attempt_counter_ = 0;  // TS 24.301 §5.5.1.2.6
  std::uint8_t pti_ = 0;                      // PTI of the last PDN connectivity request
  std::uint8_t default_bearer_ebi_ = 0;       // EBI of the default bearer (for Attach complete)
  std::optional<PendingKasme> pending_kasme_;
  std::optional<CurrentContext> current_;
  std::optional<nas::Guti> guti_;
  bool kme_confirmed_this_attach_ = false;
  UeCounters counters_;
};

}  // namespace kmebind::ue
