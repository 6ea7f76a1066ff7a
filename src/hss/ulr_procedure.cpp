#include "hss/ulr_procedure.h"

#include <optional>
#include <string>

#include "crypto/challenge_token.h"
#include "crypto/cookie.h"
#include "crypto/kme.h"
#include "crypto/signature.h"
#include "hss/device_keys.h"
#include "hss/identity.h"
#include "hss/procedure_policy.h"
#include "hss/store_lookups.h"

namespace kmebind::hss {
namespace {

constexpr std::string_view kSourceProcedure1 = "procedure-1";
constexpr std::string_view kSourceProcedure2 = "procedure-2";

// Procedure 2, seed step 11: "The HSS uses its internal secret to decrypt the Cookie and obtain
// the KME. The HSS then uses the Public Key associated with the IMEI to verify the DSA of KME."
// The device signs kme_transcript(IMSI, IMEI, Nonce, KME), not the bare KME (DESIGN.md §4).
Checked<SecretBytes> open_confirm_cookie(const HssContext& ctx, std::string_view imsi,
                                         std::string_view imei,
                                         const std::optional<store::DeviceRecord>& device,
                                         const s6a::KmeConfirm& confirm, std::int64_t now) {
  auto content = crypto::open_cookie(ctx.cookie_keys, confirm.cookie, imsi, imei, now,
                                     ctx.config.cookie_lifetime_s);
  if (!content) {
    return std::unexpected(sealed_token_refusal(content.error(), "Cookie", s6a::kErrorCookieExpired,
                                                s6a::kErrorKmeConfirmFailed));
  }
  if (content->kme_version != confirm.kme_version) {
    return refuse(s6a::kErrorKmeConfirmFailed,
                  "Cookie was issued for another KME version than the one confirmed");
  }
  if (!device) return refuse(s6a::kErrorNoDeviceKey, "no public keys for the IMEI");
  const auto alg = sig_algorithm_from_s6a(confirm.signature_algorithm);
  if (!alg || *alg != device->sig_alg) {
    return refuse(s6a::kErrorKmeConfirmFailed,
                  "signature algorithm is not the one registered for the device");
  }
  auto transcript = crypto::kme_transcript_checked(imsi, imei, content->nonce, content->kme);
  if (!transcript) return refuse(s6a::kUnableToComply, "transcript: " + transcript.error().what());
  if (auto st = crypto::verify(*alg, device->sig_public_key, *transcript,
                               confirm.signature);
      !st) {
    return refuse(s6a::kErrorKmeConfirmFailed,
                  "device signature refused: " + std::string(to_string(st.error().code())));
  }
  return std::move(content->kme);
}

// kmebind (docs/protocol.md §2): the Cookie a procedure-1 KMA carried, returned with the confirm.
// It opens only for this IMSI and IMEI, within its lifetime, and must name the confirmed version
// and KME: then this HSS issued that KME for the pair and version — it is not one the CNN chose.
Checked<void> check_procedure1_cookie(const HssContext& ctx, std::string_view imsi,
                                      std::string_view imei, const s6a::KmeConfirm& confirm,
                                      std::int64_t now) {
  auto content = crypto::open_cookie(ctx.cookie_keys, confirm.cookie, imsi, imei, now,
                                     ctx.config.cookie_lifetime_s, crypto::CookieUse::kProcedure1);
  if (!content) {
    return std::unexpected(sealed_token_refusal(content.error(), "procedure-1 Cookie",
                                                s6a::kErrorCookieExpired,
                                                s6a::kErrorKmeConfirmFailed));
  }
  if (content->kme_version != confirm.kme_version) {
    return refuse(s6a::kErrorKmeConfirmFailed,
                  "procedure-1 Cookie was issued for another KME version than the one confirmed");
  }
  if (!(content->kme == confirm.kme)) {
    return refuse(s6a::kErrorKmeConfirmFailed,
                  "procedure-1 confirm carries another KME than its Cookie's");
  }
  return {};
}

// Two KMEs were issued for the pair with the same version — two KME-Requests (or AIRs with KME
// material) answered before either confirm came, e.g. a UE that attached again, through another
// CNN or a restarted one, while its first attach's ULR still waited here — and the other one was
// stored first. A procedure-2 confirm that got here passed the Cookie (this HSS issued that KME
// for this pair and version) and the device's signature (the device holds it, pending): every
// challenge of the stored version would fail (#6 at each attach, for good). So the pair's KME is
// marked for renewal — that pair's only, and only while it is still `version`
// (request_pair_kme_renewal, audited "kme-renew" with actor "hss") — and the pair's next
// KME-Request or AIR provisions version + 1. A procedure-1 confirm marks nothing
// (`device_proven` false): its Cookie shows that this HSS issued that KME for the pair and version,
// not that the device holds it — only the CNN saw the device's Rsp, and an admitted CNN gets such a
// Cookie from a KME-Request of its own while the pair is being provisioned. If that marked, the CNN
// could reopen provisioning after the device's KME was stored and have a KME the device does not
// hold stored next (docs/protocol.md §2 "Racing provisionings", security.md §3.5, §4.1).
Refusal refuse_same_version(const HssContext& ctx, std::string_view imsi, std::string_view imei,
                            std::uint32_t version, bool device_proven) {
  std::string reason = "another KME of version " + std::to_string(version) +
                       " was stored first (two provisionings raced)";
  if (!device_proven) {
    reason +=
        "; a procedure-1 confirm does not prove that the device holds its KME: nothing is "
        "marked for renewal";
  } else if (auto marked = ctx.store.request_pair_kme_renewal(imsi, imei, version, "hss");
             !marked) {
    reason += "; marking the pair's KME for renewal failed: " + marked.error().what();
  } else if (*marked) {
    reason += "; the pair's KME is marked for renewal: its next attach provisions a newer one";
  } else {
    reason += "; the pair's KME was marked for renewal or replaced meanwhile";
  }
  return Refusal{s6a::kErrorKmeVersionConflict, std::move(reason)};
}

// Seed step 11 (both procedures): "stores the KME ... if the IMSI/IMEI pair is allowed", and
// only on top of the version it was issued after (docs/protocol.md §2: rollback protection).
// `device_proven`: the HSS checked that it issued `kme` for the pair and version and that the
// device holds it (procedure 2: the Cookie and the device's signature).
Checked<std::uint32_t> store_confirmed(const HssContext& ctx, std::string_view imsi,
                                       std::string_view imei, const SecretBytes& kme,
                                       const s6a::KmeConfirm& confirm, bool device_proven) {
  const bool procedure1 = confirm.procedure == s6a::KmeProcedure::kSharedWithCnn;
  auto stored = ctx.store.store_kme(imsi, imei, kme,
                                    procedure1 ? store::kKmeProcedure1 : store::kKmeProcedure2,
                                    procedure1 ? kSourceProcedure1 : kSourceProcedure2,
                                    confirm.kme_version - 1);
  if (stored) return *stored;
  if (stored.error().code() != Code::kNotAllowed) {
    return std::unexpected(store_refusal(stored.error(), "store_kme"));
  }
  // kNotAllowed means the pair left the binding list meanwhile or the version moved on.
  if (auto allowed = require_binding(ctx.store, imsi, imei); !allowed) {
    return std::unexpected(allowed.error());
  }
  // The same confirm again: a ULR re-sent to another front-end (or retried by the CNN) after the
  // store committed it but before its ULA left — the front-end or its database connection died
  // in between. The stored KME of that version is the confirmed one, so the answer is the one
  // the first attempt would have got; nothing is written (docs/reliability.md). Any other KME or
  // version (a rollback, a racing provisioning) stays a conflict.
  auto current = ctx.store.get_kme(imsi, imei);
  if (!current) return std::unexpected(store_refusal(current.error(), "get_kme"));
  const int procedure = procedure1 ? store::kKmeProcedure1 : store::kKmeProcedure2;
  if (*current && (*current)->version == confirm.kme_version &&
      (*current)->procedure == procedure && (*current)->kme == kme) {
    return confirm.kme_version;
  }
  if (*current && (*current)->version == confirm.kme_version) {
    return std::unexpected(
        refuse_same_version(ctx, imsi, imei, confirm.kme_version, device_proven));
  }
  return refuse(s6a::kErrorKmeVersionConflict,
                "stored KME version is not the one this confirm was issued after");
}

Checked<std::uint32_t> confirm_kme(const HssContext& ctx, const store::PairView& pair,
                                   std::string_view imei, const s6a::KmeConfirm& confirm,
                                   std::int64_t now, const LinkInfo& link) {
  const store::SubscriberRecord& sub = pair.subscriber;
  if (sub.binding_mode != store::BindingMode::kKmeRequired) {
    return refuse(s6a::kErrorProcedureNotAllowed,
                  "KME-Confirm for a subscriber that does not require binding with KME");
  }
  if (confirm.procedure != s6a::KmeProcedure::kSharedWithCnn &&
      confirm.procedure != s6a::KmeProcedure::kHiddenFromCnn) {
    return refuse(s6a::kInvalidAvpValue, "KME-Confirm names an unknown procedure");
  }
  if (!procedure_permitted(confirm.procedure, sub, ctx.config, link)) {
    return refuse(s6a::kErrorProcedureNotAllowed,
                  "KME procedure " + std::to_string(static_cast<int>(confirm.procedure)) +
                      " not allowed for the subscriber on this link");
  }
  if (confirm.kme_version == 0) {
    return refuse(s6a::kInvalidAvpValue, "KME-Confirm version 0 (versions start at 1)");
  }
  if (confirm.procedure == s6a::KmeProcedure::kSharedWithCnn) {
    if (confirm.kme.size() != crypto::kKmeSize) {
      return refuse(s6a::kInvalidAvpValue, "procedure 1 KME is not 32 octets");
    }
    // A procedure-1 confirm carries the KME itself (its Cookie shows the HSS issued it, not when),
    // so the HSS takes one only where its KME-Request would have provisioned
    // (kme_request_procedure.cpp): the pair holds no KME, or a renewal was requested for the pair's
    // KME (KmeRecord::renewal_requested; the subscriber's other pairs do not count). Otherwise
    // that request would have challenged the device, and a confirm would let the CNN replace a KME
    // — even one it never saw (procedure 2) — with one of its own choosing. The same confirm again
    // (a ULR re-sent after the store committed it) is still answered by store_confirmed.
    if (pair.kme && !pair.kme->renewal_requested &&
        !(pair.kme->version == confirm.kme_version &&
          pair.kme->procedure == store::kKmeProcedure1)) {
      return refuse(s6a::kErrorKmeConfirmFailed,
                    "procedure 1 KME-Confirm for a pair that holds a KME with no renewal "
                    "requested: its KME-Request challenges the device, it does not provision");
    }
    if (confirm.cookie.empty()) {
      return refuse(s6a::kErrorKmeConfirmFailed,
                    "procedure 1 KME-Confirm without the Cookie of its KMA: the HSS takes only a "
                    "KME it issued");
    }
    if (auto ok = check_procedure1_cookie(ctx, sub.imsi, imei, confirm, now); !ok) {
      return std::unexpected(ok.error());
    }
    // The Cookie shows that this HSS issued the KME for the pair and version, not that the device
    // holds it (the CNN checked its Rsp, and an admitted CNN can get a Cookie from a KME-Request
    // of its own): a procedure-1 confirm that lost a race marks nothing (refuse_same_version).
    return store_confirmed(ctx, sub.imsi, imei, confirm.kme, confirm, /*device_proven=*/false);
  }
  auto kme = open_confirm_cookie(ctx, sub.imsi, imei, pair.device, confirm, now);
  if (!kme) return std::unexpected(kme.error());
  return store_confirmed(ctx, sub.imsi, imei, *kme, confirm, /*device_proven=*/true);
}

// kmebind hardening of device authentication (docs/security.md §3.21): the HSS checks the device's
// Rsp to the challenge it issued against the stored KME itself, not only the CNN.
Checked<std::uint32_t> check_device_proof(const HssContext& ctx, const store::PairView& pair,
                                          std::string_view imei, const s6a::DeviceProof& proof,
                                          std::int64_t now) {
  auto token =
      crypto::open_challenge_token(ctx.cookie_keys, proof.challenge_token, pair.subscriber.imsi,
                                   imei, now, ctx.config.challenge_lifetime_s);
  if (!token) {
    return std::unexpected(sealed_token_refusal(token.error(), "challenge token",
                                                s6a::kErrorDeviceProofFailed,
                                                s6a::kErrorDeviceProofFailed));
  }
  if (!pair.kme) {
    return refuse(s6a::kErrorDeviceProofFailed, "the pair has no KME stored any more");
  }
  if (pair.kme->renewal_requested) {
    // The next KME-Request provisions: a challenge issued before the renewal no longer counts.
    return refuse(s6a::kErrorDeviceProofFailed, "a KME renewal was requested since the challenge");
  }
  if (token->kme_version != pair.kme->version || proof.kme_version != token->kme_version) {
    return refuse(s6a::kErrorDeviceProofFailed,
                  "the challenge was made with another KME version than the stored one");
  }
  auto expected = crypto::compute_rsp(pair.kme->kme, token->nonce);
  if (!expected) return refuse(s6a::kUnableToComply, "XRsp: " + expected.error().what());
  if (!crypto::rsp_matches(*expected, proof.rsp)) {
    return refuse(s6a::kErrorDeviceProofFailed, "the device's Rsp does not match the stored KME");
  }
  return token->kme_version;
}

Checked<s6a::UpdateLocationAnswer> answer_ulr(const HssContext& ctx,
                                              const s6a::UpdateLocationRequest& ulr,
                                              std::int64_t now, const LinkInfo& link,
                                              std::string& note) {
  if (auto ok = check_imsi(ulr.imsi); !ok) return std::unexpected(ok.error());
  if (auto ok = check_plmn_id(ulr.visited_plmn_id); !ok) return std::unexpected(ok.error());
  // With a usable IMEI, the subscriber and its pair in one store call; else the subscriber alone
  // (enough for a subscriber without binding, and for the refusals below).
  std::optional<std::string> terminal_imei;
  if (ulr.terminal) {
    if (auto imei = check_imei(ulr.terminal->imei)) terminal_imei = std::move(*imei);
  }
  store::PairView pair;
  if (terminal_imei) {
    auto loaded = load_pair(ctx.store, ulr.imsi, *terminal_imei);
    if (!loaded) return std::unexpected(loaded.error());
    pair = std::move(*loaded);
  } else {
    auto loaded = load_subscriber(ctx.store, ulr.imsi);
    if (!loaded) return std::unexpected(loaded.error());
    pair.subscriber = std::move(*loaded);
  }
  const store::SubscriberRecord& sub = pair.subscriber;

  s6a::UpdateLocationAnswer ula;
  if (ctx.config.msisdn) ula.msisdn = *ctx.config.msisdn;
  if (sub.binding_mode == store::BindingMode::kNone) {
    if (ulr.kme_confirm || ulr.device_proof) {
      return refuse(s6a::kErrorProcedureNotAllowed,
                    std::string(ulr.kme_confirm ? "KME-Confirm" : "KME-Device-Proof") +
                        " for a subscriber without IMSI/IMEI binding");
    }
    note = "location updated";
    return ula;
  }
  // TR 33.868 §5.4.4.2.1.3: the HSS checks the IMSI/IMEI pair at Update Location.
  if (!ulr.terminal) {
    return refuse(s6a::kMissingAvp, "Terminal-Information is required for IMSI/IMEI binding");
  }
  auto imei = check_imei(ulr.terminal->imei);
  if (!imei) return std::unexpected(imei.error());
  if (!pair.binding_allowed) {
    return refuse(s6a::kErrorBindingViolation, "IMSI/IMEI pair is not allowed");
  }
  if (ulr.kme_confirm && ulr.device_proof) {
    return refuse(s6a::kInvalidAvpValue, "ULR carries both KME-Confirm and KME-Device-Proof");
  }
  if (ulr.device_proof) {
    if (sub.binding_mode != store::BindingMode::kKmeRequired) {
      return refuse(s6a::kErrorProcedureNotAllowed,
                    "KME-Device-Proof for a subscriber that does not require binding with KME");
    }
    auto proven = check_device_proof(ctx, pair, *imei, *ulr.device_proof, now);
    if (!proven) return std::unexpected(proven.error());
    note = "location updated; device proved KME version " + std::to_string(*proven);
    return ula;
  }
  if (!ulr.kme_confirm) {
    // docs/security.md §3.21: a KME-required pair is registered only with a proof the HSS checks.
    if (sub.binding_mode == store::BindingMode::kKmeRequired) {
      return refuse(s6a::kErrorKmeProofMissing,
                    pair.kme ? "ULR without KME-Device-Proof for a pair with a stored KME"
                             : "ULR without KME-Confirm for a pair with no KME stored yet");
    }
    note = "location updated; IMSI/IMEI pair allowed";
    return ula;
  }
  auto version = confirm_kme(ctx, pair, *imei, *ulr.kme_confirm, now, link);
  if (!version) return std::unexpected(version.error());
  ula.kme_version_stored = *version;
  note = "location updated; KME version " + std::to_string(*version) + " stored by procedure " +
         std::to_string(static_cast<int>(ulr.kme_confirm->procedure));
  return ula;
}

}  // namespace

s6a::UpdateLocationAnswer run_ulr(const HssContext& ctx, const s6a::UpdateLocationRequest& ulr,
                                  std::int64_t now_unix_s, const LinkInfo& link,
                                  HssEvent& event) {
  std::string note;
  auto answer = answer_ulr(ctx, ulr, now_unix_s, link, note);
  if (!answer) {
    s6a::UpdateLocationAnswer refused;
    refused.result = report(answer.error(), event);
    refused.ula_flags = 0;
    return refused;
  }
  event.result = s6a::kSuccess;
  event.reason = std::move(note);
  return std::move(*answer);
}

}  // namespace kmebind::hss
