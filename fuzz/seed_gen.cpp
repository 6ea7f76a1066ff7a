// Writes the seed corpus of every harness (docs/fuzzing.md) from the real encoders: plain NAS PDUs
// from encode_nas of the reference messages of tests/nas/reference_pdus.h, security-protected PDUs
// from NasSecurityContext::protect with the fixture keys, KME containers and payloads, ECIES
// outputs, Cookies and signatures, and S6a Diameter messages from the codec's append_* functions.
//
//   kmebind_seed_gen OUTDIR      → OUTDIR/<harness>/<seed name>
//
// Deterministic except for the ECDSA signatures (random k). Exit 0, or 1 naming what failed.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "crypto/challenge_token.h"
#include "crypto/cookie.h"
#include "crypto/ecies.h"
#include "crypto/signature.h"
#include "diameter/s6a_codec.h"
#include "diameter_fixture.h"
#include "fuzz_fixture.h"
#include "nas/kme_messages.h"
#include "nas/kme_payload.h"
#include "nas/nas_message.h"
#include "nas/security_context.h"
#include "nas_test_util.h"
#include "sim_config.h"

namespace kmebind::fuzz {
namespace {

namespace fs = std::filesystem;

bool g_failed = false;

void fail_seed(const std::string& what) {
  std::fprintf(stderr, "seed_gen: %s\n", what.c_str());
  g_failed = true;
}

void write_seed(const fs::path& dir, const std::string& name, ByteView octets) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(octets.data()), static_cast<std::streamsize>(octets.size()));
  if (!out) fail_seed("cannot write " + (dir / name).string());
}

template <class T>
bool ok(const Result<T>& r, const std::string& what) {
  if (!r) fail_seed(what + ": " + r.error().message());
  return r.has_value();
}

Bytes pattern(std::size_t n, std::uint8_t start) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(start + i);
  return out;
}

