#include "sim/provisioning.h"

#include "crypto/pem.h"

namespace kmebind::sim {

Result<store::DeviceRecord> device_record(const ue::UeProfile& profile) {
  store::DeviceRecord device;
  device.imei = profile.imei14;
  device.enc_profile = profile.ecies_profile;
  device.sig_alg = profile.signature_algorithm;
  auto enc = crypto::stored_public_key(profile.ecies_profile == crypto::EciesProfile::kB
                                           ? crypto::KeyType::kP256
                                           : crypto::KeyType::kX25519,
                                       profile.ecies.public_key);
  if (!enc) return std::unexpected(enc.error().with_context("device ECIES public key"));
  device.enc_public_key = std::move(*enc);
  auto sig = crypto::stored_public_key(
      profile.signature_algorithm == crypto::SignatureAlgorithm::kEcdsaP256Sha256
          ? crypto::KeyType::kP256
          : crypto::KeyType::kEd25519,
      profile.signature.public_key);
  if (!sig) return std::unexpected(sig.error().with_context("device signature public key"));
  device.sig_public_key = std::move(*sig);
  return device;
}

Status provision_device(store::SubscriberStore& store, const ue::UeProfile& profile,
                        std::string_view actor) {
  auto device = device_record(profile);
  if (!device) return std::unexpected(device.error());
  return store.put_device(*device, actor);
}

Status provision_subscription(store::SubscriberStore& store, const ue::UeProfile& profile,
                              const SubscriptionPolicy& policy, std::string_view actor) {
  store::SubscriberRecord record;
  record.imsi = profile.imsi;
  record.k = profile.k.clone();
  record.opc = profile.opc.clone();
  record.binding_mode = policy.binding_mode;
  record.procedure1_allowed = policy.procedure1_allowed;
  record.procedure2_allowed = policy.procedure2_allowed;
  if (auto st = store.add_subscriber(record, actor); !st) return st;
  if (policy.allow_pair) {
    if (auto st = store.allow_binding(profile.imsi, profile.imei14, actor); !st) return st;
  }
  if (policy.register_device) return provision_device(store, profile, actor);
  return {};
}

}  // namespace kmebind::sim
