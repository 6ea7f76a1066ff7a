#include "crypto_floor.h"

#include <optional>

#include "crypto/eea2.h"
#include "crypto/eia2.h"
#include "crypto/evp_keys.h"
#include "crypto/hash.h"
#include "crypto/kdf.h"
#include "crypto/kme.h"
#include "crypto/milenage.h"
#include "crypto/random.h"
#include "nas/kme_payload.h"
#include "sim/provisioning.h"
#include "store/key_wrap.h"

namespace kmebind::bench {
namespace {

constexpr std::size_t kNasPduOctets = 64;
constexpr std::uint8_t kEea2 = 2;
constexpr std::uint8_t kEia2 = 2;

// Keeps the compiler from dropping a result.
template <class T>
void keep(const T& v) {
  asm volatile("" : : "g"(&v) : "memory");
}

}  // namespace

struct CryptoFloor::Inputs {
  ue::UeProfile device;
  store::DeviceRecord stored;  // the device's public keys as the HSS reads them from the store
  store::KeyWrap wrap{bench_master_key()};
  crypto::CookieKeyRing ring;
  Bytes sealed_k, sealed_opc;
  Bytes sn_id;
  Bytes sqn{0, 0, 0, 0, 0x01, 0x20};
  Bytes amf{0x80, 0x00};
  SecretBytes plaintext;  // the KME payload the HSS encrypts
  Bytes scheme_output;    // what the UE decrypts
  SecretBytes kme;
  Bytes nonce;
  Bytes cookie;  // issued at kNowUnix
  Bytes transcript, signature;
  crypto::NasKeys nas_keys;
  Bytes nas_pdu = Bytes(kNasPduOctets, 0x5a);
  std::optional<crypto::Milenage> ue_milenage;
  std::optional<crypto::EciesDecryptor> ue_decryptor;  // the device's keys, parsed once
  std::optional<crypto::Signer> ue_signer;
  crypto::detail::PkeyPtr x25519_own, x25519_peer;
};

CryptoFloor::CryptoFloor(const Combo& combo) : in_(std::make_unique<Inputs>()), combo_(combo) {
  Inputs& in = *in_;
  in.device = must(ue::make_ue_profile(imsi_for(1), 1, combo.ecies, combo.sig), "profile");
  in.stored = must(sim::device_record(in.device), "device record");
  must(in.ring.add_key(1, SecretBytes(Bytes(32, 0x17))), "cookie key");
  in.sealed_k = must(in.wrap.seal_k(in.device.imsi, in.device.k), "seal K");
  in.sealed_opc = must(in.wrap.seal_opc(in.device.imsi, in.device.opc), "seal OPc");
  in.sn_id = must(crypto::plmn_to_sn_id(kPlmn), "SN id");
  in.kme = must(crypto::random_secret(crypto::kKmeSize), "KME");
  in.nonce = must(crypto::random_bytes(crypto::kNonceSize), "Nonce");

  nas::KmePayload payload;
  payload.procedure = combo.procedure == 2 ? nas::KmeProcedure::kNotSharedWithCnn
                                           : nas::KmeProcedure::kSharedWithCnn;
  payload.imei = in.device.imei15;
  payload.kme_version = 1;
  payload.kme = in.kme.clone();
  if (combo.procedure == 2) {
    nas::KmeNonce n{};
    std::copy(in.nonce.begin(), in.nonce.end(), n.begin());
    payload.nonce = n;
  }
  in.plaintext = must(nas::encode_kme_payload(payload), "payload");
  in.scheme_output = must(
      crypto::ecies_encrypt(combo.ecies, in.device.ecies.public_key, in.plaintext.view()), "ECIES");
  // Procedure 1's Cookie has a zero Nonce and its own AAD label (protocol.md §2).
  const bool procedure1 = combo.procedure == 1;
  crypto::CookieContent content{
      in.device.imsi, in.device.imei14,
      in.kme.clone(), procedure1 ? Bytes(crypto::kNonceSize, 0) : in.nonce,
      kNowUnix,       1};
  in.cookie = must(crypto::seal_cookie(in.ring, content,
                                       procedure1 ? crypto::CookieUse::kProcedure1
                                                  : crypto::CookieUse::kProcedure2),
                   "Cookie");
  in.transcript =
      must(crypto::kme_transcript_checked(in.device.imsi, in.device.imei14, in.nonce, in.kme),
           "transcript");
  in.signature =
      must(crypto::sign(combo.sig, in.device.signature.private_key, in.transcript), "sign");
  auto kasme = must(crypto::random_secret(crypto::kKasmeSize), "KASME");
  in.nas_keys = must(crypto::derive_nas_keys(kasme, kEea2, kEia2), "NAS keys");
  in.ue_milenage = must(crypto::Milenage::create(in.device.k, in.device.opc), "MILENAGE");
  in.ue_decryptor =
      must(crypto::EciesDecryptor::create(combo.ecies, in.device.ecies.private_key), "decryptor");
  in.ue_signer = must(crypto::Signer::create(combo.sig, in.device.signature.private_key), "signer");

  auto x_own = must(crypto::ecies_generate(crypto::EciesProfile::kA), "X25519 key");
  auto x_peer = must(crypto::ecies_generate(crypto::EciesProfile::kA), "X25519 key");
  in.x25519_own =
      must(crypto::detail::private_key(crypto::detail::Curve::kX25519, x_own.private_key.view(),
                                       Code::kInvalidArgument),
           "X25519 parse");
  in.x25519_peer = must(crypto::detail::public_key(crypto::detail::Curve::kX25519,
                                                   x_peer.public_key, Code::kInvalidArgument),
                        "X25519 parse");
}

CryptoFloor::~CryptoFloor() = default;
CryptoFloor::CryptoFloor(CryptoFloor&&) noexcept = default;

namespace {

// One NAS PDU: 128-EEA2 over the message and 128-EIA2 over SQN ‖ message (TS 33.401 B.1.3,
// B.2.3; TS 24.301 §4.4.3.3), or EIA2 only.
void nas_pdu(const crypto::NasKeys& keys, ByteView pdu, bool ciphered) {
  if (ciphered) {
    keep(must(crypto::eea2(keys.k_nas_enc, 1, 0, 0, pdu, 8 * pdu.size()), "EEA2"));
  }
  keep(must(crypto::eia2_mac(keys.k_nas_int, 1, 0, 0, pdu, 8 * pdu.size()), "EIA2"));
}

void attach_nas_pdus(const crypto::NasKeys& keys, ByteView pdu, int ciphered) {
  nas_pdu(keys, pdu, false);  // Security mode command (integrity only)
  for (int i = 0; i < ciphered; ++i) nas_pdu(keys, pdu, true);
}

}  // namespace

void CryptoFloor::hss_air() {
  Inputs& in = *in_;
  auto k = must(in.wrap.open_k(in.device.imsi, in.sealed_k), "open K");
  auto opc = must(in.wrap.open_opc(in.device.imsi, in.sealed_opc), "open OPc");
  auto rand = must(crypto::random_bytes(crypto::kRandSize), "RAND");
  auto milenage = must(crypto::Milenage::create(k, opc), "MILENAGE");
  auto out = must(milenage.compute(rand, in.sqn, in.amf), "MILENAGE");
  keep(must(crypto::derive_kasme(out.ck, out.ik, in.sn_id, out.ak), "KASME"));
}

void CryptoFloor::hss_kme_request() {
  Inputs& in = *in_;
  auto kme = must(crypto::random_secret(crypto::kKmeSize), "KME");
  keep(kme);
  keep(must(crypto::ecies_encrypt(combo_.ecies, in.stored.enc_public_key, in.plaintext.view()),
            "ECIES encrypt"));
  if (combo_.procedure != 2) {
    // Procedure 1's Cookie: the KME sealed for the HSS, returned with the confirm.
    crypto::CookieContent content{in.device.imsi, in.device.imei14,
                                  std::move(kme), Bytes(crypto::kNonceSize, 0),
                                  kNowUnix,       1};
    keep(
        must(crypto::seal_cookie(in.ring, content, crypto::CookieUse::kProcedure1), "Cookie seal"));
    return;
  }
  auto nonce = must(crypto::random_bytes(crypto::kNonceSize), "Nonce");
  keep(must(crypto::compute_rsp(kme, nonce), "XRsp"));
  crypto::CookieContent content{in.device.imsi, in.device.imei14, std::move(kme),
                                nonce,          kNowUnix,         1};
  keep(must(crypto::seal_cookie(in.ring, content), "Cookie seal"));
}

void CryptoFloor::hss_ulr() {
  Inputs& in = *in_;
  if (combo_.procedure == 1) {
    auto content =
        must(crypto::open_cookie(in.ring, in.cookie, in.device.imsi, in.device.imei14, kNowUnix,
                                 crypto::kCookieDefaultLifetimeS, crypto::CookieUse::kProcedure1),
             "Cookie open");
    keep(content.kme == in.kme);
  } else if (combo_.procedure == 2) {
    auto content = must(crypto::open_cookie(in.ring, in.cookie, in.device.imsi, in.device.imei14,
                                            kNowUnix, crypto::kCookieDefaultLifetimeS),
                        "Cookie open");
    auto transcript = must(crypto::kme_transcript_checked(in.device.imsi, in.device.imei14,
                                                          content.nonce, content.kme),
                           "transcript");
    must(crypto::verify(combo_.sig, in.stored.sig_public_key, transcript, in.signature), "verify");
  }
  keep(must(in.wrap.seal_kme(in.device.imsi, in.device.imei14, 1, in.kme), "seal KME"));
}

void CryptoFloor::cnn_attach() {
  Inputs& in = *in_;
  auto kasme = SecretBytes(Bytes(crypto::kKasmeSize, 0x33));
  keep(must(crypto::derive_nas_keys(kasme, kEea2, kEia2), "NAS keys"));
  attach_nas_pdus(in.nas_keys, in.nas_pdu, 5);
  if (combo_.procedure == 1) {
    auto nonce = must(crypto::random_bytes(crypto::kNonceSize), "Nonce");
    keep(must(crypto::compute_rsp(in.kme, nonce), "XRsp"));
  }
}

void CryptoFloor::ue_aka() {
  Inputs& in = *in_;
  auto rand = Bytes(crypto::kRandSize, 0x21);
  keep(must(in.ue_milenage->f5(rand), "f5"));
  auto out = must(in.ue_milenage->compute(rand, in.sqn, in.amf), "MILENAGE");
  auto kasme = must(crypto::derive_kasme(out.ck, out.ik, in.sn_id, out.ak), "KASME");
  keep(must(crypto::derive_nas_keys(kasme, kEea2, kEia2), "NAS keys"));
}

void CryptoFloor::ue_kme_provisioning() {
  Inputs& in = *in_;
  nas_pdu(in.nas_keys, in.nas_pdu, true);  // KME Provisioning Command in
  auto plain = must(in.ue_decryptor->decrypt(in.scheme_output), "ECIES decrypt");
  keep(plain);
  keep(must(crypto::compute_rsp(in.kme, in.nonce), "Rsp"));
  if (combo_.procedure == 2) {
    auto transcript =
        must(crypto::kme_transcript_checked(in.device.imsi, in.device.imei14, in.nonce, in.kme),
             "transcript");
    keep(must(in.ue_signer->sign(transcript), "sign"));
  }
  nas_pdu(in.nas_keys, in.nas_pdu, true);  // KME Provisioning Response out
}

void CryptoFloor::ue_attach() {
  ue_aka();
  attach_nas_pdus(in_->nas_keys, in_->nas_pdu, 3);  // SMC, SMC complete, Attach accept/complete
  ue_kme_provisioning();
}

void CryptoFloor::x25519_derive() {
  Inputs& in = *in_;
  keep(must(crypto::detail::shared_secret(in.x25519_own.get(), in.x25519_peer.get()), "X25519"));
}

void CryptoFloor::device_sign() {
  Inputs& in = *in_;
  keep(must(in.ue_signer->sign(in.transcript), "sign"));
}

}  // namespace kmebind::bench
