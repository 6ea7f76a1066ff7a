#include "cnn/kme_procedure.h"

#include <algorithm>

#include "cnn/s6a_causes.h"
#include "cnn/update_location.h"
#include "crypto/kme.h"
#include "nas/kme_messages.h"

namespace kmebind::cnn::detail::kme_procedure {
namespace {

void device_check_failed(Step& s, std::string detail) {
  ++s.cnn.stats.binding_violations;
  reject_attach(s, nas::EmmCause::kIllegalMe, CnnEventKind::kDeviceAuthenticationFailed,
                std::move(detail));
}

void unusable_answer(Step& s, const std::string& detail) {
  reject_attach(s, nas::EmmCause::kNetworkFailure, CnnEventKind::kS6aError, "KMA: " + detail);
}

// Sends a KME message in Downlink generic NAS transport (TS 24.301 §8.2.31, container type kKme)
// as header type 2, with the KME guard timer.
void send_kme(Step& s, const nas::KmeMessage& message, AttachStep step) {
  auto container = nas::encode_kme(message);
  if (!container) {
    internal_error(s, container.error());
    return;
  }
  nas::DownlinkGenericNasTransport transport;
  transport.generic_message_container_type = nas::GenericMessageContainerType::kKme;
  transport.generic_message_container.value = std::move(*container);
  s.attach().step = step;
  send_procedure_message(s, transport, nas::SecurityHeaderType::kIntegrityProtectedCiphered,
                         TimerKind::kKmeGuard);
}

template <std::size_t N>
std::array<std::uint8_t, N> to_array(ByteView v) {
  std::array<std::uint8_t, N> out{};
  std::copy_n(v.begin(), N, out.begin());
  return out;
}

void on_provisioning(Step& s, s6a::KmeProvisioning&& p) {
  const bool procedure1 = p.procedure == s6a::KmeProcedure::kSharedWithCnn;
  const bool procedure2 = p.procedure == s6a::KmeProcedure::kHiddenFromCnn;
  const std::uint8_t procedure_bit = procedure1 ? 0x01 : procedure2 ? 0x02 : 0x00;
  if ((s.config().supported_kme_procedures & procedure_bit) == 0) {
    p.kme.wipe();
    unusable_answer(s, "provisioning with a procedure this CNN does not run");
    return;
  }
  if ((p.ecies_profile != 1 && p.ecies_profile != 2) || p.encrypted_payload.empty() ||
      p.encrypted_payload.size() > 0xffff) {
    p.kme.wipe();
    unusable_answer(s, "provisioning with an unusable ECIES profile or payload");
    return;
  }
  KmeProvisioningState state;
  state.procedure = p.procedure;
  state.kme_version = p.kme_version;
  nas::KmeProvisioningCommand command;
  command.ecies_profile = static_cast<nas::EciesProfile>(p.ecies_profile);
  command.ecies_scheme_output = std::move(p.encrypted_payload);
  command.kme_version = p.kme_version;
  if (p.procedure == s6a::KmeProcedure::kSharedWithCnn) {
    // TR 33.868 §5.4.4.2.3.3.1 step 5: the CNN generates the Nonce and checks Rsp itself.
    if (p.kme.size() != crypto::kKmeSize) {
      p.kme.wipe();
      unusable_answer(s, "procedure 1 provisioning without a 32-octet KME");
      return;
    }
    nas::KmeNonce nonce{};
    if (auto ok = s.cnn.random(nonce); !ok) {
      internal_error(s, ok.error());
      return;
    }
    auto xrsp = crypto::compute_rsp(p.kme, nonce);
    if (!xrsp) {
      internal_error(s, xrsp.error());
      return;
    }
    state.kme = std::move(p.kme);
    state.xrsp = std::move(*xrsp);
    command.procedure = nas::KmeProcedure::kSharedWithCnn;
    command.nonce = nonce;
  } else {
    // §5.4.4.2.3.3.2: the CNN forwards the payload and keeps Cookie and XRsp, never the KME.
    p.kme.wipe();
    if (p.cookie.empty() || p.xrsp.size() != crypto::kRspSize) {
      unusable_answer(s, "procedure 2 provisioning without Cookie or a 16-octet XRsp");
      return;
    }
    state.cookie = std::move(p.cookie);
    state.xrsp = std::move(p.xrsp);
    command.procedure = nas::KmeProcedure::kNotSharedWithCnn;
  }
  s.attach().kme = std::move(state);
  send_kme(s, command, AttachStep::kKmeProvisioning);
}

void on_challenge(Step& s, s6a::DeviceChallenge&& c) {
  if (c.nonce.size() != crypto::kNonceSize || c.hxrsp.size() != crypto::kRspSize) {
    unusable_answer(s, "device challenge without a 16-octet Nonce and HXRsp");
    return;
  }
  nas::DeviceAuthenticationRequest request;
  request.nonce = to_array<nas::kKmeNonceSize>(c.nonce);
  request.kme_version = c.kme_version;
  s.attach().kme = DeviceChallengeState{
      c.kme_version, std::move(c.nonce), std::move(c.hxrsp), std::move(c.challenge_token), {}};
  send_kme(s, request, AttachStep::kDeviceAuthentication);
}

void on_provisioning_response(Step& s, const nas::KmeProvisioningResponse& r) {
  auto& state = std::get<KmeProvisioningState>(s.attach().kme);
  stop_timer(s);
  if (!crypto::rsp_matches(state.xrsp, r.rsp)) {
    device_check_failed(s, "KME Provisioning Response: Rsp does not match");
    return;
  }
  if (state.procedure == s6a::KmeProcedure::kHiddenFromCnn) {
    // Seed step 8 of §5.4.4.2.3.3.2: the signature goes to the HSS in the ULR.
    if (!r.signature || !r.signature_algorithm) {
      device_check_failed(s, "KME Provisioning Response for procedure 2 without a signature");
      return;
    }
    state.signature_algorithm = static_cast<std::uint8_t>(*r.signature_algorithm);
    state.signature.assign(r.signature->begin(), r.signature->end());
  }
  update_location::request(s);
}

// A device that refuses the offered version as not newer than its own is locked out until the
// HSS issues one above it (docs/security.md §4.3): say which versions, and for which pair.
void on_provisioning_reject(Step& s, const nas::KmeProvisioningReject& j) {
  std::string detail =
      "KME Provisioning Reject, cause " + std::to_string(static_cast<unsigned>(j.cause));
  if (j.cause == nas::KmeProvisioningRejectCause::kVersionNotNewer && j.committed_kme_version) {
    const auto& state = std::get<KmeProvisioningState>(s.attach().kme);
    detail += ": the device holds KME version " + std::to_string(*j.committed_kme_version) +
              ", the HSS offered " + std::to_string(state.kme_version) + " (imsi=" + s.ue.imsi +
              " imei=" + s.attach().imei + "; `kmebind admin kme renew --imsi " + s.ue.imsi +
              " --imei " + s.attach().imei + " --after-version " +
              std::to_string(*j.committed_kme_version) + "` lets the HSS issue the next one)";
  }
  device_check_failed(s, std::move(detail));
}

void on_device_authentication_response(Step& s, const nas::DeviceAuthenticationResponse& r) {
  auto& state = std::get<DeviceChallengeState>(s.attach().kme);
  stop_timer(s);
  // HXRsp = hash(Nonce ‖ Rsp): the CNN checks the device's answer, the HSS checks it again.
  auto hxrsp = crypto::compute_hxrsp(state.nonce, r.rsp);
  if (!hxrsp || !crypto::rsp_matches(state.hxrsp, *hxrsp)) {
    device_check_failed(s, "Device Authentication Response: Rsp does not match");
    return;
  }
  s.attach().device_challenge_passed = true;
  state.rsp.assign(r.rsp.begin(), r.rsp.end());  // for the HSS's own check (security.md §3.21)
  update_location::request(s);
}

}  // namespace

void request(Step& s) {
  s6a::KmeRequest kmr;
  kmr.imsi = s.ue.imsi;
  kmr.imei = s.attach().imei;
  kmr.supported_procedures = s.config().supported_kme_procedures;
  send_s6a(s, std::move(kmr), AttachStep::kAwaitKma);
}

void on_kma(Step& s, s6a::KmeAnswer&& kma) {
  if (!kma.result.ok()) {
    const RejectDecision d = reject_for(kma.result);
    if (d.kind == CnnEventKind::kBindingViolation) ++s.cnn.stats.binding_violations;
    reject_attach(s, d.cause, d.kind, "KMA: " + std::string(s6a::describe(kma.result)),
                  d.with_t3346);
    return;
  }
  if (auto* p = std::get_if<s6a::KmeProvisioning>(&kma.action)) {
    on_provisioning(s, std::move(*p));
  } else if (auto* c = std::get_if<s6a::DeviceChallenge>(&kma.action)) {
    on_challenge(s, std::move(*c));
  } else {
    unusable_answer(s, "neither provisioning nor a device challenge");
  }
}

void on_uplink_transport(Step& s, const nas::UplinkGenericNasTransport& transport) {
  if (transport.generic_message_container_type != nas::GenericMessageContainerType::kKme) {
    discard(s, "Uplink generic NAS transport with container type " +
                   nas::to_string(transport.generic_message_container_type));
    return;
  }
  auto message = nas::decode_kme(transport.generic_message_container.value);
  if (!message) {
    discard(s, message.error().message());
    return;
  }
  const AttachStep step = s.attach().step;
  if (step == AttachStep::kKmeProvisioning) {
    if (const auto* r = std::get_if<nas::KmeProvisioningResponse>(&*message)) {
      on_provisioning_response(s, *r);
      return;
    }
    if (const auto* j = std::get_if<nas::KmeProvisioningReject>(&*message)) {
      stop_timer(s);
      on_provisioning_reject(s, *j);
      return;
    }
  } else if (step == AttachStep::kDeviceAuthentication) {
    if (const auto* r = std::get_if<nas::DeviceAuthenticationResponse>(&*message)) {
      on_device_authentication_response(s, *r);
      return;
    }
    if (const auto* j = std::get_if<nas::DeviceAuthenticationReject>(&*message)) {
      stop_timer(s);
      device_check_failed(s, "Device Authentication Reject, cause " +
                                 std::to_string(static_cast<unsigned>(j->cause)));
      return;
    }
  }
  discard(s, std::string(std::visit([](const auto& m) { return m.kName; }, *message)) +
                 " does not fit the KME procedure state");
}

}  // namespace kmebind::cnn::detail::kme_procedure
