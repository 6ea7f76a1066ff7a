#include "nas/ie_identity.h"

#include <cstdio>

#include "nas/ie_basic.h"

namespace kmebind::nas {
namespace {

// TS 24.008 §10.5.1.4 / TS 24.301 §9.9.3.12 type of identity values.
constexpr std::uint8_t kTypeNone = 0, kTypeImsi = 1, kTypeImei24008 = 2, kTypeImeisv = 3, kTypeTmsi = 4;
constexpr std::uint8_t kEpsTypeImsi = 1, kEpsTypeImei = 3, kEpsTypeGuti = 6;
constexpr std::size_t kGutiValueSize = 11;

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Status check_digits(std::string_view what, std::string_view digits, std::size_t lo, std::size_t hi) {
  if (digits.size() < lo || digits.size() > hi || !all_digits(digits)) {
    return fail(Code::kInvalidArgument, std::string(what) + " must be " + std::to_string(lo) +
                                            (lo == hi ? "" : ".." + std::to_string(hi)) + " decimal digits");
  }
  return {};
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

Bytes pack_identity_digits(std::string_view digits, std::uint8_t type_of_identity) {
  const bool odd = digits.size() % 2 == 1;
  Bytes out;
  out.reserve(1 + digits.size() / 2);
  out.push_back(static_cast<std::uint8_t>(((digits[0] - '0') << 4) | (odd ? 0x08 : 0) | (type_of_identity & 0x07)));
  for (std::size_t i = 1; i < digits.size(); i += 2) {
    const auto lo = static_cast<std::uint8_t>(digits[i] - '0');
    const auto hi = i + 1 < digits.size() ? static_cast<std::uint8_t>(digits[i + 1] - '0') : std::uint8_t{0x0f};
    out.push_back(static_cast<std::uint8_t>((hi << 4) | lo));
  }
  return out;
}

Result<std::string> unpack_identity_digits(ByteView value) {
  if (value.empty()) return fail(Code::kMalformed, "identity digits missing");
  const bool odd = (value[0] & 0x08) != 0;
  std::string digits;
  auto add = [&](std::uint8_t d) -> bool {
    if (d > 9) return false;
    digits.push_back(static_cast<char>('0' + d));
    return true;
  };
  if (!add(static_cast<std::uint8_t>(value[0] >> 4))) return fail(Code::kMalformed, "identity digit 1 is not decimal");
  for (std::size_t i = 1; i < value.size(); ++i) {
    const auto lo = static_cast<std::uint8_t>(value[i] & 0x0f);
    const auto hi = static_cast<std::uint8_t>(value[i] >> 4);
    if (!add(lo)) return fail(Code::kMalformed, "identity digit is not decimal");
    const bool last = i + 1 == value.size();
    if (last && !odd) {
      if (hi != 0x0f) return fail(Code::kMalformed, "even number of digits but no 0xF filler");
    } else if (!add(hi)) {
      return fail(Code::kMalformed, last ? "odd number of digits but a filler in the last octet"
                                         : "identity digit is not decimal");
    }
  }
  return digits;
}

// TS 23.003 Annex B (Luhn over the 14 digits, check digit = 15th).
bool imei_check_digit_ok(std::string_view d) {
  if (d.size() != 15 || !all_digits(d)) return false;
  int sum = 0;
  for (std::size_t i = 0; i < 14; ++i) {
    int v = d[i] - '0';
    if (i % 2 == 1) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  return (10 - sum % 10) % 10 == d[14] - '0';
}

// TS 24.301 §9.9.3.12
Status EpsMobileIdentity::encode(ByteWriter& w) const {
  if (const auto* imsi = std::get_if<Imsi>(&identity)) {
    if (auto ok = check_digits("IMSI", imsi->digits, 6, 15); !ok) return ok;
    w.bytes(pack_identity_digits(imsi->digits, kEpsTypeImsi));
  } else if (const auto* imei = std::get_if<Imei>(&identity)) {
    if (auto ok = check_digits("IMEI", imei->digits, 15, 15); !ok) return ok;
    w.bytes(pack_identity_digits(imei->digits, kEpsTypeImei));
  } else {
    const auto& guti = std::get<Guti>(identity);
    auto plmn = encode_plmn(guti.plmn);
    if (!plmn) return std::unexpected(plmn.error());
    w.u8(0xf0 | kEpsTypeGuti);  // bits 8-5 "1111", odd/even 0
    w.bytes(*plmn);
    w.u16(guti.mme_group_id);
    w.u8(guti.mme_code);
    w.u32(guti.m_tmsi);
  }
  return {};
}

Result<EpsMobileIdentity> EpsMobileIdentity::decode(ByteView in) {
  if (in.empty()) return fail(Code::kMalformed, "empty");
  switch (in[0] & 0x07) {
    case kEpsTypeImsi: {
      auto d = unpack_identity_digits(in);
      if (!d) return std::unexpected(d.error());
      if (d->size() < 6 || d->size() > 15) return fail(Code::kMalformed, "IMSI of " + std::to_string(d->size()) + " digits");
      return EpsMobileIdentity{Imsi{std::move(*d)}};
    }
    case kEpsTypeImei: {
      auto d = unpack_identity_digits(in);
      if (!d) return std::unexpected(d.error());
      if (d->size() != 15) return fail(Code::kMalformed, "IMEI of " + std::to_string(d->size()) + " digits");
      return EpsMobileIdentity{Imei{std::move(*d)}};
    }
    case kEpsTypeGuti: {
      if (in.size() < kGutiValueSize) return fail(Code::kMalformed, "GUTI needs 11 octets, got " + std::to_string(in.size()));
      auto plmn = decode_plmn(in.subspan(1, kPlmnSize));
      if (!plmn) return std::unexpected(plmn.error());
      Guti g;
      g.plmn = std::move(*plmn);
      g.mme_group_id = static_cast<std::uint16_t>((in[4] << 8) | in[5]);
      g.mme_code = in[6];
      g.m_tmsi = (std::uint32_t{in[7]} << 24) | (std::uint32_t{in[8]} << 16) | (std::uint32_t{in[9]} << 8) | in[10];
      return EpsMobileIdentity{std::move(g)};
    }
    default:
      return fail(Code::kMalformed, "unsupported type of identity " + std::to_string(in[0] & 0x07));
  }
}

std::string EpsMobileIdentity::describe() const {
  if (const auto* imsi = std::get_if<Imsi>(&identity)) return "IMSI " + imsi->digits;
  if (const auto* imei = std::get_if<Imei>(&identity)) return "IMEI " + imei->digits;
  const auto& g = std::get<Guti>(identity);
  return "GUTI " + g.plmn.describe() + " MMEGI " + std::to_string(g.mme_group_id) + " MMEC " +
         std::to_string(g.mme_code) + " M-TMSI " + hex32(g.m_tmsi);
}

// TS 24.008 §10.5.1.4
Status MobileIdentity::encode(ByteWriter& w) const {
  if (const auto* imsi = std::get_if<Imsi>(&identity)) {
    if (auto ok = check_digits("IMSI", imsi->digits, 6, 15); !ok) return ok;
    w.bytes(pack_identity_digits(imsi->digits, kTypeImsi));
  } else if (const auto* imei = std::get_if<Imei>(&identity)) {
    if (auto ok = check_digits("IMEI", imei->digits, 15, 15); !ok) return ok;
    w.bytes(pack_identity_digits(imei->digits, kTypeImei24008));
  } else if (const auto* sv = std::get_if<Imeisv>(&identity)) {
    if (auto ok = check_digits("IMEISV", sv->digits, 16, 16); !ok) return ok;
    w.bytes(pack_identity_digits(sv->digits, kTypeImeisv));
  } else if (const auto* tmsi = std::get_if<Tmsi>(&identity)) {
    w.u8(0xf0 | kTypeTmsi);
    w.u32(tmsi->value);
  } else {
    w.u8(kTypeNone);  // TS 24.008: "No Identity" with odd/even 0, filler digits 0
  }
  return {};
}

Result<MobileIdentity> MobileIdentity::decode(ByteView in) {
  if (in.empty()) return fail(Code::kMalformed, "empty");
  const std::uint8_t type = in[0] & 0x07;
  switch (type) {
    case kTypeNone:
      return MobileIdentity{NoIdentity{}};
    case kTypeImsi: case kTypeImei24008: case kTypeImeisv: {
      auto d = unpack_identity_digits(in);
      if (!d) return std::unexpected(d.error());
      if (type == kTypeImsi) {
        if (d->size() < 6 || d->size() > 15) return fail(Code::kMalformed, "IMSI of " + std::to_string(d->size()) + " digits");
        return MobileIdentity{Imsi{std::move(*d)}};
      }
      if (type == kTypeImei24008) {
        if (d->size() != 15) return fail(Code::kMalformed, "IMEI of " + std::to_string(d->size()) + " digits");
        return MobileIdentity{Imei{std::move(*d)}};
      }
      if (d->size() != 16) return fail(Code::kMalformed, "IMEISV of " + std::to_string(d->size()) + " digits");
      return MobileIdentity{Imeisv{std::move(*d)}};
    }
    case kTypeTmsi: {
      if (in.size() < 5) return fail(Code::kMalformed, "TMSI needs 5 octets");
      return MobileIdentity{Tmsi{(std::uint32_t{in[1]} << 24) | (std::uint32_t{in[2]} << 16) |
                                 (std::uint32_t{in[3]} << 8) | in[4]}};
    }
    default:
      return fail(Code::kMalformed, "unsupported type of identity " + std::to_string(type));
  }
}

std::string MobileIdentity::describe() const {
  if (const auto* imsi = std::get_if<Imsi>(&identity)) return "IMSI " + imsi->digits;
  if (const auto* imei = std::get_if<Imei>(&identity)) return "IMEI " + imei->digits;
  if (const auto* sv = std::get_if<Imeisv>(&identity)) return "IMEISV " + sv->digits;
  if (const auto* tmsi = std::get_if<Tmsi>(&identity)) return "TMSI " + hex32(tmsi->value);
  return "no identity";
}

std::string to_string(IdentityType2 v) {
  switch (v) {
    case IdentityType2::kImsi: return "IMSI";
    case IdentityType2::kImei: return "IMEI";
    case IdentityType2::kImeisv: return "IMEISV";
    case IdentityType2::kTmsi: return "TMSI";
  }
  return "reserved (" + std::to_string(static_cast<int>(v)) + ")";
}

}  // namespace kmebind::nas
