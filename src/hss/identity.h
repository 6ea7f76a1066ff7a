// Internal to src/hss: syntax checks for the identities in S6a requests, before they reach the
// store, mapped to Diameter result codes. A refusal names the field; the value is not echoed.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "hss/refusal.h"

namespace kmebind::hss {

// IMSI in User-Name (TS 29.272 §7.3.1 / TS 23.003 §2.2: 6-15 digits). Empty →
// DIAMETER_MISSING_AVP, otherwise malformed → DIAMETER_INVALID_AVP_VALUE.
Checked<void> check_imsi(std::string_view imsi);

// IMEI (TS 29.272 §7.3.4, TS 23.003 §6.2.1): 14 digits, or 15 with a valid check digit. Returns
// the 14-digit form the store keys devices by. Empty → MISSING_AVP, malformed → INVALID_AVP_VALUE.
Checked<std::string> check_imei(std::string_view imei);

// Visited-PLMN-Id, TS 29.272 §7.3.9: 3 octets (TS 24.008 §10.5.1.3 coding). Empty →
// MISSING_AVP, another length → INVALID_AVP_VALUE.
Checked<void> check_plmn_id(ByteView plmn_id);

}  // namespace kmebind::hss
