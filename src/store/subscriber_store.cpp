// SubscriberStore::get_pair, get_sole_pair and reserve_sqn for engines without a one-transaction
// version of them: the calls they stand for, one after the other.
#include "store/subscriber_store.h"

#include <algorithm>

namespace kmebind::store {

Result<PairView> SubscriberStore::get_pair(std::string_view imsi, std::string_view imei_in) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  auto imei = normalize_imei(imei_in);
  if (!imei) return std::unexpected(imei.error());
  auto sub = get_subscriber(imsi);
  if (!sub) return std::unexpected(sub.error());
  PairView view;
  view.subscriber = std::move(*sub);
  view.subscriber.k = SecretBytes();
  view.subscriber.opc = SecretBytes();
  view.subscriber.kme_renewal_requested = false;  // PairView: the pair's own state is kme
  auto allowed = is_binding_allowed(imsi, *imei);
  if (!allowed) return std::unexpected(allowed.error());
  view.binding_allowed = *allowed;
  auto device = get_device(*imei);
  if (device) {
    view.device = std::move(*device);
  } else if (device.error().code() != Code::kNotFound) {
    return std::unexpected(device.error());
  }
  auto kme = get_kme(imsi, *imei);
  if (!kme) return std::unexpected(kme.error());
  view.kme = std::move(*kme);
  auto version = kme_version(imsi, *imei);
  if (!version) return std::unexpected(version.error());
  view.kme_version = *version;
  return view;
}

Result<SolePair> SubscriberStore::get_sole_pair(std::string_view imsi) {
  if (auto st = check_imsi(imsi); !st) return std::unexpected(st.error());
  auto imeis = list_bindings(imsi);
  if (!imeis) return std::unexpected(imeis.error());
  SolePair out;
  out.allowed_imeis = static_cast<std::uint32_t>(std::min<std::size_t>(imeis->size(), 2));
  if (out.allowed_imeis != 1) return out;
  auto pair = get_pair(imsi, imeis->front());
  if (!pair) return std::unexpected(pair.error());
  out.imei = std::move(imeis->front());
  out.pair = std::move(*pair);
  return out;
}

Result<SqnReservation> SubscriberStore::reserve_sqn(std::string_view imsi, std::uint64_t step,
                                                    bool with_sole_pair) {
  auto sub = get_subscriber(imsi);
  if (!sub) return std::unexpected(sub.error());
  auto last = advance_sqn(imsi, step);
  if (!last) return std::unexpected(last.error());
  SqnReservation out;
  out.subscriber = std::move(*sub);
  out.last_sqn = *last;
  if (with_sole_pair && out.subscriber.binding_mode == BindingMode::kKmeRequired) {
    auto sole = get_sole_pair(imsi);
    if (sole) {
      out.sole_pair = std::move(*sole);
    } else {
      out.sole_pair_failure = sole.error().what();
    }
  }
  return out;
}

}  // namespace kmebind::store
