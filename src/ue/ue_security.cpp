// Ue: identification (TS 24.301 §5.4.4), EPS authentication (§5.4.2) and NAS security mode
// control (§5.4.3, TS 33.401 §7.2.4.4).
#include "ue/ue.h"

#include "crypto/kdf.h"

namespace kmebind::ue {
namespace {

bool is_supported(const nas::NasSecurityAlgorithms& algs, const nas::UeNetworkCapability& cap) {
  const bool implemented = (algs.integrity == nas::IntegrityAlgorithm::kEia0 ||
                            algs.integrity == nas::IntegrityAlgorithm::kEia2) &&
                           (algs.ciphering == nas::CipheringAlgorithm::kEea0 ||
                            algs.ciphering == nas::CipheringAlgorithm::kEea2);
  return implemented && cap.supports(algs.integrity) && cap.supports(algs.ciphering);
}

}  // namespace

// TS 24.301 §5.4.4.3.
void Ue::on_identity_request(const nas::IdentityRequest& m, UeOutput& out) {
  nas::IdentityResponse response;
  std::string what;
  switch (m.identity_type) {
    case nas::IdentityType2::kImsi:
      response.mobile_identity.identity = nas::Imsi{usim_.imsi()};
      what = "IMSI";
      break;
    case nas::IdentityType2::kImei:
      response.mobile_identity.identity = nas::Imei{me_.imei()};
      what = "IMEI";
      break;
    case nas::IdentityType2::kImeisv:
      response.mobile_identity.identity = nas::Imeisv{me_.imeisv()};
      what = "IMEISV";
      break;
    default:  // TMSI, or a value the UE does not know: the M-TMSI if there is one, else "no identity"
      if (guti_ && m.identity_type == nas::IdentityType2::kTmsi) {
        response.mobile_identity.identity = nas::Tmsi{guti_->m_tmsi};
        what = "TMSI";
      } else {
        response.mobile_identity.identity = nas::NoIdentity{};
        what = "no identity";
      }
      break;
  }
  send(response, out);
  emit(UeEvent(UeEventKind::kIdentityProvided, what), out);
}

// TS 24.301 §5.4.2.3 and §5.4.2.6; TS 33.102 §6.3.3; TS 33.401 §6.1.1.
void Ue::on_authentication_request(const nas::AuthenticationRequest& m, UeOutput& out) {
  const std::uint8_t ksi = m.nas_key_set_identifier_asme.ksi;
  if (ksi == nas::NasKeySetIdentifier::kNoKeyAvailable) {
    discard("Authentication request with eKSI 7 (no key)", out);
    return;
  }
  auto result = usim_.authenticate(m.rand, m.autn, sn_id_);
  if (!result) {
    discard("USIM: " + result.error().message(), out);
    return;
  }
  if (auto* ok = std::get_if<AkaSuccess>(&*result)) {
    pending_kasme_ = PendingKasme{ksi, std::move(ok->kasme)};
    send(nas::AuthenticationResponse{nas::Octets{std::move(ok->res)}}, out);
    emit(UeEvent(UeEventKind::kAuthenticated), out);
    return;
  }
  nas::AuthenticationFailure failure;
  std::string reason;
  if (const auto* synch = std::get_if<AkaSynchFailure>(&*result)) {
    failure.emm_cause = nas::EmmCause::kSynchFailure;
    failure.authentication_failure_parameter = synch->auts;
    reason = "SQN out of range";
  } else if (std::holds_alternative<AkaNonEpsUnacceptable>(*result)) {
    failure.emm_cause = nas::EmmCause::kNonEpsAuthenticationUnacceptable;
    reason = "AMF separation bit is 0";
  } else {
    failure.emm_cause = nas::EmmCause::kMacFailure;
    reason = "MAC in AUTN does not verify";
  }
  send(failure, out);
  emit(UeEvent(UeEventKind::kAuthenticationFailed, reason).with_emm_cause(failure.emm_cause), out);
}

// TS 24.301 §5.4.2.7 (on receipt of Authentication reject).
void Ue::on_authentication_reject(UeOutput& out) {
  guti_.reset();
  enter_deregistered();
  emit(UeEvent(UeEventKind::kAuthenticationRejected), out);
}

// TS 24.301 §5.4.3.3 / §5.4.3.5; the rules are listed in ue.h.
void Ue::on_security_mode_command(ByteView pdu, UeOutput& out) {
  if (pdu.size() <= nas::kSecurityHeaderSize) {
    discard("security protected NAS message too short", out);
    return;
  }
  // Type 3 is not ciphered: the command can be read before its MAC is checked.
  auto inner = nas::decode_nas(pdu.subspan(nas::kSecurityHeaderSize), nas::Direction::kDownlink);
  const auto* smc = inner ? std::get_if<nas::SecurityModeCommand>(&*inner) : nullptr;
  if (smc == nullptr) {
    discard("security header type 3 without a valid Security mode command", out);
    return;
  }
  const std::uint8_t ksi = smc->nas_key_set_identifier_asme.ksi;
  const SecretBytes* kasme = nullptr;
  nas::NasCount uplink{}, downlink{};
  const bool fresh = pending_kasme_ && pending_kasme_->ksi == ksi && !smc->nas_key_set_identifier_asme.mapped;
  if (fresh) {
    kasme = &pending_kasme_->kasme;  // new KASME from AKA: NAS COUNTs start at 0
  } else if (current_ && current_->ksi == ksi && !smc->nas_key_set_identifier_asme.mapped) {
    kasme = &current_->kasme;  // same KASME, other algorithms: COUNTs continue (TS 33.401 §7.2.4.4)
    uplink = current_->nas.next_count(nas::Direction::kUplink);
    downlink = current_->nas.next_count(nas::Direction::kDownlink);
  } else {
    reject_security_mode(nas::EmmCause::kSecurityModeRejectedUnspecified, "no KASME for the eKSI", out);
    return;
  }
  const nas::NasSecurityAlgorithms algs = smc->selected_nas_security_algorithms;
  if (!is_supported(algs, ue_network_capability_)) {
    reject_security_mode(nas::EmmCause::kSecurityModeRejectedUnspecified,
                         "selected algorithms not supported: " + algs.describe(), out);
    return;
  }
  auto keys = crypto::derive_nas_keys(*kasme, static_cast<std::uint8_t>(algs.ciphering),
                                      static_cast<std::uint8_t>(algs.integrity));
  if (!keys) {
    discard("NAS key derivation failed: " + keys.error().message(), out);
    return;
  }
  auto context = nas::NasSecurityContext::create(algs, std::move(keys->k_nas_int), std::move(keys->k_nas_enc),
                                                 uplink, downlink);
  if (!context) {
    discard("NAS security context: " + context.error().message(), out);
    return;
  }
  if (auto checked = context->unprotect(pdu, nas::Direction::kDownlink); !checked) {
    discard("Security mode command failed the integrity check", out);  // TS 24.301 §4.4.4.2: silently
    return;
  }
  if (!(smc->replayed_ue_security_capabilities == nas::UeSecurityCapability::replay_of(ue_network_capability_))) {
    reject_security_mode(nas::EmmCause::kUeSecurityCapabilitiesMismatch,
                         "replayed UE security capabilities differ from those sent", out);
    return;
  }
  const bool imeisv_requested = smc->imeisv_request && *smc->imeisv_request == nas::ImeisvRequest::kRequested;
  SecretBytes taken = fresh ? std::move(pending_kasme_->kasme) : std::move(current_->kasme);
  if (fresh) pending_kasme_.reset();
  current_.emplace(CurrentContext{ksi, std::move(taken), std::move(*context)});

  nas::SecurityModeComplete complete;
  if (imeisv_requested) complete.imeisv = nas::MobileIdentity{nas::Imeisv{me_.imeisv()}};
  send(complete, out, nas::SecurityHeaderType::kIntegrityProtectedCipheredNewContext);
  emit(UeEvent(UeEventKind::kSecurityModeCompleted, algs.describe()), out);
}

// TS 24.301 §5.4.3.5: the new context is not taken into use; sent under the context in use, if any.
void Ue::reject_security_mode(nas::EmmCause cause, std::string reason, UeOutput& out) {
  send(nas::SecurityModeReject{cause}, out);
  emit(UeEvent(UeEventKind::kSecurityModeRejected, std::move(reason)).with_emm_cause(cause), out);
}

}  // namespace kmebind::ue
