#include "hss/kme_prefetch.h"

#include <utility>

#include "hss/kme_request_procedure.h"

namespace kmebind::hss {

std::shared_ptr<s6a::KmePrefetch> prefetch_kme(const HssContext& ctx, store::SolePair sole,
                                               std::uint8_t procedures, std::int64_t now_unix_s,
                                               const LinkInfo& link, std::string& note) {
  if (sole.allowed_imeis == 0) {
    note = "no KME material attached: the subscription allows 0 IMEIs, not one";
    return nullptr;
  }
  if (sole.allowed_imeis != 1 || !sole.pair) {
    note = "no KME material attached: the subscription allows 2 or more IMEIs, not one";
    return nullptr;
  }
  std::string imei = sole.imei;
  std::string made;
  auto action = answer_kme_pair(ctx, std::move(*sole.pair), std::move(sole.imei), procedures,
                                now_unix_s, link, made);
  if (!action) {
    note = "no KME material attached for IMEI " + imei + ": " + action.error().reason;
    return nullptr;
  }
  note = "KME material for IMEI " + imei + " attached (" + made + ")";
  return std::make_shared<s6a::KmePrefetch>(s6a::KmePrefetch{std::move(imei), std::move(*action)});
}

}  // namespace kmebind::hss
