#include "cnn/identity.h"

#include "cnn/authentication.h"

namespace kmebind::cnn::detail::identity {

void start(Step& s) {
  s.attach().step = AttachStep::kIdentity;
  s.ue.state = EmmState::kCommonProcedureInitiated;
  send_procedure_message(s, nas::IdentityRequest{nas::IdentityType2::kImsi},
                         nas::SecurityHeaderType::kPlain, TimerKind::kT3470);
}

void on_identity_response(Step& s, const nas::IdentityResponse& response) {
  stop_timer(s);
  const auto* imsi = std::get_if<nas::Imsi>(&response.mobile_identity.identity);
  if (imsi == nullptr || imsi->digits.size() < 6 || imsi->digits.size() > 15) {
    reject_attach(s, nas::EmmCause::kInvalidMandatoryInformation, CnnEventKind::kAttachRejected,
                  "Identity response does not carry an IMSI");
    return;
  }
  s.ue.imsi = imsi->digits;
  authentication::request_vectors(s, std::nullopt);
}

}  // namespace kmebind::cnn::detail::identity
