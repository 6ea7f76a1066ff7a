#include "hss/hss.h"

#include "hss/air_procedure.h"
#include "hss/kme_request_procedure.h"
#include "hss/ulr_procedure.h"

namespace kmebind::hss {

Result<Hss> Hss::create(store::SubscriberStore& store, const crypto::CookieKeyRing& cookie_keys,
                        HssConfig config) {
  if (auto st = config.validate(); !st) return std::unexpected(st.error());
  return Hss(store, cookie_keys, std::move(config));
}

s6a::AuthenticationInformationAnswer Hss::on_air(const s6a::AuthenticationInformationRequest& air,
                                                 std::int64_t now_unix_s,
                                                 const LinkInfo& link) const {
  HssEvent ignored;
  return on_air(air, now_unix_s, link, ignored);
}

s6a::AuthenticationInformationAnswer Hss::on_air(const s6a::AuthenticationInformationRequest& air,
                                                 std::int64_t now_unix_s,
                                                 HssEvent& event) const {
  return on_air(air, now_unix_s, LinkInfo{}, event);
}

s6a::AuthenticationInformationAnswer Hss::on_air(const s6a::AuthenticationInformationRequest& air,
                                                 std::int64_t now_unix_s, const LinkInfo& link,
                                                 HssEvent& event) const {
  return run_air(HssContext{*store_, *cookie_keys_, config_}, air, now_unix_s, link, event);
}

s6a::KmeAnswer Hss::on_kme_request(const s6a::KmeRequest& kmr, std::int64_t now_unix_s,
                                   const LinkInfo& link) const {
  HssEvent ignored;
  return on_kme_request(kmr, now_unix_s, link, ignored);
}

s6a::KmeAnswer Hss::on_kme_request(const s6a::KmeRequest& kmr, std::int64_t now_unix_s,
                                   const LinkInfo& link, HssEvent& event) const {
  return run_kme_request(HssContext{*store_, *cookie_keys_, config_}, kmr, now_unix_s, link,
                         event);
}

s6a::UpdateLocationAnswer Hss::on_ulr(const s6a::UpdateLocationRequest& ulr,
                                      std::int64_t now_unix_s, const LinkInfo& link) const {
  HssEvent ignored;
  return on_ulr(ulr, now_unix_s, link, ignored);
}

s6a::UpdateLocationAnswer Hss::on_ulr(const s6a::UpdateLocationRequest& ulr,
                                      std::int64_t now_unix_s, const LinkInfo& link,
                                      HssEvent& event) const {
  return run_ulr(HssContext{*store_, *cookie_keys_, config_}, ulr, now_unix_s, link, event);
}

}  // namespace kmebind::hss
