#include "hss/identity.h"

#include "store/store_types.h"

namespace kmebind::hss {

Checked<void> check_imsi(std::string_view imsi) {
  if (imsi.empty()) return refuse(s6a::kMissingAvp, "User-Name (IMSI) is missing");
  if (!store::check_imsi(imsi)) {
    return refuse(s6a::kInvalidAvpValue, "User-Name is not an IMSI of 6-15 digits");
  }
  return {};
}

Checked<std::string> check_imei(std::string_view imei) {
  if (imei.empty()) return refuse(s6a::kMissingAvp, "IMEI is missing");
  auto normalized = store::normalize_imei(imei);
  if (!normalized) {
    return refuse(s6a::kInvalidAvpValue,
                  "IMEI is not 14 digits (or 15 with a valid check digit)");
  }
  return std::move(*normalized);
}

Checked<void> check_plmn_id(ByteView plmn_id) {
  if (plmn_id.empty()) return refuse(s6a::kMissingAvp, "Visited-PLMN-Id is missing");
  if (plmn_id.size() != 3) {
    return refuse(s6a::kInvalidAvpValue, "Visited-PLMN-Id is not 3 octets");
  }
  return {};
}

}  // namespace kmebind::hss
