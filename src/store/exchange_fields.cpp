#include "store/exchange_fields.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace kmebind::store::exchange {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t pos = text.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

Result<SecretBytes> parse_key_field(std::string_view text, std::string_view name) {
  if (text.empty()) {
    return fail(Code::kInvalidArgument,
                std::string(name) + ": missing (an export made without --reveal-keys has no keys)");
  }
  auto key = SecretBytes::from_hex(text, kKeySize, name);
  if (!key) return fail(Code::kInvalidArgument, std::string(name) + ": must be 32 hex digits");
  return key;
}

Result<std::array<std::uint8_t, 2>> parse_amf(std::string_view hex4) {
  auto b = from_hex_exact(hex4, 2, "amf");
  if (!b) return fail(Code::kInvalidArgument, "amf: must be 4 hex digits");
  return std::array<std::uint8_t, 2>{(*b)[0], (*b)[1]};
}

Result<std::uint64_t> parse_sqn(std::string_view decimal) {
  std::uint64_t v = 0;
  const auto* end = decimal.data() + decimal.size();
  const auto [ptr, ec] = std::from_chars(decimal.data(), end, v);
  if (decimal.empty() || ec != std::errc() || ptr != end || v > kSqnMax) {
    return fail(Code::kInvalidArgument, "sqn: must be a decimal number below 2^48");
  }
  return v;
}

Result<std::array<bool, 2>> parse_procedures(std::string_view text) {
  std::array<bool, 2> out{false, false};
  if (text.empty()) return out;
  for (auto item : split(text, ';')) {
    if (item == "1" && !out[0]) {
      out[0] = true;
    } else if (item == "2" && !out[1]) {
      out[1] = true;
    } else {
      return fail(Code::kInvalidArgument, "procedures: must be 1, 2, 1;2 or empty");
    }
  }
  return out;
}

Result<bool> parse_flag(std::string_view text, std::string_view name) {
  if (text == "0" || text == "false" || text.empty()) return false;
  if (text == "1" || text == "true") return true;
  return fail(Code::kInvalidArgument, std::string(name) + ": must be 0 or 1");
}

Result<Bytes> parse_public_key_hex(std::string_view hex, std::string_view name) {
  auto b = from_hex(hex, name);
  if (!b || b->empty()) return fail(Code::kInvalidArgument, std::string(name) + ": must be hex");
  return b;
}

std::string amf_hex(const std::array<std::uint8_t, 2>& amf) { return to_hex(amf); }

std::string procedures_text(bool procedure1, bool procedure2) {
  if (procedure1 && procedure2) return "1;2";
  if (procedure1) return "1";
  if (procedure2) return "2";
  return "";
}

Status check_subscriber_row(ExchangeSubscriber& row) {
  if (auto st = check_imsi(row.record.imsi); !st) return fail(Code::kInvalidArgument, "imsi: " + st.error().message());
  std::set<std::string> seen;
  for (auto& imei : row.imeis) {
    auto norm = normalize_imei(imei);
    if (!norm) return fail(Code::kInvalidArgument, "imeis: " + norm.error().message());
    if (!seen.insert(*norm).second) {
      return fail(Code::kInvalidArgument, "imeis: " + *norm + " listed twice");
    }
    imei = std::move(*norm);
  }
  return {};
}

Status check_device_row(DeviceRecord& device) {
  auto imei = normalize_imei(device.imei);
  if (!imei) return fail(Code::kInvalidArgument, "imei: " + imei.error().message());
  device.imei = std::move(*imei);
  if (auto st = check_enc_public_key(device.enc_profile, device.enc_public_key); !st) {
    return fail(Code::kInvalidArgument, "enc_public_key: " + st.error().message());
  }
  if (auto st = check_sig_public_key(device.sig_alg, device.sig_public_key); !st) {
    return fail(Code::kInvalidArgument, "sig_public_key: " + st.error().message());
  }
  return {};
}

}  // namespace kmebind::store::exchange
