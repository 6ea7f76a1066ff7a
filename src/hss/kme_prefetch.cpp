#include "hss/kme_prefetch.h"

#include <utility>

#include "hss/kme_request_procedure.h"

namespace kmebind::hss {

std::shared_ptr<s6a::KmePrefetch> prefetch_kme(const HssContext& ctx,
                                               const store::SubscriberRecord& sub,
                                               std::uint8_t procedures, std::int64_t now_unix_s,
                                               const LinkInfo& link, std::string& note) {
  auto imeis = ctx.store.list_bindings(sub.imsi);
  if (!imeis) {
    note = "no KME material attached: store list_bindings failed: " + imeis.error().what();
    return nullptr;
  }
  if (imeis->size() != 1) {
    note = "no KME material attached: the subscription allows " + std::to_string(imeis->size()) +
           " IMEIs, not one";
    return nullptr;
  }
  std::string& imei = imeis->front();
  std::string made;
  auto action =
      answer_kme_request(ctx, s6a::KmeRequest{sub.imsi, imei, procedures}, now_unix_s, link, made);
  if (!action) {
    note = "no KME material attached for IMEI " + imei + ": " + action.error().reason;
    return nullptr;
  }
  note = "KME material for IMEI " + imei + " attached (" + made + ")";
  return std::make_shared<s6a::KmePrefetch>(s6a::KmePrefetch{std::move(imei), std::move(*action)});
}

}  // namespace kmebind::hss
