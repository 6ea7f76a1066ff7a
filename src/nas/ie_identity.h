// Identity IEs: EPS mobile identity (TS 24.301 §9.9.3.12), Mobile identity (TS 24.008
// §10.5.1.4), Identity type 2 (TS 24.008 §10.5.5.9), and the BCD digit packing they share.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "common/bytes.h"
#include "common/error.h"
#include "nas/ie_basic.h"
#include "nas/plmn.h"

namespace kmebind::nas {

// Digit strings. Each is validated when encoded: IMSI 6..15 digits (TS 23.003 §2.2: MCC + MNC +
// MSIN), IMEI 15 (TAC 8 + SNR 6 + check digit; TS 23.003 §6.2.1), IMEISV 16 (TAC + SNR + SVN).
struct Imsi {
  std::string digits;
  bool operator==(const Imsi&) const = default;
};
struct Imei {
  std::string digits;
  bool operator==(const Imei&) const = default;
};
struct Imeisv {
  std::string digits;
  bool operator==(const Imeisv&) const = default;
};
struct Tmsi {  // TMSI / P-TMSI / M-TMSI (TS 24.008 §10.5.1.4 type 100)
  std::uint32_t value = 0;
  bool operator==(const Tmsi&) const = default;
};
struct NoIdentity {  // TS 24.008 §10.5.1.4 type 000
  bool operator==(const NoIdentity&) const = default;
};

// TS 24.301 §9.9.3.12 / TS 23.003 §2.8: GUTI = PLMN ‖ MME group id ‖ MME code ‖ M-TMSI.
struct Guti {
  Plmn plmn;
  std::uint16_t mme_group_id = 0;
  std::uint8_t mme_code = 0;
  std::uint32_t m_tmsi = 0;
  bool operator==(const Guti&) const = default;
};

// Packs identity digits as TS 24.008 §10.5.1.4: octet 1 = digit 1 (bits 8-5) | odd/even
// indicator (bit 4) | type of identity (bits 3-1); then two digits per octet, low nibble first;
// the last high nibble is 0xF when the number of digits is even.
// REQUIRES: digits non-empty and all decimal (checked by the callers below).
Bytes pack_identity_digits(std::string_view digits, std::uint8_t type_of_identity);
// The inverse; fails with kMalformed on a non-decimal digit, a misplaced filler, or an odd/even
// indicator that disagrees with the filler.
Result<std::string> unpack_identity_digits(ByteView value);

// TS 24.301 §9.9.3.12 EPS mobile identity: IMSI (type 001), GUTI (110) or IMEI (011).
struct EpsMobileIdentity {
  std::variant<Imsi, Guti, Imei> identity;

  Status encode(ByteWriter& w) const;
  static Result<EpsMobileIdentity> decode(ByteView in);
  std::string describe() const;
  bool operator==(const EpsMobileIdentity&) const = default;
};

// TS 24.008 §10.5.1.4 Mobile identity: no identity (000), IMSI (001), IMEI (010),
// IMEISV (011), TMSI/P-TMSI/M-TMSI (100). TMGI (101) is refused as unsupported.
struct MobileIdentity {
  std::variant<NoIdentity, Imsi, Imei, Imeisv, Tmsi> identity;

  Status encode(ByteWriter& w) const;
  static Result<MobileIdentity> decode(ByteView in);
  std::string describe() const;
  bool operator==(const MobileIdentity&) const = default;
};

// TS 24.008 §10.5.5.9 Identity type 2 (bits 3-1; bit 4 spare).
enum class IdentityType2 : std::uint8_t { kImsi = 1, kImei = 2, kImeisv = 3, kTmsi = 4 };
std::string to_string(IdentityType2 v);
template <>
struct IeCodec<IdentityType2> : HalfEnumCodec<IdentityType2, 0x07> {};

// True when `digits` is a syntactically valid IMEI (15 digits) with a correct Luhn check digit
// (TS 23.003 Annex B).
bool imei_check_digit_ok(std::string_view digits);

}  // namespace kmebind::nas
