// Ue: the attach procedure (TS 24.301 §5.5.1.2), its timers, and network-initiated detach
// (§5.5.2.3).
#include "ue/ue.h"

namespace kmebind::ue {
namespace {

// TS 24.301 §5.5.1.2.5: causes after which the UE deletes its GUTI (USIM/ME considered invalid).
bool deletes_guti(nas::EmmCause cause) {
  return cause == nas::EmmCause::kIllegalUe || cause == nas::EmmCause::kIllegalMe ||
         cause == nas::EmmCause::kEpsServicesNotAllowed || cause == nas::EmmCause::kEpsAndNonEpsServicesNotAllowed;
}

}  // namespace

UeOutput Ue::start_attach(std::int64_t now_ms) {
  UeOutput out;
  attach_attempt_counter_ = 0;
  timer_.reset();
  send_attach_request(out, now_ms);
  return out;
}

// TS 24.301 §5.5.1.2.2 (and §8.2.4, §8.3.20 for the contents).
void Ue::send_attach_request(UeOutput& out, std::int64_t now_ms) {
  current_.reset();
  pending_kasme_.reset();
  kme_confirmed_this_attach_ = false;
  pti_ = static_cast<std::uint8_t>(pti_ % 254 + 1);  // TS 24.007 §11.2.3.1a: PTI 1..254

  nas::PdnConnectivityRequest pdn;
  pdn.eps_bearer_identity = 0;
  pdn.procedure_transaction_identity = pti_;
  pdn.request_type = nas::RequestType::kInitialRequest;
  pdn.pdn_type = config_.pdn_type;
  if (config_.apn) pdn.access_point_name = nas::AccessPointName{*config_.apn};
  auto esm = nas::encode_nas(pdn);
  if (!esm) {
    discard("could not encode PDN connectivity request: " + esm.error().message(), out);
    return;
  }

  nas::AttachRequest request;
  request.eps_attach_type = nas::EpsAttachType::kEpsAttach;
  request.nas_key_set_identifier = nas::NasKeySetIdentifier{false, nas::NasKeySetIdentifier::kNoKeyAvailable};
  if (config_.use_guti && guti_) {
    request.eps_mobile_identity.identity = *guti_;
  } else {
    request.eps_mobile_identity.identity = nas::Imsi{usim_.imsi()};
  }
  request.ue_network_capability = ue_network_capability_;
  request.esm_message_container.value = std::move(*esm);
  send(request, out);

  state_ = UeState::kRegisteredInitiated;
  start_timer(TimerId::kT3410, now_ms);
  emit(UeEvent(UeEventKind::kAttachStarted).with_attempt(attach_attempt_counter_ + 1), out);
}

// TS 24.301 §5.5.1.2.4 (UE side) and §6.4.1.3 (default bearer accepted).
void Ue::on_attach_accept(const nas::AttachAccept& m, UeOutput& out) {
  if (state_ != UeState::kRegisteredInitiated && state_ != UeState::kRegistered) {
    discard("Attach accept in " + std::string(to_string(state_)), out);
    return;
  }
  auto esm = nas::decode_nas(m.esm_message_container.value, nas::Direction::kDownlink);
  const auto* bearer = esm ? std::get_if<nas::ActivateDefaultEpsBearerContextRequest>(&*esm) : nullptr;
  if (bearer == nullptr) {
    discard("Attach accept without an Activate default EPS bearer context request", out);
    return;
  }
  if (bearer->procedure_transaction_identity != pti_) {
    discard("Attach accept: default bearer PTI is not that of the PDN connectivity request", out);
    return;
  }
  const bool retransmission = state_ == UeState::kRegistered;  // T3450 expired at the network, §5.5.1.2.7
  default_bearer_ebi_ = bearer->eps_bearer_identity;

  nas::ActivateDefaultEpsBearerContextAccept bearer_accept;
  bearer_accept.eps_bearer_identity = default_bearer_ebi_;
  bearer_accept.procedure_transaction_identity = 0;
  auto esm_accept = nas::encode_nas(bearer_accept);
  if (!esm_accept) {
    discard("could not encode Activate default EPS bearer context accept: " + esm_accept.error().message(), out);
    return;
  }
  if (!retransmission) {
    if (m.guti) {
      if (const auto* g = std::get_if<nas::Guti>(&m.guti->identity)) guti_ = *g;
    }
    timer_.reset();
    attach_attempt_counter_ = 0;
  }
  std::optional<std::uint32_t> committed;
  if (!retransmission && kme_confirmed_this_attach_) committed = me_.kmes().commit_pending();
  kme_confirmed_this_attach_ = false;

  send(nas::AttachComplete{nas::EsmMessageContainer{std::move(*esm_accept)}}, out);
  if (retransmission) return;
  state_ = UeState::kRegistered;
  emit(UeEvent(UeEventKind::kAttached).with_kme_version(committed), out);
}

// TS 24.301 §5.5.1.2.5.
void Ue::on_attach_reject(const nas::AttachReject& m, UeOutput& out) {
  std::optional<std::int64_t> t3346_ms;
  if (m.t3346_value) {
    if (auto s = m.t3346_value->seconds()) t3346_ms = static_cast<std::int64_t>(*s) * 1000;
  }
  if (deletes_guti(m.emm_cause)) guti_.reset();
  enter_deregistered();
  emit(UeEvent(UeEventKind::kAttachRejected).with_emm_cause(m.emm_cause).with_t3346_ms(t3346_ms), out);
}

// TS 24.301 §5.5.2.3.2: Detach accept, then (unless IMSI detach) EMM-DEREGISTERED.
void Ue::on_detach_request(const nas::DetachRequestUeTerminated& m, UeOutput& out) {
  send(nas::DetachAccept{}, out);
  // TS 24.301 §9.9.3.7, network to UE: 1 re-attach required, 2 not required, 3 IMSI detach.
  constexpr std::uint8_t kNetworkImsiDetach = 3;
  if (m.detach_type.type_of_detach == kNetworkImsiDetach) {
    emit(UeEvent(UeEventKind::kDetached, "IMSI detach: EPS services kept").with_emm_cause(m.emm_cause), out);
    return;
  }
  const bool reattach = m.detach_type.type_of_detach == nas::DetachType::kReattachRequired;
  enter_deregistered();
  emit(UeEvent(UeEventKind::kDetached, reattach ? "re-attach required" : "re-attach not required")
           .with_emm_cause(m.emm_cause),
       out);
}

// TS 24.301 §5.5.1.2.6 c) T3410 timeout.
void Ue::on_t3410_expiry(UeOutput& out, std::int64_t now_ms) {
  ++attach_attempt_counter_;
  current_.reset();
  pending_kasme_.reset();
  kme_confirmed_this_attach_ = false;
  state_ = UeState::kDeregisteredAttemptingToAttach;
  TimerId next = TimerId::kT3411;
  std::int64_t retry_in = config_.t3411_ms;
  if (attach_attempt_counter_ >= config_.max_attach_attempts) {
    guti_.reset();
    next = TimerId::kT3402;
    retry_in = config_.t3402_ms;
  }
  start_timer(next, now_ms);
  emit(UeEvent(UeEventKind::kAttachAttemptFailed, "T3410 expired")
           .with_attempt(attach_attempt_counter_)
           .with_retry_in_ms(retry_in),
       out);
}

void Ue::enter_deregistered() {
  state_ = UeState::kDeregistered;
  timer_.reset();
  current_.reset();
  pending_kasme_.reset();
  kme_confirmed_this_attach_ = false;
}

}  // namespace kmebind::ue
