#include "hss/store_lookups.h"

namespace kmebind::hss {

Checked<store::SubscriberRecord> load_subscriber(store::SubscriberStore& store,
                                                 std::string_view imsi) {
  auto sub = store.get_subscriber(imsi);
  if (!sub) {
    if (sub.error().code() == Code::kNotFound) {
      return refuse(s6a::kErrorUserUnknown, "no subscription for the IMSI");
    }
    return std::unexpected(store_refusal(sub.error(), "get_subscriber"));
  }
  return std::move(*sub);
}

Checked<void> require_binding(store::SubscriberStore& store, std::string_view imsi,
                              std::string_view imei) {
  auto allowed = store.is_binding_allowed(imsi, imei);
  if (!allowed) return std::unexpected(store_refusal(allowed.error(), "is_binding_allowed"));
  if (!*allowed) return refuse(s6a::kErrorBindingViolation, "IMSI/IMEI pair is not allowed");
  return {};
}

Checked<store::DeviceRecord> load_device(store::SubscriberStore& store, std::string_view imei) {
  auto device = store.get_device(imei);
  if (!device) {
    if (device.error().code() == Code::kNotFound) {
      return refuse(s6a::kErrorNoDeviceKey, "no public keys for the IMEI");
    }
    return std::unexpected(store_refusal(device.error(), "get_device"));
  }
  return std::move(*device);
}

Checked<std::uint32_t> kme_version_counter(store::SubscriberStore& store, std::string_view imsi,
                                           std::string_view imei) {
  // One indexed read of the pair (primary key imsi, imei): listing the IMSI's KMEs was a scan of
  // every KME record in SQLite, so each KME-Request cost grew with the number of devices.
  auto version = store.kme_version(imsi, imei);
  if (!version) return std::unexpected(store_refusal(version.error(), "kme_version"));
  return *version;
}

}  // namespace kmebind::hss
