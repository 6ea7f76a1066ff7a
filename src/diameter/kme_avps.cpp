#include "diameter/kme_avps.h"

#include "diameter/identity_avps.h"
#include "diameter/wire_limits.h"

namespace kmebind::diameter::detail {
namespace {

Decoded<s6a::KmeProcedure> read_procedure(const AvpReader& g, const S6aDictionary& d) {
  auto v = g.i32(d.kme_procedure);
  if (!v) return std::unexpected(v.error());
  if (*v != static_cast<std::int32_t>(s6a::KmeProcedure::kSharedWithCnn) &&
      *v != static_cast<std::int32_t>(s6a::KmeProcedure::kHiddenFromCnn)) {
    return std::unexpected(g.invalid(d.kme_procedure, *g.one(d.kme_procedure), "unknown procedure"));
  }
  return static_cast<s6a::KmeProcedure>(*v);
}

// Enumerated values 1..max (KME-ECIES-Profile, KME-Signature-Algorithm).
Decoded<std::uint8_t> read_small_enum(const AvpReader& g, const AvpDef& def, std::int32_t max) {
  auto v = g.i32(def);
  if (!v) return std::unexpected(v.error());
  if (*v < 1 || *v > max) return std::unexpected(g.invalid(def, *g.one(def), "unknown value"));
  return static_cast<std::uint8_t>(*v);
}

Bytes copy(ByteView v) { return Bytes(v.begin(), v.end()); }

}  // namespace

Status add_kme_confirm(void* parent, const S6aDictionary& d, const s6a::KmeConfirm& c) {
  auto g = add_group(parent, d.kme_confirm);
  if (!g) return std::unexpected(g.error());
  if (auto st = add_i32(*g, d.kme_procedure, static_cast<std::int32_t>(c.procedure)); !st) return st;
  if (auto st = add_u32(*g, d.kme_version, c.kme_version); !st) return st;
  if (c.procedure == s6a::KmeProcedure::kSharedWithCnn) {
    if (auto st = add_octets(*g, d.kme, c.kme.view()); !st) return st;
    // The procedure-1 Cookie of the KMA, when it carried one (docs/protocol.md §2).
    return c.cookie.empty() ? Status{} : add_octets(*g, d.kme_cookie, c.cookie);
  }
  if (auto st = add_octets(*g, d.kme_cookie, c.cookie); !st) return st;
  if (auto st = add_i32(*g, d.kme_signature_algorithm, c.signature_algorithm); !st) return st;
  return add_octets(*g, d.kme_signature, c.signature);
}

Decoded<s6a::KmeConfirm> read_kme_confirm(const AvpReader& g, const S6aDictionary& d) {
  s6a::KmeConfirm out;
  auto procedure = read_procedure(g, d);
  if (!procedure) return std::unexpected(procedure.error());
  out.procedure = *procedure;
  auto version = g.u32(d.kme_version);
  if (!version) return std::unexpected(version.error());
  out.kme_version = *version;
  if (out.procedure == s6a::KmeProcedure::kSharedWithCnn) {
    auto kme = g.octets(d.kme, limits::kKmeSize, limits::kKmeSize);
    if (!kme) return std::unexpected(kme.error());
    out.kme = SecretBytes(*kme);
    auto cookie = g.optional_octets(d.kme_cookie, 1, limits::kCookieMax);
    if (!cookie) return std::unexpected(cookie.error());
    if (*cookie) out.cookie = copy(**cookie);
    return out;
  }
  auto cookie = g.octets(d.kme_cookie, 1, limits::kCookieMax);
  if (!cookie) return std::unexpected(cookie.error());
  auto algorithm = read_small_enum(g, d.kme_signature_algorithm, 2);
  if (!algorithm) return std::unexpected(algorithm.error());
  auto signature = g.octets(d.kme_signature, 1, limits::kSignatureMax);
  if (!signature) return std::unexpected(signature.error());
  out.cookie = copy(*cookie);
  out.signature_algorithm = *algorithm;
  out.signature = copy(*signature);
  return out;
}

Status add_kme_provisioning(void* parent, const S6aDictionary& d, const s6a::KmeProvisioning& p) {
  auto g = add_group(parent, d.kme_provisioning);
  if (!g) return std::unexpected(g.error());
  if (auto st = add_i32(*g, d.kme_procedure, static_cast<std::int32_t>(p.procedure)); !st) return st;
  if (auto st = add_i32(*g, d.kme_ecies_profile, p.ecies_profile); !st) return st;
  if (auto st = add_u32(*g, d.kme_version, p.kme_version); !st) return st;
  if (auto st = add_octets(*g, d.kme_encrypted_payload, p.encrypted_payload); !st) return st;
  if (p.procedure == s6a::KmeProcedure::kSharedWithCnn) {
    if (auto st = add_octets(*g, d.kme, p.kme.view()); !st) return st;
    return p.cookie.empty() ? Status{} : add_octets(*g, d.kme_cookie, p.cookie);
  }
  if (auto st = add_octets(*g, d.kme_cookie, p.cookie); !st) return st;
  return add_octets(*g, d.kme_xrsp, p.xrsp);
}

Decoded<s6a::KmeProvisioning> read_kme_provisioning(const AvpReader& g, const S6aDictionary& d) {
  s6a::KmeProvisioning out;
  auto procedure = read_procedure(g, d);
  if (!procedure) return std::unexpected(procedure.error());
  out.procedure = *procedure;
  auto profile = read_small_enum(g, d.kme_ecies_profile, 2);
  if (!profile) return std::unexpected(profile.error());
  out.ecies_profile = *profile;
  auto version = g.u32(d.kme_version);
  if (!version) return std::unexpected(version.error());
  out.kme_version = *version;
  auto payload = g.octets(d.kme_encrypted_payload, 1, limits::kEncryptedPayloadMax);
  if (!payload) return std::unexpected(payload.error());
  out.encrypted_payload = copy(*payload);
  if (out.procedure == s6a::KmeProcedure::kSharedWithCnn) {
    auto kme = g.octets(d.kme, limits::kKmeSize, limits::kKmeSize);
    if (!kme) return std::unexpected(kme.error());
    out.kme = SecretBytes(*kme);
    auto cookie = g.optional_octets(d.kme_cookie, 1, limits::kCookieMax);
    if (!cookie) return std::unexpected(cookie.error());
    if (*cookie) out.cookie = copy(**cookie);
    return out;
  }
  auto cookie = g.octets(d.kme_cookie, 1, limits::kCookieMax);
  if (!cookie) return std::unexpected(cookie.error());
  auto xrsp = g.octets(d.kme_xrsp, limits::kXrspSize, limits::kXrspSize);
  if (!xrsp) return std::unexpected(xrsp.error());
  out.cookie = copy(*cookie);
  out.xrsp = copy(*xrsp);
  return out;
}

Status add_kme_device_challenge(void* parent, const S6aDictionary& d,
                                const s6a::DeviceChallenge& c) {
  auto g = add_group(parent, d.kme_device_challenge);
  if (!g) return std::unexpected(g.error());
  if (auto st = add_u32(*g, d.kme_version, c.kme_version); !st) return st;
  if (auto st = add_octets(*g, d.kme_nonce, c.nonce); !st) return st;
  if (auto st = add_octets(*g, d.kme_hxrsp, c.hxrsp); !st) return st;
  return add_octets(*g, d.kme_challenge_token, c.challenge_token);
}

Decoded<s6a::DeviceChallenge> read_kme_device_challenge(const AvpReader& g,
                                                        const S6aDictionary& d) {
  s6a::DeviceChallenge out;
  auto version = g.u32(d.kme_version);
  if (!version) return std::unexpected(version.error());
  out.kme_version = *version;
  auto nonce = g.octets(d.kme_nonce, limits::kNonceSize, limits::kNonceSize);
  if (!nonce) return std::unexpected(nonce.error());
  auto hxrsp = g.octets(d.kme_hxrsp, limits::kXrspSize, limits::kXrspSize);
  if (!hxrsp) return std::unexpected(hxrsp.error());
  auto token = g.octets(d.kme_challenge_token, 1, limits::kChallengeTokenMax);
  if (!token) return std::unexpected(token.error());
  out.nonce = copy(*nonce);
  out.hxrsp = copy(*hxrsp);
  out.challenge_token = copy(*token);
  return out;
}

Status add_kme_action(void* parent, const S6aDictionary& d, const KmeAction& action) {
  if (const auto* p = std::get_if<s6a::KmeProvisioning>(&action)) {
    return add_kme_provisioning(parent, d, *p);
  }
  if (const auto* c = std::get_if<s6a::DeviceChallenge>(&action)) {
    return add_kme_device_challenge(parent, d, *c);
  }
  return {};
}

Decoded<KmeAction> read_kme_action(const AvpReader& r, const S6aDictionary& d) {
  auto provisioning = r.optional(d.kme_provisioning);
  if (!provisioning) return std::unexpected(provisioning.error());
  auto challenge = r.optional(d.kme_device_challenge);
  if (!challenge) return std::unexpected(challenge.error());
  if (*provisioning != nullptr && *challenge != nullptr) {
    return std::unexpected(
        r.invalid(d.kme_device_challenge, *challenge, "present together with KME-Provisioning"));
  }
  if (*provisioning != nullptr) {
    auto p = read_kme_provisioning(r.group(*provisioning, d.kme_provisioning), d);
    if (!p) return std::unexpected(p.error());
    return KmeAction(std::move(*p));
  }
  if (*challenge != nullptr) {
    auto c = read_kme_device_challenge(r.group(*challenge, d.kme_device_challenge), d);
    if (!c) return std::unexpected(c.error());
    return KmeAction(std::move(*c));
  }
  return KmeAction();
}

Status add_kme_prefetch(void* parent, const S6aDictionary& d, const s6a::KmePrefetch& p) {
  auto g = add_group(parent, d.kme_prefetch);
  if (!g) return std::unexpected(g.error());
  if (auto st = add_terminal_information(*g, d, {p.imei, ""}); !st) return st;
  if (const auto* provisioning = std::get_if<s6a::KmeProvisioning>(&p.action)) {
    return add_kme_provisioning(*g, d, *provisioning);
  }
  return add_kme_device_challenge(*g, d, std::get<s6a::DeviceChallenge>(p.action));
}

Decoded<s6a::KmePrefetch> read_kme_prefetch(const AvpReader& g, const S6aDictionary& d) {
  auto terminal = g.one(d.terminal_information);
  if (!terminal) return std::unexpected(terminal.error());
  auto t = read_terminal_information(g.group(*terminal, d.terminal_information), d);
  if (!t) return std::unexpected(t.error());
  auto action = read_kme_action(g, d);
  if (!action) return std::unexpected(action.error());
  s6a::KmePrefetch out;
  out.imei = std::move(t->imei);
  if (auto* p = std::get_if<s6a::KmeProvisioning>(&*action)) {
    out.action = std::move(*p);
  } else if (auto* c = std::get_if<s6a::DeviceChallenge>(&*action)) {
    out.action = std::move(*c);
  } else {
    return std::unexpected(g.missing(d.kme_provisioning));
  }
  return out;
}

Status add_kme_device_proof(void* parent, const S6aDictionary& d, const s6a::DeviceProof& p) {
  auto g = add_group(parent, d.kme_device_proof);
  if (!g) return std::unexpected(g.error());
  if (auto st = add_u32(*g, d.kme_version, p.kme_version); !st) return st;
  if (auto st = add_octets(*g, d.kme_challenge_token, p.challenge_token); !st) return st;
  return add_octets(*g, d.kme_rsp, p.rsp);
}

Decoded<s6a::DeviceProof> read_kme_device_proof(const AvpReader& g, const S6aDictionary& d) {
  s6a::DeviceProof out;
  auto version = g.u32(d.kme_version);
  if (!version) return std::unexpected(version.error());
  out.kme_version = *version;
  auto token = g.octets(d.kme_challenge_token, 1, limits::kChallengeTokenMax);
  if (!token) return std::unexpected(token.error());
  auto rsp = g.octets(d.kme_rsp, limits::kRspSize, limits::kRspSize);
  if (!rsp) return std::unexpected(rsp.error());
  out.challenge_token = copy(*token);
  out.rsp = copy(*rsp);
  return out;
}

}  // namespace kmebind::diameter::detail