Bytes with_selector(std::uint8_t selector, ByteView rest) {
  Bytes out{selector};
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

// --- NAS -----------------------------------------------------------------------------------

void nas_seeds(const fs::path& root) {
  const auto refs = nas::test::reference_detail::build();
  for (const auto& ref : refs) {
    auto pdu = nas::encode_nas(ref.message);
    if (!ok(pdu, "encode " + ref.name)) continue;
    write_seed(root / "nas_decode_fuzz", ref.name, *pdu);
    if (*pdu != ref.pdu) write_seed(root / "nas_decode_fuzz", ref.name + "_reference", ref.pdu);
    if ((*pdu)[0] != 0x07) continue;  // only EMM messages are security protected
    using nas::CipheringAlgorithm;
    using nas::IntegrityAlgorithm;
    using nas::SecurityHeaderType;
    struct Variant {
      const char* name;
      nas::NasSecurityAlgorithms algorithms;
      SecurityHeaderType type;
      std::uint32_t count;
    };
    const Variant variants[] = {
        {"eia2_eea2_ciphered", {CipheringAlgorithm::kEea2, IntegrityAlgorithm::kEia2},
         SecurityHeaderType::kIntegrityProtectedCiphered, 0},
        {"eia2_eea2_integrity", {CipheringAlgorithm::kEea2, IntegrityAlgorithm::kEia2},
         SecurityHeaderType::kIntegrityProtected, 3},
        {"eia2_eea2_new_context", {CipheringAlgorithm::kEea2, IntegrityAlgorithm::kEia2},
         SecurityHeaderType::kIntegrityProtectedCipheredNewContext, 0},
        {"eia0_eea0_ciphered", {CipheringAlgorithm::kEea0, IntegrityAlgorithm::kEia0},
         SecurityHeaderType::kIntegrityProtectedCiphered, 0},
        {"eia2_eea2_count_high", {CipheringAlgorithm::kEea2, IntegrityAlgorithm::kEia2},
         SecurityHeaderType::kIntegrityProtectedCiphered, 0xfffe00 + 0xf4},
    };
    for (const Variant& v : variants) {
      auto ctx = nas::NasSecurityContext::create(v.algorithms, nas_int_key(), nas_enc_key(),
                                                 nas::NasCount::from_value(v.count),
                                                 nas::NasCount::from_value(v.count));
      if (!ok(ctx, "NAS security context")) return;
      auto protected_pdu = ctx->protect(*pdu, v.type, ref.direction);
      if (!ok(protected_pdu, "protect " + ref.name)) continue;
      write_seed(root / "nas_security_fuzz", ref.name + "_" + v.name, *protected_pdu);
    }
  }
}

// --- KME containers, payloads, ECIES, Cookie, signatures -------------------------------------

nas::KmeNonce nonce(std::uint8_t start) {
  nas::KmeNonce n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(start + i);
  return n;
}

void kme_and_crypto_seeds(const fs::path& root) {
  const fs::path kme_dir = root / "kme_fuzz";
  const fs::path crypto_dir = root / "crypto_open_fuzz";

  // KME payloads, and their ECIES scheme outputs to the fixture device keys.
  std::vector<Bytes> scheme_outputs;
  for (nas::KmeProcedure procedure : {nas::KmeProcedure::kSharedWithCnn, nas::KmeProcedure::kNotSharedWithCnn}) {
    nas::KmePayload payload;
    payload.procedure = procedure;
    payload.imei = std::string(kImei);
    payload.kme_version = 3;
    payload.kme = fixed_key(32, 0x71);
    if (procedure == nas::KmeProcedure::kNotSharedWithCnn) payload.nonce = nonce(0x90);
    auto plain = nas::encode_kme_payload(payload);
    const std::string p = procedure == nas::KmeProcedure::kSharedWithCnn ? "1" : "2";
    if (!ok(plain, "encode KME payload")) continue;
    write_seed(kme_dir, "payload_procedure" + p, plain->view());
    const SecretBytes priv_a = ecies_private_a();
    const SecretBytes priv_b = ecies_private_b();
    const SecretBytes eph_a = ecies_eph_a();
    const SecretBytes eph_b = ecies_eph_b();
    auto pub_a = crypto::ecies_public_from_private(crypto::EciesProfile::kA, priv_a);
    auto pub_b = crypto::ecies_public_from_private(crypto::EciesProfile::kB, priv_b);
    if (!ok(pub_a, "ECIES A public key") || !ok(pub_b, "ECIES B public key")) continue;
    auto out_a = crypto::ecies_encrypt(crypto::EciesProfile::kA, *pub_a, plain->view(), &eph_a);
    auto out_b = crypto::ecies_encrypt(crypto::EciesProfile::kB, *pub_b, plain->view(), &eph_b);
    if (!ok(out_a, "ECIES A") || !ok(out_b, "ECIES B")) continue;
    write_seed(crypto_dir, "ecies_a_payload" + p, with_selector(0, *out_a));
    write_seed(crypto_dir, "ecies_b_payload" + p, with_selector(1, *out_b));
    scheme_outputs.push_back(*out_a);
  }

  // The six KME container messages.
  nas::KmeProvisioningCommand cmd1;
  cmd1.procedure = nas::KmeProcedure::kSharedWithCnn;
  cmd1.ecies_scheme_output = scheme_outputs.empty() ? pattern(94, 1) : scheme_outputs.front();
  cmd1.nonce = nonce(0x20);
  cmd1.kme_version = 3;
  nas::KmeProvisioningCommand cmd2 = cmd1;
  cmd2.procedure = nas::KmeProcedure::kNotSharedWithCnn;
  cmd2.ecies_profile = nas::EciesProfile::kProfileB;
  cmd2.nonce.reset();
  nas::KmeProvisioningResponse rsp1;
  rsp1.rsp = nonce(0x30);
  nas::KmeProvisioningResponse rsp2 = rsp1;
  rsp2.signature_algorithm = nas::SignatureAlgorithm::kEd25519;
  rsp2.signature = nas::KmeSignature{};
  rsp2.signature->fill(0x5a);
  nas::DeviceAuthenticationRequest dar;
  dar.nonce = nonce(0x40);
  dar.kme_version = 9;
  nas::DeviceAuthenticationResponse dares;
  dares.rsp = nonce(0x50);
  const std::pair<const char*, nas::KmeMessage> messages[] = {
      {"provisioning_command_procedure1", cmd1},
      {"provisioning_command_procedure2", cmd2},
      {"provisioning_response_procedure1", rsp1},
      {"provisioning_response_procedure2", rsp2},
      {"provisioning_reject",
       nas::KmeProvisioningReject{nas::KmeProvisioningRejectCause::kImeiMismatch, std::nullopt}},
      {"provisioning_reject_version",
       nas::KmeProvisioningReject{nas::KmeProvisioningRejectCause::kVersionNotNewer, 3}},
      {"device_authentication_request", dar},
      {"device_authentication_response", dares},
      {"device_authentication_reject",
       nas::DeviceAuthenticationReject{nas::DeviceAuthenticationRejectCause::kNoKme}},
  };
  for (const auto& [name, message] : messages) {
    auto container = nas::encode_kme(message);
    if (!ok(container, std::string("encode ") + name)) continue;
    write_seed(kme_dir, name, *container);
    // The same container inside a protected Downlink/Uplink generic NAS transport.
    const bool downlink = std::string_view(name).find("command") != std::string_view::npos ||
                          std::string_view(name).find("request") != std::string_view::npos;
    nas::NasMessage transport;
    if (downlink) {
      nas::DownlinkGenericNasTransport t;
      t.generic_message_container = nas::Octets{*container};
      transport = t;
    } else {
      nas::UplinkGenericNasTransport t;
      t.generic_message_container = nas::Octets{*container};
      transport = t;
    }
    auto pdu = nas::encode_nas(transport);
    if (!ok(pdu, std::string("encode transport of ") + name)) continue;
    write_seed(root / "nas_decode_fuzz", std::string("generic_transport_") + name, *pdu);
    auto ctx = nas::NasSecurityContext::create(
        {nas::CipheringAlgorithm::kEea2, nas::IntegrityAlgorithm::kEia2}, nas_int_key(), nas_enc_key());
    if (!ok(ctx, "NAS security context")) continue;
    auto protected_pdu = ctx->protect(*pdu, nas::SecurityHeaderType::kIntegrityProtectedCiphered,
                                      downlink ? nas::Direction::kDownlink : nas::Direction::kUplink);
    if (ok(protected_pdu, "protect transport")) {
      write_seed(root / "nas_security_fuzz", std::string("generic_transport_") + name, *protected_pdu);
    }
  }

  // A Cookie for the fixture's IMSI and IMEI, issued a minute before the fixture's "now".
  crypto::CookieKeyRing ring;
  if (auto st = ring.add_key(kCookieKeyId, cookie_key()); !st) fail_seed("cookie ring");
  crypto::CookieContent content{std::string(kImsi), std::string(kImei), fixed_key(32, 0x71),
                                pattern(16, 0x90), kNowUnixS - 60, 3};
  auto cookie = crypto::seal_cookie(ring, content);
  if (ok(cookie, "seal cookie")) write_seed(crypto_dir, "cookie", with_selector(2, *cookie));

  // Signatures over a transcript-sized message, with the fixture key and with the key inline.
  const Bytes message = pattern(100, 0x10);
  struct Signer {
    const char* name;
    crypto::SignatureAlgorithm alg;
    SecretBytes key;
    std::uint8_t fixed_selector;
    std::uint8_t inline_selector;
  };
  Signer signers[] = {{"ed25519", crypto::SignatureAlgorithm::kEd25519, signing_private_ed25519(), 3, 5},
                      {"ecdsa_p256", crypto::SignatureAlgorithm::kEcdsaP256Sha256, signing_private_p256(), 4, 6}};
  for (const Signer& s : signers) {
    auto sig = crypto::sign(s.alg, s.key, message);
    auto pub = crypto::signature_public_from_private(s.alg, s.key);
    if (!ok(sig, std::string("sign ") + s.name) || !ok(pub, "public key")) continue;
    Bytes fixed{s.fixed_selector, static_cast<std::uint8_t>(sig->size())};
    fixed.insert(fixed.end(), sig->begin(), sig->end());
    fixed.insert(fixed.end(), message.begin(), message.end());
    write_seed(crypto_dir, std::string("signature_") + s.name, fixed);
    Bytes with_key{s.inline_selector, static_cast<std::uint8_t>(pub->size())};
    with_key.insert(with_key.end(), pub->begin(), pub->end());
    with_key.push_back(static_cast<std::uint8_t>(sig->size()));
    with_key.insert(with_key.end(), sig->begin(), sig->end());
    with_key.insert(with_key.end(), message.begin(), message.end());
    write_seed(crypto_dir, std::string("signature_inline_key_") + s.name, with_key);
  }
}

// --- S6a Diameter ----------------------------------------------------------------------------

Bytes bufferize(struct msg* m) {
  std::uint8_t* buffer = nullptr;
  std::size_t len = 0;
  if (fd_msg_bufferize(m, &buffer, &len) != 0) {
    fail_seed("fd_msg_bufferize");
    return {};
  }
  Bytes out(buffer, buffer + len);
  std::free(buffer);
  return out;
}

MsgPtr new_message(dict_object* request_command, bool answer) {
  struct msg* m = nullptr;
  if (fd_msg_new(request_command, MSGFL_ALLOC_ETEID, &m) != 0) std::abort();
  if (answer && fd_msg_new_answer_from_req(s6a_dictionary().dict, &m, 0) != 0) std::abort();
  return MsgPtr(m);
}

template <class T>
void request_seed(const fs::path& dir, const std::string& name, dict_object* command, const T& value) {
  MsgPtr m = new_message(command, false);
  if (auto st = diameter::append_request(s6a_dictionary(), value, m.get()); !st) {
    fail_seed("encode " + name + ": " + st.error().message());
    return;
  }
  write_seed(dir, name, bufferize(m.get()));
}

template <class T>
void answer_seed(const fs::path& dir, const std::string& name, dict_object* command, const T& value) {
  MsgPtr m = new_message(command, true);
  if (auto st = diameter::append_answer(s6a_dictionary(), value, m.get()); !st) {
    fail_seed("encode " + name + ": " + st.error().message());
    return;
  }
  write_seed(dir, name, bufferize(m.get()));
}

void diameter_seeds(const fs::path& root) {
  const fs::path dir = root / "diameter_s6a_fuzz";
  const diameter::S6aDictionary& d = s6a_dictionary();
  const Bytes plmn{0x00, 0xF1, 0x10};

  s6a::AuthenticationInformationRequest air{std::string(kImsi), plmn, 2,
                                            s6a::ResyncInfo{pattern(16, 1), pattern(14, 0x40)}};
  request_seed(dir, "air_resync", d.air, air);
  air.resync.reset();
  air.number_of_vectors = 1;
  request_seed(dir, "air", d.air, air);
  air.kme_prefetch_procedures = 0x03;
  request_seed(dir, "air_kme_prefetch", d.air, air);

  s6a::AuthenticationInformationAnswer aia;
  aia.binding = s6a::BindingRequirement::kKmeRequired;
  for (std::uint8_t i = 0; i < 2; ++i) {
    aia.vectors.push_back({pattern(16, i), pattern(8, 0x20), pattern(16, 0x30), fixed_key(32, 0x44)});
  }
  answer_seed(dir, "aia_two_vectors", d.air, aia);
  s6a::KmeProvisioning prefetched;
  prefetched.procedure = s6a::KmeProcedure::kHiddenFromCnn;
  prefetched.kme_version = 1;
  prefetched.encrypted_payload = pattern(100, 0x51);
  prefetched.cookie = pattern(crypto::kCookieSize, 0x52);
  prefetched.xrsp = pattern(16, 0x53);
  aia.kme_prefetch = std::make_shared<s6a::KmePrefetch>(
      s6a::KmePrefetch{std::string(kImei.substr(0, 14)), std::move(prefetched)});
  answer_seed(dir, "aia_kme_prefetch_provisioning", d.air, aia);
  aia.kme_prefetch = std::make_shared<s6a::KmePrefetch>(s6a::KmePrefetch{
      std::string(kImei.substr(0, 14)),
      s6a::DeviceChallenge{2, pattern(16, 0x54), pattern(16, 0x55), pattern(61, 0x56)}});
  answer_seed(dir, "aia_kme_prefetch_challenge", d.air, aia);
  aia.kme_prefetch.reset();
  answer_seed(dir, "aia_user_unknown", d.air, s6a::AuthenticationInformationAnswer{s6a::kErrorUserUnknown, {}, {}});
  answer_seed(dir, "aia_too_busy", d.air, s6a::AuthenticationInformationAnswer{s6a::kTooBusy, {}, {}});

  s6a::UpdateLocationRequest ulr;
  ulr.imsi = std::string(kImsi);
  ulr.visited_plmn_id = plmn;
  ulr.terminal = s6a::TerminalInformation{std::string(kImei.substr(0, 14)), "01"};
  request_seed(dir, "ulr_imei", d.ulr, ulr);
  s6a::KmeConfirm c1;
  c1.procedure = s6a::KmeProcedure::kSharedWithCnn;
  c1.kme_version = 3;
  c1.kme = fixed_key(32, 0x71);
  c1.cookie = pattern(crypto::kCookieSize, 8);  // procedure 1's Cookie (docs/protocol.md §2)
  ulr.kme_confirm = std::move(c1);
  request_seed(dir, "ulr_kme_confirm_procedure1", d.ulr, ulr);
  s6a::KmeConfirm c2;
  c2.procedure = s6a::KmeProcedure::kHiddenFromCnn;
  c2.kme_version = 3;
  c2.cookie = pattern(crypto::kCookieSize, 7);
  c2.signature_algorithm = 1;
  c2.signature = pattern(64, 9);
  ulr.kme_confirm = std::move(c2);
  request_seed(dir, "ulr_kme_confirm_procedure2", d.ulr, ulr);
  ulr.kme_confirm.reset();
  ulr.device_proof = s6a::DeviceProof{3, pattern(crypto::kChallengeTokenSize, 5), pattern(16, 6)};
  request_seed(dir, "ulr_kme_device_proof", d.ulr, ulr);

  answer_seed(dir, "ula", d.ulr, s6a::UpdateLocationAnswer{s6a::kSuccess, 0x01, "4915123456789", 3u});
  answer_seed(dir, "ula_binding_violation", d.ulr,
              s6a::UpdateLocationAnswer{s6a::kErrorBindingViolation, 0x01, "", std::nullopt});

  request_seed(dir, "kme_request", d.kmr, s6a::KmeRequest{std::string(kImsi), std::string(kImei), 0x03});
  s6a::KmeProvisioning p1;
  p1.procedure = s6a::KmeProcedure::kSharedWithCnn;
  p1.kme_version = 4;
  p1.encrypted_payload = pattern(94, 3);
  p1.kme = fixed_key(32, 0x71);
  p1.cookie = pattern(crypto::kCookieSize, 8);
  answer_seed(dir, "kme_answer_provisioning_procedure1", d.kmr, s6a::KmeAnswer{s6a::kSuccess, std::move(p1)});
  s6a::KmeProvisioning p2;
  p2.procedure = s6a::KmeProcedure::kHiddenFromCnn;
  p2.ecies_profile = 2;
  p2.kme_version = 4;
  p2.encrypted_payload = pattern(127, 3);
  p2.cookie = pattern(crypto::kCookieSize, 7);
  p2.xrsp = pattern(16, 5);
  answer_seed(dir, "kme_answer_provisioning_procedure2", d.kmr, s6a::KmeAnswer{s6a::kSuccess, std::move(p2)});
  answer_seed(dir, "kme_answer_device_challenge", d.kmr,
              s6a::KmeAnswer{s6a::kSuccess, s6a::DeviceChallenge{4, pattern(16, 1), pattern(16, 2),
                                                                 pattern(61, 3)}});
  answer_seed(dir, "kme_answer_no_device_key", d.kmr, s6a::KmeAnswer{s6a::kErrorNoDeviceKey, {}});
}

// --- sim.yaml ----------------------------------------------------------------------------------

void config_seeds(const fs::path& root) {
  app::SimConfig sim;
  sim.cnn_port = 36412;
  sim.connections = 4;
  sim.apn = "internet";
  sim.devices_file = "devices.json";
  sim.pcap_file = "sim.pcap";
  sim.log.level = "info";
  sim.log.file = "sim.log";
  const std::string text = app::render_sim_config(sim);
  write_seed(root / "config_fuzz", "sim_rendered.yaml",
             ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace
}  // namespace kmebind::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path root = argv[1];
  kmebind::fuzz::nas_seeds(root);
  kmebind::fuzz::kme_and_crypto_seeds(root);
  kmebind::fuzz::diameter_seeds(root);
  kmebind::fuzz::config_seeds(root);
  return kmebind::fuzz::g_failed ? 1 : 0;
}
