// IMEI forms the mobile equipment needs (TS 23.003 §6.2):
//   IMEI   15 digits = TAC (8) ‖ SNR (6) ‖ CD (1), CD the Luhn check digit of Annex B
//                      (KME payload, Identity response);
//   14-digit form     = TAC ‖ SNR (the S6a IMEI AVP, the store key, the signed KME transcript);
//   IMEISV 16 digits = TAC ‖ SNR ‖ SVN (2) (Security mode complete, Identity response).
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace kmebind::ue {

// TS 23.003 Annex B: the check digit of 14 digits TAC ‖ SNR. REQUIRES: 14 decimal digits
// (else kInvalidArgument).
Result<char> imei_check_digit(std::string_view imei14);

// The 15-digit IMEI from 14 digits, or a 15-digit IMEI checked (kInvalidArgument on a wrong
// check digit or anything that is not 14 or 15 digits).
Result<std::string> imei15_of(std::string_view imei);

// The 16-digit IMEISV from an IMEI (14 or 15 digits) and a 2-digit software version number.
Result<std::string> imeisv_of(std::string_view imei, std::string_view software_version);

}  // namespace kmebind::ue
