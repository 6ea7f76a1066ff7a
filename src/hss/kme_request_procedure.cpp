#include "hss/kme_request_procedure.h"

#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "crypto/challenge_token.h"
#include "crypto/cookie.h"
#include "crypto/kme.h"
#include "crypto/random.h"
#include "hss/device_keys.h"
#include "hss/identity.h"
#include "hss/payload_sealing.h"
#include "hss/procedure_policy.h"
#include "hss/store_lookups.h"

namespace kmebind::hss {
namespace {

// The checks of seed steps 2a-3 that come before any KME material is made, on one read of the
// pair (SubscriberStore::get_pair or get_sole_pair), in the order of Hss::on_kme_request.
struct Subject {
  store::SubscriberRecord subscriber;  // without K and OPc
  std::string imei;  // 14 digits, as the store keys it
  store::DeviceRecord device;
  std::optional<store::KmeRecord> stored;  // the pair's current KME
  std::uint32_t kme_version = 0;           // the pair's version counter
};

// The checks on the pair once read: binding mode, binding list, device keys.
Checked<Subject> check_pair(store::PairView&& pair, std::string&& imei) {
  if (pair.subscriber.binding_mode != store::BindingMode::kKmeRequired) {
    return refuse(s6a::kErrorProcedureNotAllowed,
                  "subscriber does not require binding with KME; no KME procedure runs");
  }
  // TR 33.868 §5.4.4.2.1.3: the pair must be on the binding list.
  if (!pair.binding_allowed) {
    return refuse(s6a::kErrorBindingViolation, "IMSI/IMEI pair is not allowed");
  }
  if (!pair.device) return refuse(s6a::kErrorNoDeviceKey, "no public keys for the IMEI");
  if (pair.device->enc_public_key.empty()) {
    return refuse(s6a::kErrorNoDeviceKey, "device has no encryption public key");
  }
  return Subject{std::move(pair.subscriber), std::move(imei), std::move(*pair.device),
                 std::move(pair.kme), pair.kme_version};
}

// Device authentication with the stored KME (DESIGN.md §3): Nonce random, HXRsp of XRsp =
// Rsp(KME, Nonce) for the CNN, and the token the ULR returns with the device's Rsp
// (docs/security.md §3.21).
Checked<s6a::DeviceChallenge> make_challenge(const HssContext& ctx, const Subject& subject,
                                             std::int64_t now) {
  const store::KmeRecord& stored = *subject.stored;
  auto nonce = crypto::random_bytes(crypto::kNonceSize);
  if (!nonce) return refuse(s6a::kUnableToComply, "Nonce: " + nonce.error().what());
  auto xrsp = crypto::compute_rsp(stored.kme, *nonce);
  if (!xrsp) return refuse(s6a::kUnableToComply, "XRsp: " + xrsp.error().what());
  auto hxrsp = crypto::compute_hxrsp(*nonce, *xrsp);
  if (!hxrsp) return refuse(s6a::kUnableToComply, "HXRsp: " + hxrsp.error().what());
  auto token = crypto::seal_challenge_token(
      ctx.cookie_keys, {subject.subscriber.imsi, subject.imei, *nonce, now, stored.version});
  if (!token) return refuse(s6a::kUnableToComply, "challenge token: " + token.error().what());
  return s6a::DeviceChallenge{stored.version, std::move(*nonce), std::move(*hxrsp),
                              std::move(*token)};
}

// Seed step 4 of §5.4.4.2.3.3.1 (procedure 1: ECIES(payload) and KME) or of §5.4.4.2.3.3.2
// (procedure 2: ECIES(payload with Nonce), Cookie, XRsp).
Checked<s6a::KmeProvisioning> make_provisioning(const HssContext& ctx, const Subject& subject,
                                                s6a::KmeProcedure procedure,
                                                std::uint32_t version, std::int64_t now) {
  auto kme = crypto::random_secret(crypto::kKmeSize);
  if (!kme) return refuse(s6a::kUnableToComply, "KME: " + kme.error().what());
  std::optional<Bytes> nonce;
  if (procedure == s6a::KmeProcedure::kHiddenFromCnn) {
    auto drawn = crypto::random_bytes(crypto::kNonceSize);
    if (!drawn) return refuse(s6a::kUnableToComply, "Nonce: " + drawn.error().what());
    nonce = std::move(*drawn);
  }
  auto payload = seal_kme_payload(subject.device, procedure, subject.imei, version, *kme,
                                  nonce ? std::optional<ByteView>(*nonce) : std::nullopt);
  if (!payload) return std::unexpected(payload.error());

  s6a::KmeProvisioning out;
  out.procedure = procedure;
  out.ecies_profile = to_s6a_profile(subject.device.enc_profile);
  out.kme_version = version;
  out.encrypted_payload = std::move(*payload);
  if (procedure == s6a::KmeProcedure::kSharedWithCnn) {
    // kmebind: the KME sealed for the HSS itself too, for the CNN to return with the confirm, so
    // that the HSS can tell it issued that KME for the pair and version (docs/protocol.md §2).
    // Procedure 1 has no Nonce: the Cookie's is zero.
    crypto::CookieContent content{subject.subscriber.imsi,      subject.imei, kme->clone(),
                                  Bytes(crypto::kNonceSize, 0), now,          version};
    auto cookie = crypto::seal_cookie(ctx.cookie_keys, content, crypto::CookieUse::kProcedure1);
    if (!cookie) return refuse(s6a::kUnableToComply, "Cookie: " + cookie.error().what());
    out.cookie = std::move(*cookie);
    out.kme = std::move(*kme);
    return out;
  }
  auto xrsp = crypto::compute_rsp(*kme, *nonce);
  if (!xrsp) return refuse(s6a::kUnableToComply, "XRsp: " + xrsp.error().what());
  crypto::CookieContent content{subject.subscriber.imsi, subject.imei, std::move(*kme), *nonce,
                                now, version};
  auto cookie = crypto::seal_cookie(ctx.cookie_keys, content);
  if (!cookie) return refuse(s6a::kUnableToComply, "Cookie: " + cookie.error().what());
  out.cookie = std::move(*cookie);
  out.xrsp = std::move(*xrsp);
  return out;
}

}  // namespace

Checked<KmeAction> answer_kme_pair(const HssContext& ctx, store::PairView pair, std::string imei,
                                   std::uint8_t supported_procedures, std::int64_t now,
                                   const LinkInfo& link, std::string& note) {
  auto subject = check_pair(std::move(pair), std::move(imei));
  if (!subject) return std::unexpected(subject.error());
  const std::optional<store::KmeRecord>& stored = subject->stored;

  // The pair's own renewal state (request_kme_renewal marks each pair's KME; storing the new KME
  // clears that pair's mark only), read with the pair's KME row.
  if (stored && !stored->renewal_requested) {
    auto challenge = make_challenge(ctx, *subject, now);
    if (!challenge) return std::unexpected(challenge.error());
    note = "device challenge with stored KME version " + std::to_string(stored->version);
    return KmeAction(std::move(*challenge));
  }

  const auto procedure =
      choose_procedure(subject->subscriber, ctx.config, link, supported_procedures);
  if (!procedure) {
    return refuse(s6a::kErrorProcedureNotAllowed,
                  "no KME procedure both allowed for the subscriber on this link and supported "
                  "by the CNN");
  }
  if (*procedure == s6a::KmeProcedure::kHiddenFromCnn && subject->device.sig_public_key.empty()) {
    return refuse(s6a::kErrorNoDeviceKey, "device has no signature public key (procedure 2)");
  }
  // The current KME's version, or — none present — the last revoked one's (0: never had one).
  const std::uint32_t previous = stored ? stored->version : subject->kme_version;
  if (previous == std::numeric_limits<std::uint32_t>::max()) {
    return refuse(s6a::kUnableToComply, "KME version counter of the pair exhausted");
  }
  auto provisioning = make_provisioning(ctx, *subject, *procedure, previous + 1, now);
  if (!provisioning) return std::unexpected(provisioning.error());
  note = "KME version " + std::to_string(previous + 1) + " provisioning by procedure " +
         std::to_string(static_cast<int>(*procedure)) +
         (stored ? " (renewal requested)" : "");
  return KmeAction(std::move(*provisioning));
}

namespace {

// The KME-Request: its identifiers, one read of the pair (get_pair), then answer_kme_pair.
Checked<KmeAction> answer_kme_request(const HssContext& ctx, const s6a::KmeRequest& kmr,
                                      std::int64_t now, const LinkInfo& link, std::string& note) {
  if (auto ok = check_imsi(kmr.imsi); !ok) return std::unexpected(ok.error());
  auto imei = check_imei(kmr.imei);
  if (!imei) return std::unexpected(imei.error());
  auto pair = load_pair(ctx.store, kmr.imsi, *imei);
  if (!pair) return std::unexpected(pair.error());
  return answer_kme_pair(ctx, std::move(*pair), std::move(*imei), kmr.supported_procedures, now,
                         link, note);
}

}  // namespace

s6a::KmeAnswer run_kme_request(const HssContext& ctx, const s6a::KmeRequest& kmr,
                               std::int64_t now_unix_s, const LinkInfo& link, HssEvent& event) {
  std::string note;
  auto action = answer_kme_request(ctx, kmr, now_unix_s, link, note);
  s6a::KmeAnswer kma;
  if (!action) {
    kma.result = report(action.error(), event);
    return kma;
  }
  std::visit([&kma](auto&& made) { kma.action = std::forward<decltype(made)>(made); },
             std::move(*action));
  event.result = s6a::kSuccess;
  event.reason = std::move(note);
  return kma;
}

}  // namespace kmebind::hss
