#include "nas/kme_payload.h"

#include <algorithm>

#include "nas/ie_identity.h"

namespace kmebind::nas {
namespace {

constexpr std::uint8_t kImeiType = 2;  // TS 24.008 §10.5.1.4 type of identity IMEI

bool is_imei_digits(std::string_view s) {
  if (s.size() != 15) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Result<SecretBytes> encode_kme_payload(const KmePayload& p) {
  if (!is_supported(p.procedure)) return fail(Code::kInvalidArgument, "KME payload: unknown procedure");
  if (!is_imei_digits(p.imei)) return fail(Code::kInvalidArgument, "KME payload: IMEI must be 15 decimal digits");
  if (p.kme.size() != kKmeSize) return fail(Code::kInvalidArgument, "KME payload: KME must be 32 octets");
  const bool needs_nonce = p.procedure == KmeProcedure::kNotSharedWithCnn;
  if (needs_nonce != p.nonce.has_value()) {
    return fail(Code::kInvalidArgument, "KME payload: a Nonce goes with procedure 2 and only with it");
  }
  SecretBytes out(needs_nonce ? kKmePayloadSizeProcedure2 : kKmePayloadSizeProcedure1);
  std::uint8_t* o = out.data();
  *o++ = kKmePayloadVersion;
  *o++ = static_cast<std::uint8_t>(p.procedure);
  const Bytes imei = pack_identity_digits(p.imei, kImeiType);
  o = std::copy(imei.begin(), imei.end(), o);
  for (int shift = 24; shift >= 0; shift -= 8) *o++ = static_cast<std::uint8_t>(p.kme_version >> shift);
  o = std::copy(p.kme.view().begin(), p.kme.view().end(), o);
  if (p.nonce) std::copy(p.nonce->begin(), p.nonce->end(), o);
  return out;
}

Result<KmePayload> decode_kme_payload(ByteView in) {
  if (in.size() < 2) return fail(Code::kMalformed, "KME payload: too short");
  if (in[0] != kKmePayloadVersion) {
    return fail(Code::kMalformed, "KME payload: version " + std::to_string(in[0]) + " is not supported");
  }
  KmePayload p;
  p.procedure = static_cast<KmeProcedure>(in[1]);
  if (!is_supported(p.procedure)) return fail(Code::kMalformed, "KME payload: unknown procedure " + std::to_string(in[1]));
  const std::size_t expected =
      p.procedure == KmeProcedure::kNotSharedWithCnn ? kKmePayloadSizeProcedure2 : kKmePayloadSizeProcedure1;
  if (in.size() != expected) {
    return fail(Code::kMalformed, "KME payload: " + std::to_string(in.size()) + " octets, expected " + std::to_string(expected));
  }
  const ByteView imei = in.subspan(2, kKmePayloadImeiSize);
  if ((imei[0] & 0x07) != kImeiType) return fail(Code::kMalformed, "KME payload: IMEI field is not of type IMEI");
  auto digits = unpack_identity_digits(imei);
  if (!digits || digits->size() != 15) return fail(Code::kMalformed, "KME payload: IMEI field is not 15 BCD digits");
  p.imei = std::move(*digits);
  const ByteView v = in.subspan(10, 4);
  p.kme_version = (std::uint32_t{v[0]} << 24) | (std::uint32_t{v[1]} << 16) | (std::uint32_t{v[2]} << 8) | v[3];
  p.kme = SecretBytes(in.subspan(14, kKmeSize));
  if (p.procedure == KmeProcedure::kNotSharedWithCnn) {
    KmeNonce nonce{};
    std::copy_n(in.begin() + 14 + kKmeSize, kKmeNonceSize, nonce.begin());
    p.nonce = nonce;
  }
  return p;
}

}  // namespace kmebind::nas
