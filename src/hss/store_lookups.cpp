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

Checked<store::PairView> load_pair(store::SubscriberStore& store, std::string_view imsi,
                                   std::string_view imei) {
  auto pair = store.get_pair(imsi, imei);
  if (!pair) {
    if (pair.error().code() == Code::kNotFound) {
      return refuse(s6a::kErrorUserUnknown, "no subscription for the IMSI");
    }
    return std::unexpected(store_refusal(pair.error(), "get_pair"));
  }
  return std::move(*pair);
}

Checked<void> require_binding(store::SubscriberStore& store, std::string_view imsi,
                              std::string_view imei) {
  auto allowed = store.is_binding_allowed(imsi, imei);
  if (!allowed) return std::unexpected(store_refusal(allowed.error(), "is_binding_allowed"));
  if (!*allowed) return refuse(s6a::kErrorBindingViolation, "IMSI/IMEI pair is not allowed");
  return {};
}

}  // namespace kmebind::hss
