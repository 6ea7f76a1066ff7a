#include "hss/air_procedure.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "crypto/kdf.h"
#include "crypto/milenage.h"
#include "crypto/random.h"
#include "hss/identity.h"
#include "hss/kme_prefetch.h"
#include "hss/sqn.h"
#include "hss/store_lookups.h"

namespace kmebind::hss {
namespace {

constexpr std::size_t kAutsSize = 14;  // SQN_MS ⊕ AK* (6) ‖ MAC-S (8), TS 33.102 §6.3.3
constexpr std::array<std::uint8_t, 2> kResyncAmf{0x00, 0x00};  // dummy AMF, TS 33.102 §6.3.3

s6a::BindingRequirement binding_of(store::BindingMode mode) {
  switch (mode) {
    case store::BindingMode::kImeiCheck: return s6a::BindingRequirement::kImeiCheck;
    case store::BindingMode::kKmeRequired: return s6a::BindingRequirement::kKmeRequired;
    case store::BindingMode::kNone: break;
  }
  return s6a::BindingRequirement::kNone;
}

// MILENAGE (TS 35.206) keyed with the subscriber's K and OPc; AUTHENTICATION_DATA_UNAVAILABLE when
// they cannot be used.
Checked<crypto::Milenage> make_milenage(const store::SubscriberRecord& sub) {
  auto milenage = crypto::Milenage::create(sub.k, sub.opc);
  if (!milenage) {
    return refuse(s6a::kAuthenticationDataUnavailable,
                  "subscriber K/OPc unusable: " + milenage.error().what());
  }
  return std::move(*milenage);
}

// TS 33.102 §6.3.5 and Annex C: SQN_MS = (SQN_MS ⊕ AK*) ⊕ f5*(RAND); MAC-S = f1*(SQN_MS, RAND,
// AMF 0000) must match AUTS. If it does and SQN_MS is not below SQN_HE, SQN_HE := SQN_MS, so the
// next vector (SQN_MS + step) is fresh for the USIM. A MAC-S that does not verify resets nothing
// and fresh vectors follow (step (iv) is taken either way); the outcome is noted in `note`.
Checked<void> resynchronise(const HssContext& ctx, crypto::Milenage& milenage,
                            const store::SubscriberRecord& sub, const s6a::ResyncInfo& resync,
                            std::string& note) {
  if (resync.rand.size() != crypto::kRandSize || resync.auts.size() != kAutsSize) {
    return refuse(s6a::kInvalidAvpValue,
                  "Re-Synchronization-Info is not RAND (16 octets) followed by AUTS (14 octets)");
  }
  const ByteView auts(resync.auts);
  auto ak_star = milenage.f5star(resync.rand);
  if (!ak_star) return refuse(s6a::kUnableToComply, "f5* failed: " + ak_star.error().what());
  const Bytes sqn_ms_octets = xor_octets(auts.first(kSqnOctets), *ak_star);
  auto mac_s = milenage.f1star(resync.rand, sqn_ms_octets, kResyncAmf);
  if (!mac_s) return refuse(s6a::kUnableToComply, "f1* failed: " + mac_s.error().what());
  if (!equal_ct(*mac_s, auts.subspan(kSqnOctets))) {
    note = "AUTS MAC-S did not verify; SQN not re-synchronised, vectors issued from SQN_HE";
    return {};
  }
  const std::uint64_t sqn_ms = sqn_from_octets(sqn_ms_octets);
  if (sqn_ms < sub.sqn) {
    note = "AUTS verified; SQN_MS below SQN_HE, no reset needed";
    return {};
  }
  if (auto st = ctx.store.set_sqn(sub.imsi, sqn_ms); !st) {
    return std::unexpected(store_refusal(st.error(), "set_sqn"));
  }
  note = "AUTS verified; SQN_HE re-synchronised to SQN_MS";
  return {};
}

// One E-UTRAN vector for `sqn` (TS 33.401 §6.1.1, §A.2): RAND random; AUTN = SQN ⊕ AK ‖ AMF ‖
// MAC-A; XRES = f2; KASME = KDF(CK ‖ IK, SN id, SQN ⊕ AK).
Checked<s6a::EutranVector> make_vector(crypto::Milenage& milenage, std::uint64_t sqn,
                                       ByteView amf, ByteView sn_id) {
  auto rand = crypto::random_bytes(crypto::kRandSize);
  if (!rand) return refuse(s6a::kUnableToComply, "RAND: " + rand.error().what());
  const Bytes sqn_octets = sqn_to_octets(sqn);
  auto out = milenage.compute(*rand, sqn_octets, amf);
  if (!out) return refuse(s6a::kUnableToComply, "MILENAGE failed: " + out.error().what());
  const Bytes sqn_xor_ak = xor_octets(sqn_octets, out->ak);
  auto kasme = crypto::derive_kasme(out->ck, out->ik, sn_id, sqn_xor_ak);
  if (!kasme) return refuse(s6a::kUnableToComply, "KASME: " + kasme.error().what());
  Bytes autn = sqn_xor_ak;
  autn.insert(autn.end(), amf.begin(), amf.end());
  autn.insert(autn.end(), out->mac_a.begin(), out->mac_a.end());
  return s6a::EutranVector{std::move(*rand), std::move(out->res), std::move(autn),
                           std::move(*kasme)};
}

Checked<s6a::AuthenticationInformationAnswer> answer_air(
    const HssContext& ctx, const s6a::AuthenticationInformationRequest& air, std::int64_t now,
    const LinkInfo& link, std::string& note) {
  if (auto ok = check_imsi(air.imsi); !ok) return std::unexpected(ok.error());
  if (auto ok = check_plmn_id(air.visited_plmn_id); !ok) return std::unexpected(ok.error());
  if (air.number_of_vectors == 0) {
    return refuse(s6a::kInvalidAvpValue, "Number-Of-Requested-Vectors is 0");
  }
  const std::uint32_t count = std::min(air.number_of_vectors, ctx.config.max_vectors_per_air);

  // A resynchronisation (TS 33.102 §6.3.5) reads the subscriber first: AUTS may move SQN_HE.
  std::optional<crypto::Milenage> milenage;
  if (air.resync) {
    auto before = load_subscriber(ctx.store, air.imsi);
    if (!before) return std::unexpected(before.error());
    auto made = make_milenage(*before);
    if (!made) return std::unexpected(made.error());
    milenage.emplace(std::move(*made));
    if (auto ok = resynchronise(ctx, *milenage, *before, *air.resync, note); !ok) {
      return std::unexpected(ok.error());
    }
  }

  // TS 33.102 Annex C.3.2: each vector takes the next SEQ; one atomic advance reserves them all.
  // The same store call reads the subscriber and, for KME material, its sole pair.
  const bool wants_material = ctx.config.kme_prefetch && air.kme_prefetch_procedures != 0;
  const std::uint64_t step = ctx.config.sqn_step;
  auto reserved = ctx.store.reserve_sqn(air.imsi, step * count, wants_material);
  if (!reserved) {
    if (reserved.error().code() == Code::kNotFound) {
      return refuse(s6a::kErrorUserUnknown, "no subscription for the IMSI");
    }
    if (reserved.error().code() == Code::kNotAllowed) {
      return refuse(s6a::kAuthenticationDataUnavailable, "SQN space of the subscriber exhausted");
    }
    return std::unexpected(store_refusal(reserved.error(), "reserve_sqn"));
  }
  const store::SubscriberRecord& sub = reserved->subscriber;
  if (!milenage) {
    auto made = make_milenage(sub);
    if (!made) return std::unexpected(made.error());
    milenage.emplace(std::move(*made));
  }
  const std::uint64_t last = reserved->last_sqn;
  // TS 33.401 §6.1.1: E-UTRAN vectors carry the AMF separation bit (bit 0) set to 1.
  std::array<std::uint8_t, 2> amf = sub.amf;
  amf[0] = static_cast<std::uint8_t>(amf[0] | 0x80);

  s6a::AuthenticationInformationAnswer aia;
  aia.vectors.reserve(count);
  const std::uint64_t first = last - step * (count - 1);
  for (std::uint32_t i = 0; i < count; ++i) {
    auto vector = make_vector(*milenage, first + step * i, amf, air.visited_plmn_id);
    if (!vector) return std::unexpected(vector.error());
    aia.vectors.push_back(std::move(*vector));
  }
  aia.binding = binding_of(sub.binding_mode);
  // docs/protocol.md "KME material on the AIA": only when asked, enabled and KME binding applies;
  // nothing it finds changes the answer's result.
  if (wants_material && sub.binding_mode == store::BindingMode::kKmeRequired) {
    std::string prefetched;
    if (reserved->sole_pair) {
      aia.kme_prefetch = prefetch_kme(ctx, std::move(*reserved->sole_pair),
                                      air.kme_prefetch_procedures, now, link, prefetched);
    } else {
      prefetched = "no KME material attached: the store could not read the sole pair: " +
                   reserved->sole_pair_failure;
    }
    note = (note.empty() ? std::string("vectors issued") : note) + "; " + prefetched;
  }
  return aia;
}

}  // namespace

s6a::AuthenticationInformationAnswer run_air(const HssContext& ctx,
                                             const s6a::AuthenticationInformationRequest& air,
                                             std::int64_t now_unix_s, const LinkInfo& link,
                                             HssEvent& event) {
  std::string note;
  auto answer = answer_air(ctx, air, now_unix_s, link, note);
  if (!answer) {
    s6a::AuthenticationInformationAnswer refused;
    refused.result = report(answer.error(), event);
    return refused;
  }
  event.result = s6a::kSuccess;
  event.reason = note.empty() ? "vectors issued" : note;
  return std::move(*answer);
}

}  // namespace kmebind::hss
