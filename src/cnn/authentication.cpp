#include "cnn/authentication.h"

#include <algorithm>

#include "cnn/s6a_causes.h"
#include "cnn/security_mode.h"

namespace kmebind::cnn::detail::authentication {
namespace {

void reject_authentication(Step& s, std::string detail, std::uint8_t ue_cause = 0) {
  // TS 24.301 §5.4.2.5: Authentication reject, then the UE's context is deleted.
  if (!send_nas(s, nas::AuthenticationReject{})) return;
  ++s.cnn.stats.authentication_rejects;
  abort_ue(s, CnnEventKind::kAuthenticationFailed, std::move(detail), ue_cause);
}

// TS 29.272 §7.3.18 E-UTRAN-Vector sizes.
bool vector_is_usable(const s6a::EutranVector& v) {
  return v.rand.size() == 16 && v.autn.size() == 16 && v.xres.size() >= 4 &&
         v.xres.size() <= 16 && v.kasme.size() == 32;
}

// TS 24.301 §9.9.3.21: a KSI_ASME from the CNN's counter (0..6), never the one the UE sent, so
// the new context cannot be confused with the UE's old one.
std::uint8_t next_ksi(Step& s) {
  std::uint8_t ksi = s.cnn.next_ksi;
  if (ksi == s.attach().ue_ksi) ksi = static_cast<std::uint8_t>((ksi + 1) % 7);
  s.cnn.next_ksi = static_cast<std::uint8_t>((ksi + 1) % 7);
  return ksi;
}

}  // namespace

void request_vectors(Step& s, std::optional<s6a::ResyncInfo> resync) {
  s6a::AuthenticationInformationRequest air;
  air.imsi = s.ue.imsi;
  air.visited_plmn_id = s.cnn.visited_plmn_id;
  air.number_of_vectors = 1;
  air.resync = std::move(resync);
  // docs/protocol.md "KME material on the AIA": the procedures the KME-Answer's material may use.
  air.kme_prefetch_procedures = s.config().kme_prefetch ? s.config().supported_kme_procedures : 0;
  s.ue.state = EmmState::kCommonProcedureInitiated;
  send_s6a(s, std::move(air), AttachStep::kAwaitAia);
}

void on_aia(Step& s, s6a::AuthenticationInformationAnswer&& aia) {
  if (!aia.result.ok()) {
    const RejectDecision d = reject_for(aia.result);
    reject_attach(s, d.cause, d.kind, "AIA: " + std::string(s6a::describe(aia.result)),
                  d.with_t3346);
    return;
  }
  if (aia.vectors.empty() || !vector_is_usable(aia.vectors.front())) {
    reject_attach(s, nas::EmmCause::kNetworkFailure, CnnEventKind::kS6aError,
                  "AIA without a usable E-UTRAN vector");
    return;
  }
  AttachProcedure& a = s.attach();
  a.vector = std::move(aia.vectors.front());
  a.binding = aia.binding;
  // Kept until Security mode complete names the IMEI (kme_procedure::request). Material the CNN
  // did not ask for, or for a subscriber without KME binding, is dropped here. An AIA after a
  // resynchronisation replaces what the first one brought.
  a.kme_prefetch.reset();
  if (s.config().kme_prefetch && a.binding == s6a::BindingRequirement::kKmeRequired) {
    a.kme_prefetch = std::move(aia.kme_prefetch);
    a.kme_prefetch_received_ms = s.now;
  }
  s.ue.ksi = next_ksi(s);

  nas::AuthenticationRequest request;
  request.nas_key_set_identifier_asme = nas::NasKeySetIdentifier{false, s.ue.ksi};
  std::copy_n(a.vector->rand.begin(), request.rand.size(), request.rand.begin());
  std::copy_n(a.vector->autn.begin(), request.autn.size(), request.autn.begin());
  a.step = AttachStep::kAuthentication;
  send_procedure_message(s, request, nas::SecurityHeaderType::kPlain, TimerKind::kT3460);
}

void on_authentication_response(Step& s, const nas::AuthenticationResponse& response) {
  AttachProcedure& a = s.attach();
  stop_timer(s);
  // TS 33.401 §6.1.1: the MME compares RES with XRES (constant time: equal_ct).
  if (!a.vector || !equal_ct(response.res.value, a.vector->xres)) {
    reject_authentication(s, "RES does not match XRES");
    return;
  }
  security_mode::start(s);
}

void on_authentication_failure(Step& s, const nas::AuthenticationFailure& failure) {
  AttachProcedure& a = s.attach();
  stop_timer(s);
  const auto cause = static_cast<std::uint8_t>(failure.emm_cause);
  if (failure.emm_cause == nas::EmmCause::kSynchFailure &&
      failure.authentication_failure_parameter && !a.resync_requested && a.vector) {
    // TS 33.102 §6.3.5: send RAND ‖ AUTS to the HSS, which re-synchronises SQN_HE.
    a.resync_requested = true;
    s6a::ResyncInfo resync;
    resync.rand = a.vector->rand;
    resync.auts.assign(failure.authentication_failure_parameter->begin(),
                       failure.authentication_failure_parameter->end());
    a.vector.reset();
    a.kme_prefetch.reset();  // made for this AIR's vector; the next AIA brings its own
    request_vectors(s, std::move(resync));
    return;
  }
  std::string detail = "Authentication failure #" + std::to_string(cause) + " (" +
                       nas::to_string(failure.emm_cause) + ")";
  if (failure.emm_cause == nas::EmmCause::kSynchFailure) {
    detail += a.resync_requested ? ", after a re-synchronisation" : ", without AUTS";
  }
  reject_authentication(s, std::move(detail), cause);
}

}  // namespace kmebind::cnn::detail::authentication
