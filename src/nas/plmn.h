// PLMN identity (MCC + MNC) and tracking area identity, with their 3GPP octet encodings.
//   PLMN: TS 24.008 §10.5.1.3 (octets 2-4 of the Location Area Identification):
//     octet 1 = MCC digit 2 | MCC digit 1, octet 2 = MNC digit 3 | MCC digit 3,
//     octet 3 = MNC digit 2 | MNC digit 1; MNC digit 3 = 0xF for a two-digit MNC.
//   TAI: TS 24.301 §9.9.3.32: PLMN (3 octets) ‖ TAC (2 octets).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/error.h"

namespace kmebind::nas {

// MCC is 3 decimal digits, MNC 2 or 3 (kept as text so "01" and "001" stay distinct).
struct Plmn {
  std::string mcc;
  std::string mnc;

  // Fails with kInvalidArgument unless MCC has 3 digits and MNC 2 or 3.
  static Result<Plmn> parse(std::string_view mcc, std::string_view mnc);
  std::string describe() const { return mcc + "-" + mnc; }
  bool operator==(const Plmn&) const = default;
};

inline constexpr std::size_t kPlmnSize = 3;

// TS 24.008 §10.5.1.3. Fails with kInvalidArgument on a PLMN that is not 3+2/3 digits.
Result<std::array<std::uint8_t, kPlmnSize>> encode_plmn(const Plmn& plmn);
// TS 24.008 §10.5.1.3. REQUIRES nothing: fails with kMalformed unless `in` is exactly 3 octets
// of decimal digits (MNC digit 3 may be the 0xF filler).
Result<Plmn> decode_plmn(ByteView in);

// TS 24.301 §9.9.3.32 tracking area identity.
struct Tai {
  Plmn plmn;
  std::uint16_t tac = 0;

  Status encode(ByteWriter& w) const;
  // Exactly 5 octets are read; a longer view has its excess ignored (TS 24.007 §11.4.2).
  static Result<Tai> decode(ByteView in);
  std::string describe() const;
  bool operator==(const Tai&) const = default;
};

}  // namespace kmebind::nas
