#include "ue/kme_procedures.h"

#include <algorithm>

#include "crypto/kme.h"
#include "nas/kme_payload.h"

namespace kmebind::ue {
namespace {

using nas::KmeProvisioningRejectCause;

std::optional<crypto::EciesProfile> crypto_profile(nas::EciesProfile p) {
  switch (p) {
    case nas::EciesProfile::kProfileA: return crypto::EciesProfile::kA;
    case nas::EciesProfile::kProfileB: return crypto::EciesProfile::kB;
  }
  return std::nullopt;
}

nas::SignatureAlgorithm nas_algorithm(crypto::SignatureAlgorithm a) {
  return a == crypto::SignatureAlgorithm::kEd25519 ? nas::SignatureAlgorithm::kEd25519
                                                   : nas::SignatureAlgorithm::kEcdsaP256;
}

KmeHandling provisioning_reject(KmeProvisioningRejectCause cause, std::string reason,
                                std::optional<std::uint32_t> committed_version = std::nullopt) {
  KmeHandling h;
  h.reply = nas::KmeProvisioningReject{cause, committed_version};
  h.event = UeEvent(UeEventKind::kKmeProvisioningRejected, std::move(reason)).with_kme_cause(static_cast<std::uint8_t>(cause));
  return h;
}

KmeHandling device_authentication_reject(nas::DeviceAuthenticationRejectCause cause, std::string reason,
                                         std::optional<std::uint32_t> version) {
  KmeHandling h;
  h.reply = nas::DeviceAuthenticationReject{cause};
  h.event = UeEvent(UeEventKind::kDeviceAuthenticationRejected, std::move(reason))
                .with_kme_cause(static_cast<std::uint8_t>(cause))
                .with_kme_version(version);
  return h;
}

KmeHandling discarded(std::string reason) {
  KmeHandling h;
  h.event = UeEvent(UeEventKind::kDiscarded, std::move(reason));
  return h;
}

template <std::size_t N>
std::array<std::uint8_t, N> to_array(ByteView v) {
  std::array<std::uint8_t, N> out{};
  std::copy_n(v.begin(), std::min(N, v.size()), out.begin());
  return out;
}

// TR 33.868 §5.4.4.2.3.3.1 / .2 step 7 on the device.
KmeHandling on_provisioning_command(const nas::KmeProvisioningCommand& cmd, std::string_view imsi,
                                    MobileEquipment& me) {
  const auto profile = crypto_profile(cmd.ecies_profile);
  if (!nas::is_supported(cmd.procedure) || !profile) {
    return provisioning_reject(KmeProvisioningRejectCause::kUnsupportedProfileOrProcedure,
                               "unsupported procedure or ECIES profile");
  }
  if (*profile != me.ecies_profile()) {
    return provisioning_reject(KmeProvisioningRejectCause::kUnsupportedProfileOrProcedure,
                               "ECIES profile is not the device's");
  }
  const StoredKme* committed = me.kmes().committed();
  if (cmd.kme_version == 0) {
    return provisioning_reject(KmeProvisioningRejectCause::kMalformed, "KME version 0");
  }
  if (committed != nullptr && cmd.kme_version <= committed->version) {
    return provisioning_reject(KmeProvisioningRejectCause::kVersionNotNewer,
                               "KME version " + std::to_string(cmd.kme_version) +
                                   " not above the committed version " +
                                   std::to_string(committed->version) + " (replayed command?)",
                               committed->version);
  }
  auto plaintext = me.ecies_decrypt(cmd.ecies_scheme_output);
  if (!plaintext) return provisioning_reject(KmeProvisioningRejectCause::kDecryptionFailed, "ECIES decryption failed");
  auto payload = nas::decode_kme_payload(plaintext->view());
  if (!payload) return provisioning_reject(KmeProvisioningRejectCause::kMalformed, "KME payload does not decode");
  if (payload->imei != me.imei()) {
    return provisioning_reject(KmeProvisioningRejectCause::kImeiMismatch, "KME payload names another IMEI");
  }
  if (payload->procedure != cmd.procedure || payload->kme_version != cmd.kme_version) {
    return provisioning_reject(KmeProvisioningRejectCause::kMalformed,
                               "KME payload procedure or version differs from the command");
  }
  const bool procedure1 = cmd.procedure == nas::KmeProcedure::kSharedWithCnn;
  const std::optional<nas::KmeNonce> nonce = procedure1 ? cmd.nonce : payload->nonce;
  if (!nonce) return provisioning_reject(KmeProvisioningRejectCause::kMalformed, "Nonce missing");

  auto rsp = crypto::compute_rsp(payload->kme, *nonce);
  if (!rsp) return provisioning_reject(KmeProvisioningRejectCause::kMalformed, "Rsp computation failed");
  nas::KmeProvisioningResponse response;
  response.rsp = to_array<nas::kKmeRspSize>(*rsp);
  if (!procedure1) {
    auto transcript = crypto::kme_transcript_checked(imsi, me.imei14(), *nonce, payload->kme);
    if (!transcript) return provisioning_reject(KmeProvisioningRejectCause::kMalformed, "transcript failed");
    auto signature = me.sign(*transcript);
    if (!signature || signature->size() != nas::kKmeSignatureSize) {
      return provisioning_reject(KmeProvisioningRejectCause::kMalformed, "signing failed");
    }
    response.signature_algorithm = nas_algorithm(me.signature_algorithm());
    response.signature = to_array<nas::kKmeSignatureSize>(*signature);
  }
  me.kmes().set_pending(cmd.kme_version, std::move(payload->kme));

  KmeHandling h;
  h.reply = std::move(response);
  h.event = UeEvent(UeEventKind::kKmeProvisioned).with_procedure(cmd.procedure).with_kme_version(cmd.kme_version);
  h.pending_confirmed = true;
  return h;
}

// DESIGN.md §3 device authentication with the stored KME.
KmeHandling on_device_authentication(const nas::DeviceAuthenticationRequest& req, MobileEquipment& me) {
  const SecretBytes* kme = me.kmes().find(req.kme_version);
  if (kme == nullptr) {
    return device_authentication_reject(nas::DeviceAuthenticationRejectCause::kNoKme, "no KME of that version",
                                        req.kme_version);
  }
  auto rsp = crypto::compute_rsp(*kme, req.nonce);
  if (!rsp) {
    return device_authentication_reject(nas::DeviceAuthenticationRejectCause::kOther, "Rsp computation failed",
                                        req.kme_version);
  }
  KmeHandling h;
  const StoredKme* pending = me.kmes().pending();
  h.pending_confirmed = pending != nullptr && pending->version == req.kme_version;
  const StoredKme* committed = me.kmes().committed();
  if (pending != nullptr && committed != nullptr && committed->version == req.kme_version) {
    me.kmes().discard_pending();  // the network holds the committed version, not the pending one
  }
  h.reply = nas::DeviceAuthenticationResponse{to_array<nas::kKmeRspSize>(*rsp)};
  h.event = UeEvent(UeEventKind::kDeviceAuthenticated).with_kme_version(req.kme_version);
  return h;
}

}  // namespace

KmeHandling handle_kme_container(ByteView container, std::string_view imsi, MobileEquipment& me,
                                 bool provisioning_allowed) {
  const std::optional<std::uint8_t> type = container.empty() ? std::nullopt : std::optional(container[0]);
  const bool is_command = type == static_cast<std::uint8_t>(nas::KmeMessageType::kProvisioningCommand);
  const bool is_challenge = type == static_cast<std::uint8_t>(nas::KmeMessageType::kDeviceAuthenticationRequest);
  if (is_command && !provisioning_allowed) return discarded("KME Provisioning Command outside an attach");

  auto message = nas::decode_kme(container);
  if (!message) {
    if (is_command) return provisioning_reject(KmeProvisioningRejectCause::kMalformed, "container does not decode");
    if (is_challenge) {
      return device_authentication_reject(nas::DeviceAuthenticationRejectCause::kOther, "container does not decode",
                                          std::nullopt);
    }
    return discarded("KME container does not decode");
  }
  if (const auto* cmd = std::get_if<nas::KmeProvisioningCommand>(&*message)) {
    return on_provisioning_command(*cmd, imsi, me);
  }
  if (const auto* req = std::get_if<nas::DeviceAuthenticationRequest>(&*message)) {
    return on_device_authentication(*req, me);
  }
  return discarded("KME message not for the UE");
}

}  // namespace kmebind::ue
