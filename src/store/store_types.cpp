#include "store/store_types.h"

#include <algorithm>

namespace kmebind::store {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Luhn check digit over the 14 digits TAC ‖ SNR, TS 23.003 Annex B.
char luhn_check_digit(std::string_view digits14) {
  int sum = 0;
  for (std::size_t i = 0; i < digits14.size(); ++i) {
    int d = digits14[i] - '0';
    if (i % 2 == 1) {  // every second digit from the left is doubled
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

}  // namespace

std::string_view to_string(BindingMode mode) {
  switch (mode) {
    case BindingMode::kNone: return "none";
    case BindingMode::kImeiCheck: return "imei-check";
    case BindingMode::kKmeRequired: return "kme-required";
  }
  return "none";
}

Result<BindingMode> parse_binding_mode(std::string_view text) {
  if (text == "none") return BindingMode::kNone;
  if (text == "imei-check") return BindingMode::kImeiCheck;
  if (text == "kme-required") return BindingMode::kKmeRequired;
  return fail(Code::kInvalidArgument,
              "binding mode must be none, imei-check or kme-required, not '" + std::string(text) + "'");
}

Result<EncProfile> parse_enc_profile(std::string_view text) {
  if (text == "A" || text == "a") return EncProfile::kA;
  if (text == "B" || text == "b") return EncProfile::kB;
  return fail(Code::kInvalidArgument, "ECIES profile must be A or B, not '" + std::string(text) + "'");
}

Result<SigAlgorithm> parse_sig_algorithm(std::string_view text) {
  if (text == "ed25519") return SigAlgorithm::kEd25519;
  if (text == "ecdsa-p256") return SigAlgorithm::kEcdsaP256Sha256;
  return fail(Code::kInvalidArgument,
              "signature algorithm must be ed25519 or ecdsa-p256, not '" + std::string(text) + "'");
}

std::string_view kme_procedure_name(int procedure) {
  switch (procedure) {
    case kKmeProcedure1: return "1";
    case kKmeProcedure2: return "2";
    case kKmeImported: return "import";
    case kKmeNoProcedure: return "none";
    default: return "?";
  }
}

Result<int> parse_kme_procedure(std::string_view text) {
  if (text == "1") return kKmeProcedure1;
  if (text == "2") return kKmeProcedure2;
  if (text == "import") return kKmeImported;
  if (text == "none") return kKmeNoProcedure;
  return fail(Code::kCorruption, "unknown KME procedure '" + std::string(text) + "'");
}

Status check_imsi(std::string_view imsi) {
  if (imsi.size() < 6 || imsi.size() > 15 || !all_digits(imsi)) {
    return fail(Code::kInvalidArgument,
                "IMSI must be 6 to 15 decimal digits (TS 23.003 §2.2), got '" +
                    std::string(imsi.substr(0, 20)) + "'");
  }
  return {};
}

Result<std::string> normalize_imei(std::string_view imei) {
  if (!all_digits(imei) || (imei.size() != 14 && imei.size() != 15)) {
    return fail(Code::kInvalidArgument,
                "IMEI must be 14 digits (TAC and SNR) or 15 with its check digit (TS 23.003 §6.2.1), "
                "got '" + std::string(imei.substr(0, 20)) + "'");
  }
  const std::string_view body = imei.substr(0, 14);
  if (imei.size() == 15 && imei[14] != luhn_check_digit(body)) {
    return fail(Code::kInvalidArgument, "IMEI " + std::string(imei) +
                                            " has a wrong check digit (TS 23.003 Annex B)");
  }
  return std::string(body);
}

Result<PairKey> normalize_pair_key(const PairKey& key) {
  if (auto st = check_imsi(key.imsi); !st) return std::unexpected(st.error());
  auto imei = normalize_imei(key.imei);
  if (!imei) return std::unexpected(imei.error());
  return PairKey{key.imsi, std::move(*imei)};
}

namespace {
Status check_point(std::string_view what, ByteView key, bool p256) {
  if (p256) {
    const bool compressed = key.size() == 33 && (key[0] == 0x02 || key[0] == 0x03);
    const bool uncompressed = key.size() == 65 && key[0] == 0x04;
    if (!compressed && !uncompressed) {
      return fail(Code::kInvalidArgument, std::string(what) +
                                              " must be a P-256 point, uncompressed (65 octets, 04 "
                                              "first) or compressed (33 octets, 02/03 first)");
    }
  } else if (key.size() != 32) {
    return fail(Code::kInvalidArgument, std::string(what) + " must be 32 octets");
  }
  return {};
}
}  // namespace

Status check_enc_public_key(EncProfile profile, ByteView key) {
  return check_point(profile == EncProfile::kA ? "X25519 public key (profile A)"
                                               : "P-256 public key (profile B)",
                     key, profile == EncProfile::kB);
}

Status check_sig_public_key(SigAlgorithm alg, ByteView key) {
  return check_point(alg == SigAlgorithm::kEd25519 ? "Ed25519 public key" : "ECDSA P-256 public key",
                     key, alg == SigAlgorithm::kEcdsaP256Sha256);
}

bool same_public_key(ByteView a, ByteView b) {
  if (std::ranges::equal(a, b)) return true;
  if (a.size() == 65 && b.size() == 33) std::swap(a, b);
  if (a.size() != 33 || b.size() != 65 || b[0] != 0x04) return false;
  const std::uint8_t prefix = (b[64] & 1) != 0 ? 0x03 : 0x02;
  return a[0] == prefix && std::ranges::equal(a.subspan(1), b.subspan(1, 32));
}

std::string_view allowed_procedures_text(bool procedure1, bool procedure2) {
  if (procedure1 && procedure2) return "1,2";
  if (procedure1) return "1";
  if (procedure2) return "2";
  return "none";
}

}  // namespace kmebind::store
