#include "ue/imei.h"

#include <algorithm>

namespace kmebind::ue {
namespace {

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

// TS 23.003 Annex B (Luhn): double every second digit from the right of TAC ‖ SNR.
Result<char> imei_check_digit(std::string_view imei14) {
  if (imei14.size() != 14 || !all_digits(imei14)) {
    return fail(Code::kInvalidArgument, "IMEI: need 14 digits (TAC and SNR)");
  }
  int sum = 0;
  for (std::size_t i = 0; i < 14; ++i) {
    int d = imei14[i] - '0';
    if (i % 2 == 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

Result<std::string> imei15_of(std::string_view imei) {
  if (imei.size() != 14 && imei.size() != 15) {
    return fail(Code::kInvalidArgument, "IMEI: need 14 or 15 digits, got " + std::to_string(imei.size()));
  }
  auto cd = imei_check_digit(imei.substr(0, 14));
  if (!cd) return std::unexpected(cd.error());
  if (imei.size() == 15 && imei[14] != *cd) {
    return fail(Code::kInvalidArgument, "IMEI: wrong check digit (TS 23.003 Annex B)");
  }
  std::string out(imei.substr(0, 14));
  out.push_back(*cd);
  return out;
}

Result<std::string> imeisv_of(std::string_view imei, std::string_view software_version) {
  auto imei15 = imei15_of(imei);
  if (!imei15) return std::unexpected(imei15.error());
  if (software_version.size() != 2 || !all_digits(software_version)) {
    return fail(Code::kInvalidArgument, "IMEISV: software version number must be 2 digits");
  }
  return imei15->substr(0, 14) + std::string(software_version);
}

}  // namespace kmebind::ue
