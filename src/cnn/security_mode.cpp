#include "cnn/security_mode.h"

#include "cnn/kme_procedure.h"
#include "cnn/update_location.h"
#include "crypto/kdf.h"

namespace kmebind::cnn::detail::security_mode {

void start(Step& s) {
  AttachProcedure& a = s.attach();
  if (!a.vector) {
    internal_error(s, Error(Code::kInternal, "security mode control without a vector"));
    return;
  }
  auto keys = crypto::derive_nas_keys(a.vector->kasme,
                                      static_cast<std::uint8_t>(a.algorithms.ciphering),
                                      static_cast<std::uint8_t>(a.algorithms.integrity));
  if (!keys) {
    internal_error(s, keys.error());
    return;
  }
  auto context = nas::NasSecurityContext::create(a.algorithms, std::move(keys->k_nas_int),
                                                 std::move(keys->k_nas_enc));
  if (!context) {
    internal_error(s, context.error());
    return;
  }
  s.ue.security = std::move(*context);
  s.ue.security_established = false;
  a.vector.reset();

  nas::SecurityModeCommand command;
  command.selected_nas_security_algorithms = a.algorithms;
  command.nas_key_set_identifier_asme = nas::NasKeySetIdentifier{false, s.ue.ksi};
  command.replayed_ue_security_capabilities =
      nas::UeSecurityCapability::replay_of(a.ue_network_capability);
  command.imeisv_request = nas::ImeisvRequest::kRequested;
  a.step = AttachStep::kSecurityMode;
  send_procedure_message(s, command, nas::SecurityHeaderType::kIntegrityProtectedNewContext,
                         TimerKind::kT3460);
}

void on_security_mode_complete(Step& s, const nas::SecurityModeComplete& complete,
                               nas::SecurityHeaderType header) {
  if (header != nas::SecurityHeaderType::kIntegrityProtectedCipheredNewContext &&
      header != nas::SecurityHeaderType::kIntegrityProtectedCiphered) {
    discard(s, "Security mode complete with security header type " + nas::to_string(header));
    return;
  }
  stop_timer(s);
  // TS 24.301 §4.4.4.3: the secure exchange of NAS messages is established from here on.
  s.ue.security_established = true;
  AttachProcedure& a = s.attach();
  const nas::Imeisv* imeisv = complete.imeisv
                                  ? std::get_if<nas::Imeisv>(&complete.imeisv->identity)
                                  : nullptr;
  if (imeisv == nullptr || imeisv->digits.size() != 16) {
    reject_attach(s, nas::EmmCause::kInvalidMandatoryInformation, CnnEventKind::kAttachRejected,
                  "Security mode complete without the requested IMEISV");
    return;
  }
  // TS 23.003 §6.2.2: IMEISV = TAC (8) ‖ SNR (6) ‖ SVN (2).
  a.imei = imeisv->digits.substr(0, 14);
  a.software_version = imeisv->digits.substr(14, 2);
  if (a.binding == s6a::BindingRequirement::kKmeRequired) {
    kme_procedure::request(s);
  } else {
    update_location::request(s);
  }
}

void on_security_mode_reject(Step& s, const nas::SecurityModeReject& reject) {
  stop_timer(s);
  const auto cause = static_cast<std::uint8_t>(reject.emm_cause);
  abort_ue(s, CnnEventKind::kSecurityModeRejected,
           "Security mode reject #" + std::to_string(cause) + " (" +
               nas::to_string(reject.emm_cause) + ")",
           cause);
}

}  // namespace kmebind::cnn::detail::security_mode
