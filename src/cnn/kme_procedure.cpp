#include "cnn/kme_procedure.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

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

// The checks material gets before the CNN acts on it, from a KMA or the AIA (seed steps 4-5):
// why it cannot be used, or nullopt.
std::optional<std::string> unusable(const CnnConfig& config, const s6a::KmeProvisioning& p) {
  const bool procedure1 = p.procedure == s6a::KmeProcedure::kSharedWithCnn;
  const bool procedure2 = p.procedure == s6a::KmeProcedure::kHiddenFromCnn;
  const std::uint8_t procedure_bit = procedure1 ? 0x01 : procedure2 ? 0x02 : 0x00;
  if ((config.supported_kme_procedures & procedure_bit) == 0) {
    return "provisioning with a procedure this CNN does not run";
  }
  if ((p.ecies_profile != 1 && p.ecies_profile != 2) || p.encrypted_payload.empty() ||
      p.encrypted_payload.size() > 0xffff) {
    return "provisioning with an unusable ECIES profile or payload";
  }
  if (procedure1 && p.kme.size() != crypto::kKmeSize) {
    return "procedure 1 provisioning without a 32-octet KME";
  }
  if (procedure2 && (p.cookie.empty() || p.xrsp.size() != crypto::kRspSize)) {
    return "procedure 2 provisioning without Cookie or a 16-octet XRsp";
  }
  return std::nullopt;
}

std::optional<std::string> unusable(const CnnConfig&, const s6a::DeviceChallenge& c) {
  if (c.nonce.size() != crypto::kNonceSize || c.hxrsp.size() != crypto::kRspSize) {
    return "device challenge without a 16-octet Nonce and HXRsp";
  }
  return std::nullopt;
}

void on_provisioning(Step& s, s6a::KmeProvisioning&& p) {
  if (auto why = unusable(s.config(), p)) {
    p.kme.wipe();
    unusable_answer(s, *why);
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
    state.cookie = std::move(p.cookie);  // kmebind: returned in the confirm (protocol.md §2)
    command.procedure = nas::KmeProcedure::kSharedWithCnn;
    command.nonce = nonce;
  } else {
    // §5.4.4.2.3.3.2: the CNN forwards the payload and keeps Cookie and XRsp, never the KME.
    p.kme.wipe();
    state.cookie = std::move(p.cookie);
    state.xrsp = std::move(p.xrsp);
    command.procedure = nas::KmeProcedure::kNotSharedWithCnn;
  }
  s.attach().kme = std::move(state);
  send_kme(s, command, AttachStep::kKmeProvisioning);
}

void on_challenge(Step& s, s6a::DeviceChallenge&& c) {
  if (auto why = unusable(s.config(), c)) {
    unusable_answer(s, *why);
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
  AttachProcedure& a = s.attach();
  // Out of the procedure whatever happens: freed on return unless moved into the KME state.
  const std::shared_ptr<s6a::KmePrefetch> prefetch = std::move(a.kme_prefetch);
  if (prefetch && prefetch->imei != a.imei) {
    ++s.cnn.stats.kme_prefetch_unused;
  } else if (prefetch && s.now - a.kme_prefetch_received_ms > s.config().kme_prefetch_max_age_ms) {
    // Authentication or security mode needed retransmissions: the Cookie or challenge token,
    // issued at the AIR, might expire during the KME procedure; a KME-Request gets fresh ones.
    ++s.cnn.stats.kme_prefetch_stale;
  } else if (prefetch) {
    const auto why = std::visit([&](const auto& action) { return unusable(s.config(), action); },
                                prefetch->action);
    if (!why) {
      // The KME-Answer's handling on the material the AIA brought (docs/protocol.md "KME
      // material on the AIA"): one S6a round trip fewer; the ULR's checks are the same.
      ++s.cnn.stats.kme_prefetch_used;
      s6a::KmeAnswer kma;
      kma.action = std::visit(
          [](auto& action) -> decltype(kma.action) { return std::move(action); },
          prefetch->action);
      on_kma(s, std::move(kma));
      return;
    }
    // Unusable material falls back to the KME-Request instead of rejecting as a bad KMA would:
    // it is only a saving, the KME-Request is the authoritative path (the HSS keeps no state
    // from the material it put on the AIA), so a device still attaches when only the AIA's
    // material is wrong. The counter shows an HSS that sends such material.
    ++s.cnn.stats.kme_prefetch_unusable;
  }
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
