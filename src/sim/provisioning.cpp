#include "sim/provisioning.h"

namespace kmebind::sim {

Status provision_device(store::SubscriberStore& store, const ue::UeProfile& profile,
                        std::string_view actor) {
  store::DeviceRecord device;
  device.imei = profile.imei14;
  device.enc_profile = profile.ecies_profile;
  device.enc_public_key = profile.ecies.public_key;
  device.sig_alg = profile.signature_algorithm;
  device.sig_public_key = profile.signature.public_key;
  return store.put_device(device, actor);
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
