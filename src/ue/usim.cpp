#include "ue/usim.h"

#include <algorithm>

#include "crypto/kdf.h"

namespace kmebind::ue {
namespace {

constexpr std::array<std::uint8_t, crypto::kAmfSize> kResyncAmf{0x00, 0x00};  // AMF*, TS 33.102 §6.3.3
constexpr std::uint8_t kSeparationBit = 0x80;  // AMF bit 0, TS 33.401 §6.1.1 / TS 33.102 Annex H

bool is_imsi(std::string_view s) {
  return s.size() >= 6 && s.size() <= 15 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Bytes sqn_octets(std::uint64_t sqn) {
  Bytes out(crypto::kSqnSize);
  for (std::size_t i = 0; i < out.size(); ++i) out[out.size() - 1 - i] = static_cast<std::uint8_t>(sqn >> (8 * i));
  return out;
}

std::uint64_t sqn_value(ByteView octets) {
  std::uint64_t v = 0;
  for (std::uint8_t o : octets) v = (v << 8) | o;
  return v;
}

Bytes xor_of(ByteView a, ByteView b) {
  Bytes out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
  return out;
}

Error internal(const Error& e, std::string_view step) {
  return Error(Code::kInternal, "USIM: " + std::string(step) + " failed: " + e.message());
}

}  // namespace

Result<Usim> Usim::create(std::string imsi, const SecretBytes& k, const SecretBytes& opc, SqnArray sqn) {
  if (!is_imsi(imsi)) return fail(Code::kInvalidArgument, "USIM: IMSI must be 6 to 15 digits");
  if (k.size() != crypto::kMilenageKeySize || opc.size() != crypto::kMilenageKeySize) {
    return fail(Code::kInvalidArgument, "USIM: K and OPc must be 16 octets each");
  }
  auto milenage = crypto::Milenage::create(k, opc);
  if (!milenage) return std::unexpected(milenage.error());
  return Usim(std::move(imsi), std::move(*milenage), sqn);
}

// TS 33.102 §6.3.3: AUTS = SQN_MS ⊕ f5*(RAND) ‖ f1*(SQN_MS, RAND, AMF*).
Result<AkaSynchFailure> Usim::make_auts(ByteView rand) {
  const Bytes sqn_ms = sqn_octets(sqn_.sqn_ms());
  auto ak_star = milenage_.f5star(rand);
  if (!ak_star) return std::unexpected(internal(ak_star.error(), "f5*"));
  auto mac_s = milenage_.f1star(rand, sqn_ms, kResyncAmf);
  if (!mac_s) return std::unexpected(internal(mac_s.error(), "f1*"));
  AkaSynchFailure out;
  const Bytes concealed = xor_of(sqn_ms, *ak_star);
  std::copy(concealed.begin(), concealed.end(), out.auts.begin());
  std::copy(mac_s->begin(), mac_s->end(), out.auts.begin() + crypto::kSqnSize);
  return out;
}

// TS 33.102 §6.3.3, TS 33.401 §6.1.1 and A.2 (order explained in the header).
Result<AkaResult> Usim::authenticate(ByteView rand, ByteView autn, ByteView sn_id) {
  if (rand.size() != crypto::kRandSize) return fail(Code::kInvalidArgument, "USIM: RAND must be 16 octets");
  if (autn.size() != kAutnSize) return fail(Code::kInvalidArgument, "USIM: AUTN must be 16 octets");
  if (sn_id.size() != crypto::kSnIdSize) return fail(Code::kInvalidArgument, "USIM: SN id must be 3 octets");

  const ByteView sqn_xor_ak = autn.first(crypto::kSqnSize);
  const ByteView amf = autn.subspan(crypto::kSqnSize, crypto::kAmfSize);
  const ByteView mac = autn.subspan(crypto::kSqnSize + crypto::kAmfSize, crypto::kMacSize);

  // AK = f5(RAND) unmasks SQN; f1 needs SQN, so the full computation comes second.
  auto ak = milenage_.f5(rand);
  if (!ak) return std::unexpected(internal(ak.error(), "f5"));
  const Bytes sqn = xor_of(sqn_xor_ak, *ak);
  auto out = milenage_.compute(rand, sqn, amf);
  if (!out) return std::unexpected(internal(out.error(), "MILENAGE"));

  if (!equal_ct(out->mac_a, mac)) return AkaResult{AkaMacFailure{}};
  if ((amf[0] & kSeparationBit) == 0) return AkaResult{AkaNonEpsUnacceptable{}};

  const std::uint64_t sqn_number = sqn_value(sqn);
  if (sqn_.check(sqn_number) != SqnVerdict::kFresh) {
    auto synch = make_auts(rand);
    if (!synch) return std::unexpected(synch.error());
    return AkaResult{*synch};
  }

  auto kasme = crypto::derive_kasme(out->ck, out->ik, sn_id, sqn_xor_ak);
  if (!kasme) return std::unexpected(internal(kasme.error(), "KASME derivation"));
  sqn_.accept(sqn_number);
  return AkaResult{AkaSuccess{std::move(out->res), std::move(out->ck), std::move(out->ik), std::move(*kasme)}};
}

}  // namespace kmebind::ue
