// Writes a simulated device's subscription into the HSS store (TR 33.868 §5.4.4.2.3.3 step 0:
// "pre-provisioned with a list of allowable IMSI/IMEI pairs and the public key associated with
// the IMEIs"): the subscriber (K, OPc, binding mode, allowed KME procedures), the allowed pair and
// the device's public keys. Used by the in-process harness and the demo.
#pragma once

#include "common/error.h"
#include "store/subscriber_store.h"
#include "ue/device_factory.h"

namespace kmebind::sim {

struct SubscriptionPolicy {
  store::BindingMode binding_mode = store::BindingMode::kKmeRequired;
  bool procedure1_allowed = true;
  bool procedure2_allowed = true;
  bool allow_pair = true;     // put (IMSI, IMEI) on the binding list
  bool register_device = true;  // store the device's public keys
};

// Fails as the store does (kAlreadyExists for a known IMSI, ...); on failure the subscriber may
// exist without its binding or device (each store call is its own transaction).
Status provision_subscription(store::SubscriberStore& store, const ue::UeProfile& profile,
                              const SubscriptionPolicy& policy, std::string_view actor = "sim");

// The store row of a simulated device: its IMEI and public keys, P-256 keys in the store's
// uncompressed form (crypto::stored_public_key, docs/admin.md `device add`).
Result<store::DeviceRecord> device_record(const ue::UeProfile& profile);

// Stores only the device's public keys (a device known to the HSS but not bound to a subscriber).
Status provision_device(store::SubscriberStore& store, const ue::UeProfile& profile,
                        std::string_view actor = "sim");

}  // namespace kmebind::sim
