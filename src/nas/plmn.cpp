#include "nas/plmn.h"

#include <cstdio>

namespace kmebind::nas {
namespace {

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::uint8_t digit(char c) { return static_cast<std::uint8_t>(c - '0'); }
char to_char(std::uint8_t d) { return static_cast<char>('0' + d); }

}  // namespace

Result<Plmn> Plmn::parse(std::string_view mcc, std::string_view mnc) {
  if (mcc.size() != 3 || !all_digits(mcc)) {
    return fail(Code::kInvalidArgument, "PLMN: MCC must be 3 decimal digits, got '" + std::string(mcc) + "'");
  }
  if ((mnc.size() != 2 && mnc.size() != 3) || !all_digits(mnc)) {
    return fail(Code::kInvalidArgument, "PLMN: MNC must be 2 or 3 decimal digits, got '" + std::string(mnc) + "'");
  }
  return Plmn{std::string(mcc), std::string(mnc)};
}

// TS 24.008 §10.5.1.3
Result<std::array<std::uint8_t, kPlmnSize>> encode_plmn(const Plmn& plmn) {
  auto checked = Plmn::parse(plmn.mcc, plmn.mnc);
  if (!checked) return std::unexpected(checked.error());
  const std::string& mcc = plmn.mcc;
  const std::string& mnc = plmn.mnc;
  const std::uint8_t mnc3 = mnc.size() == 3 ? digit(mnc[2]) : std::uint8_t{0x0f};
  return std::array<std::uint8_t, kPlmnSize>{
      static_cast<std::uint8_t>((digit(mcc[1]) << 4) | digit(mcc[0])),
      static_cast<std::uint8_t>((mnc3 << 4) | digit(mcc[2])),
      static_cast<std::uint8_t>((digit(mnc[1]) << 4) | digit(mnc[0])),
  };
}

// TS 24.008 §10.5.1.3
Result<Plmn> decode_plmn(ByteView in) {
  if (in.size() != kPlmnSize) {
    return fail(Code::kMalformed, "PLMN: need 3 octets, got " + std::to_string(in.size()));
  }
  const std::uint8_t d[6] = {
      static_cast<std::uint8_t>(in[0] & 0x0f), static_cast<std::uint8_t>(in[0] >> 4),
      static_cast<std::uint8_t>(in[1] & 0x0f), static_cast<std::uint8_t>(in[2] & 0x0f),
      static_cast<std::uint8_t>(in[2] >> 4),   static_cast<std::uint8_t>(in[1] >> 4),
  };  // MCC1 MCC2 MCC3 MNC1 MNC2 MNC3
  for (int i = 0; i < 5; ++i) {
    if (d[i] > 9) return fail(Code::kMalformed, "PLMN: MCC/MNC digit is not decimal");
  }
  if (d[5] > 9 && d[5] != 0x0f) return fail(Code::kMalformed, "PLMN: MNC digit 3 is neither decimal nor filler");
  Plmn p;
  p.mcc = {to_char(d[0]), to_char(d[1]), to_char(d[2])};
  p.mnc = {to_char(d[3]), to_char(d[4])};
  if (d[5] != 0x0f) p.mnc.push_back(to_char(d[5]));
  return p;
}

// TS 24.301 §9.9.3.32
Status Tai::encode(ByteWriter& w) const {
  auto p = encode_plmn(plmn);
  if (!p) return std::unexpected(p.error());
  w.bytes(*p);
  w.u16(tac);
  return {};
}

Result<Tai> Tai::decode(ByteView in) {
  if (in.size() < kPlmnSize + 2) {
    return fail(Code::kMalformed, "TAI: need 5 octets, got " + std::to_string(in.size()));
  }
  auto p = decode_plmn(in.first(kPlmnSize));
  if (!p) return std::unexpected(p.error());
  return Tai{std::move(*p), static_cast<std::uint16_t>((in[3] << 8) | in[4])};
}

std::string Tai::describe() const {
  char tac_hex[8];
  std::snprintf(tac_hex, sizeof tac_hex, "%04x", tac);
  return plmn.describe() + " TAC 0x" + tac_hex;
}

}  // namespace kmebind::nas
