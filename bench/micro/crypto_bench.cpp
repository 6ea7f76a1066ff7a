// The crypto primitives one by one, and the crypto floor of each role per procedure
// (crypto_floor.h) for every device kind. Names: crypto/<primitive>, floor/<role>/<combo>.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <functional>
#include <memory>

#include "benches.h"
#include "crypto/aead.h"
#include "crypto/cmac.h"
#include "crypto/eea2.h"
#include "crypto/eia2.h"
#include "crypto/evp_keys.h"
#include "crypto/hash.h"
#include "crypto/kdf.h"
#include "crypto/kme.h"
#include "crypto/milenage.h"
#include "crypto/random.h"
#include "crypto_floor.h"

namespace kmebind::bench {
namespace {

template <class T>
void keep(const T& v) {
  benchmark::DoNotOptimize(&v);
}

// The 65-octet form of a P-256 public key given in either form (OpenSSL's point-format
// parameter, then the encoded public key).
Bytes uncompressed_p256(ByteView encoded) {
  auto key =
      must(crypto::detail::public_key(crypto::detail::Curve::kP256, encoded, Code::kMalformed),
           "import");
  if (EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                     OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 1) {
    std::abort();
  }
  unsigned char* out = nullptr;
  const std::size_t n = EVP_PKEY_get1_encoded_public_key(key.get(), &out);
  if (n == 0 || out == nullptr) std::abort();
  Bytes result(out, out + n);
  OPENSSL_free(out);
  return result;
}

void reg(const std::string& name, std::function<void()> body) {
  benchmark::RegisterBenchmark(name.c_str(), [body](benchmark::State& state) {
    for (auto _ : state) body();
  })->Unit(benchmark::kMicrosecond);
}

void register_primitives() {
  // Shared inputs, made once (they live until the process ends, like the registrations).
  static const SecretBytes k(Bytes(16, 0x46)), opc(Bytes(16, 0xcd));
  static const Bytes rand(16, 0x23), sqn{0, 0, 0, 0, 1, 0x20}, amf{0x80, 0};
  static const SecretBytes key16(Bytes(16, 0x11)), key32(Bytes(32, 0x22));
  static const Bytes msg64(64, 0x5a), nonce(16, 0x77), sn_id{0x00, 0xf1, 0x10};
  static crypto::Milenage milenage = must(crypto::Milenage::create(k, opc), "MILENAGE");

  reg("crypto/milenage/create+f1-f5", [] {
    auto m = must(crypto::Milenage::create(k, opc), "MILENAGE");
    keep(must(m.compute(rand, sqn, amf), "compute"));
  });
  reg("crypto/milenage/f1-f5", [] { keep(must(milenage.compute(rand, sqn, amf), "compute")); });
  reg("crypto/milenage/f5", [] { keep(must(milenage.f5(rand), "f5")); });
  reg("crypto/kdf/kasme",
      [] { keep(must(crypto::derive_kasme(key16, key16, sn_id, Bytes(6, 1)), "KASME")); });
  reg("crypto/kdf/nas-keys", [] { keep(must(crypto::derive_nas_keys(key32, 2, 2), "KNAS")); });
  reg("crypto/eia2/64B", [] { keep(must(crypto::eia2_mac(key16, 1, 0, 0, msg64, 512), "EIA2")); });
  reg("crypto/eea2/64B", [] { keep(must(crypto::eea2(key16, 1, 0, 0, msg64, 512), "EEA2")); });
  reg("crypto/aead/seal-32B",
      [] { keep(must(crypto::aead_seal(key32, key32.view(), nonce), "seal")); });
  static const Bytes sealed = must(crypto::aead_seal(key32, key32.view(), nonce), "seal");
  reg("crypto/aead/open-32B", [] { keep(must(crypto::aead_open(key32, sealed, nonce), "open")); });
  reg("crypto/rsp", [] { keep(must(crypto::compute_rsp(key32, nonce), "Rsp")); });
  reg("crypto/transcript", [] {
    keep(must(crypto::kme_transcript_checked("001010000000001", "00101001000001", nonce, key32),
              "transcript"));
  });
  reg("crypto/random/16B", [] { keep(must(crypto::random_bytes(16), "random")); });
  // HMAC and CMAC (OpenSSL's EVP_MAC, set up once and re-keyed per call) on messages of NAS /
  // KDF size; cmac-sp800-38b is the same CMAC by the SP 800-38B steps (used for bit lengths).
  reg("crypto/hmac/32B", [] {
    keep(must(crypto::hmac_sha256(key32.view(), {nonce, nonce}), "HMAC"));
  });
  reg("crypto/cmac/64B", [] { keep(must(crypto::aes_cmac(key16.view(), msg64, 512), "CMAC")); });
  reg("crypto/cmac-sp800-38b/64B",
      [] { keep(must(crypto::detail::aes_cmac_from_blocks(key16.view(), msg64, 512), "CMAC")); });

  static crypto::CookieKeyRing ring;
  must(ring.add_key(1, SecretBytes(Bytes(32, 0x17))), "cookie key");
  reg("crypto/cookie/seal", [] {
    crypto::CookieContent c{"001010000000001", "00101001000001", key32.clone(), nonce, kNowUnix, 1};
    keep(must(crypto::seal_cookie(ring, c), "seal"));
  });
  static const Bytes cookie = must(crypto::seal_cookie(ring, {"001010000000001", "00101001000001",
                                                              key32.clone(), nonce, kNowUnix, 1}),
                                   "seal");
  reg("crypto/cookie/open", [] {
    keep(must(crypto::open_cookie(ring, cookie, "001010000000001", "00101001000001", kNowUnix, 300),
              "open"));
  });

  for (crypto::EciesProfile p : {crypto::EciesProfile::kA, crypto::EciesProfile::kB}) {
    auto keys = std::make_shared<crypto::EciesKeyPair>(must(crypto::ecies_generate(p), "keys"));
    auto plain = std::make_shared<Bytes>(66, 0x31);
    auto out =
        std::make_shared<Bytes>(must(crypto::ecies_encrypt(p, keys->public_key, *plain), "enc"));
    const std::string name(crypto::to_string(p));
    reg("crypto/ecies/encrypt/" + name, [p, keys, plain] {
      keep(must(crypto::ecies_encrypt(p, keys->public_key, *plain), "enc"));
    });
    reg("crypto/ecies/decrypt/" + name,
        [p, keys, out] { keep(must(crypto::ecies_decrypt(p, keys->private_key, *out), "dec")); });
    auto dec = std::make_shared<crypto::EciesDecryptor>(
        must(crypto::EciesDecryptor::create(p, keys->private_key), "decryptor"));
    reg("crypto/ecies/decrypt-preparsed/" + name,
        [dec, out] { keep(must(dec->decrypt(*out), "dec")); });
  }
  for (crypto::SignatureAlgorithm a :
       {crypto::SignatureAlgorithm::kEd25519, crypto::SignatureAlgorithm::kEcdsaP256Sha256}) {
    auto keys =
        std::make_shared<crypto::SigningKeyPair>(must(crypto::signature_generate(a), "keys"));
    auto msg = std::make_shared<Bytes>(100, 0x44);
    auto sig = std::make_shared<Bytes>(must(crypto::sign(a, keys->private_key, *msg), "sign"));
    auto verifier = std::make_shared<crypto::SignatureVerifier>(
        must(crypto::SignatureVerifier::create(a, keys->public_key), "verifier"));
    const std::string name(crypto::to_string(a));
    reg("crypto/sign/" + name,
        [a, keys, msg] { keep(must(crypto::sign(a, keys->private_key, *msg), "sign")); });
    auto signer = std::make_shared<crypto::Signer>(
        must(crypto::Signer::create(a, keys->private_key), "signer"));
    reg("crypto/sign-preparsed/" + name, [signer, msg] { keep(must(signer->sign(*msg), "sign")); });
    reg("crypto/verify/" + name,
        [a, keys, msg, sig] { must(crypto::verify(a, keys->public_key, *msg, *sig), "verify"); });
    reg("crypto/verify-preparsed/" + name,
        [verifier, msg, sig] { must(verifier->verify(*msg, *sig), "verify"); });
  }
  auto floor = std::make_shared<CryptoFloor>(Combo{});
  reg("crypto/x25519/derive", [floor] { floor->x25519_derive(); });

  // Public key import (the HSS parses each device's keys; the UE each ephemeral key) and key
  // generation (the ephemeral ECIES key): point decompression is the floor of a compressed
  // P-256 import.
  using crypto::detail::Curve;
  auto p256 = std::make_shared<crypto::EciesKeyPair>(
      must(crypto::ecies_generate(crypto::EciesProfile::kB), "keys"));
  reg("crypto/import/p256-compressed", [p256] {
    keep(must(crypto::detail::public_key(Curve::kP256, p256->public_key, Code::kMalformed),
              "import"));
  });
  // The same key uncompressed (SEC 1 §2.3.3, 65 octets): the import checks the point is on the
  // curve but needs no square root (docs/performance.md, "What would still move it").
  auto p256_uncompressed = std::make_shared<Bytes>(uncompressed_p256(p256->public_key));
  reg("crypto/import/p256-uncompressed", [p256_uncompressed] {
    keep(must(crypto::detail::public_key(Curve::kP256, *p256_uncompressed, Code::kMalformed),
              "import"));
  });
  auto x25519 = std::make_shared<crypto::EciesKeyPair>(
      must(crypto::ecies_generate(crypto::EciesProfile::kA), "keys"));
  reg("crypto/import/x25519", [x25519] {
    keep(must(crypto::detail::public_key(Curve::kX25519, x25519->public_key, Code::kMalformed),
              "import"));
  });
  reg("crypto/keygen/p256",
      [] { keep(must(crypto::detail::generate_key(Curve::kP256), "keygen")); });
  reg("crypto/keygen/x25519",
      [] { keep(must(crypto::detail::generate_key(Curve::kX25519), "keygen")); });
}

void register_floors() {
  for (const Combo& c : all_combos()) {
    auto f = std::make_shared<CryptoFloor>(c);
    reg("floor/hss/" + c.name(), [f] { f->hss_attach(); });
    reg("floor/hss-air/" + c.name(), [f] { f->hss_air(); });
    reg("floor/hss-kmr/" + c.name(), [f] { f->hss_kme_request(); });
    reg("floor/hss-ulr/" + c.name(), [f] { f->hss_ulr(); });
    reg("floor/cnn/" + c.name(), [f] { f->cnn_attach(); });
    reg("floor/ue/" + c.name(), [f] { f->ue_attach(); });
    reg("floor/ue-kme/" + c.name(), [f] { f->ue_kme_provisioning(); });
  }
}

}  // namespace

void register_crypto_benchmarks() {
  register_primitives();
  register_floors();
}

}  // namespace kmebind::bench
