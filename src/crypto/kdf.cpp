#include "crypto/kdf.h"

#include <algorithm>
#include <string>

#include "crypto/hash.h"

namespace kmebind::crypto {
namespace {

std::unexpected<Error> bad_size(const char* what, std::size_t want, std::size_t got) {
  return fail(Code::kInvalidArgument, std::string(what) + " must be " + std::to_string(want) +
                                          " octets, got " + std::to_string(got));
}

bool is_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

std::uint8_t digit(char c) {
  return static_cast<std::uint8_t>(c - '0');
}

Result<SecretBytes> nas_key(const SecretBytes& kasme, std::uint8_t distinguisher,
                            std::uint8_t alg) {
  const std::uint8_t p0[] = {distinguisher};
  const std::uint8_t p1[] = {alg};
  auto out = kdf(kasme.view(), kFcNasKeys, {p0, p1});
  if (!out) return out;
  // TS 33.401 A.7: the 128-bit key is the 128 least significant bits of the 256-bit output.
  return SecretBytes(out->view().last(kNasKeySize));
}

}  // namespace

Result<SecretBytes> kdf(ByteView key, std::uint8_t fc, std::initializer_list<ByteView> params) {
  if (key.empty()) return fail(Code::kInvalidArgument, "KDF key is empty");
  std::size_t total = 1;
  std::size_t i = 0;
  for (ByteView p : params) {
    if (p.size() > 0xffff) {
      return fail(Code::kInvalidArgument,
                  "KDF parameter P" + std::to_string(i) + " longer than 65535 octets");
    }
    total += p.size() + 2;
    ++i;
  }
  // S = FC ‖ P0 ‖ L0 ‖ P1 ‖ L1 ‖ … held as a secret: parameters may be secret values.
  SecretBytes s(total);
  std::uint8_t* out = s.data();
  *out++ = fc;
  for (ByteView p : params) {
    out = std::copy(p.begin(), p.end(), out);
    *out++ = static_cast<std::uint8_t>(p.size() >> 8);
    *out++ = static_cast<std::uint8_t>(p.size());
  }
  return hmac_sha256(key, {s.view()});
}

Result<Bytes> plmn_to_sn_id(std::string_view mcc_mnc) {
  const auto bad = [&] {
    return fail(Code::kInvalidArgument,
                "PLMN \"" + std::string(mcc_mnc) +
                    "\": expected MCC-MNC with a 3-digit MCC and a 2- or 3-digit MNC, e.g. 001-01");
  };
  const std::size_t dash = mcc_mnc.find('-');
  if (dash == std::string_view::npos) return bad();
  const std::string_view mcc = mcc_mnc.substr(0, dash);
  const std::string_view mnc = mcc_mnc.substr(dash + 1);
  if (mcc.size() != 3 || (mnc.size() != 2 && mnc.size() != 3) || !is_digits(mcc) ||
      !is_digits(mnc)) {
    return bad();
  }
  const std::uint8_t mnc3 = mnc.size() == 3 ? digit(mnc[2]) : 0x0f;
  return Bytes{
      static_cast<std::uint8_t>((digit(mcc[1]) << 4) | digit(mcc[0])),
      static_cast<std::uint8_t>((mnc3 << 4) | digit(mcc[2])),
      static_cast<std::uint8_t>((digit(mnc[1]) << 4) | digit(mnc[0])),
  };
}

Result<SecretBytes> derive_kasme(const SecretBytes& ck, const SecretBytes& ik, ByteView sn_id,
                                 ByteView sqn_xor_ak) {
  if (ck.size() != 16) return bad_size("CK", 16, ck.size());
  if (ik.size() != 16) return bad_size("IK", 16, ik.size());
  if (sn_id.size() != kSnIdSize) return bad_size("SN id", kSnIdSize, sn_id.size());
  if (sqn_xor_ak.size() != 6) return bad_size("SQN xor AK", 6, sqn_xor_ak.size());
  SecretBytes key(32);
  std::copy(ck.view().begin(), ck.view().end(), key.data());
  std::copy(ik.view().begin(), ik.view().end(), key.data() + 16);
  return kdf(key.view(), kFcKasme, {sn_id, sqn_xor_ak});
}

Result<NasKeys> derive_nas_keys(const SecretBytes& kasme, std::uint8_t enc_alg,
                                std::uint8_t int_alg) {
  if (kasme.size() != kKasmeSize) return bad_size("K_ASME", kKasmeSize, kasme.size());
  if (enc_alg > 15 || int_alg > 15) {
    return fail(Code::kInvalidArgument, "NAS algorithm identity must be 0..15");
  }
  auto enc = nas_key(kasme, kNasEncAlgDistinguisher, enc_alg);
  if (!enc) return std::unexpected(enc.error());
  auto integ = nas_key(kasme, kNasIntAlgDistinguisher, int_alg);
  if (!integ) return std::unexpected(integ.error());
  return NasKeys{std::move(*enc), std::move(*integ)};
}

}  // namespace kmebind::crypto
