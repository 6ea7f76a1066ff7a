#include "crypto/signature.h"

#include <openssl/ecdsa.h>

#include <array>
#include <climits>
#include <string>

#include "crypto/evp_keys.h"
#include "crypto/hash.h"

namespace kmebind::crypto {
namespace {

using detail::Curve;
using detail::PreparedSignature;

constexpr std::size_t kScalarSize = 32;

using EcdsaSigPtr = detail::OsslPtr<ECDSA_SIG, ECDSA_SIG_free>;

Curve curve_of(SignatureAlgorithm alg) {
  return alg == SignatureAlgorithm::kEd25519 ? Curve::kEd25519 : Curve::kP256;
}

// SEC 1 §C.5 DER of an ECDSA-Sig-Value over P-256: SEQUENCE of two INTEGERs of up to 33 octets.
constexpr std::size_t kMaxEcdsaDerSize = 2 + 2 * (2 + kScalarSize + 1);

// DER ECDSA-Sig-Value (SEC 1 §C.5) → r ‖ s, 32 octets each.
Result<Bytes> der_to_raw(ByteView der) {
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return detail::openssl_error("ECDSA signature decoding");
  Bytes out(kSignatureSize);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), kScalarSize) != kScalarSize ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + kScalarSize, kScalarSize) !=
          kScalarSize) {
    return detail::openssl_error("ECDSA signature encoding");
  }
  return out;
}

// r ‖ s → DER, for EVP verification.
Result<Bytes> raw_to_der(ByteView raw) {
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), kScalarSize, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + kScalarSize, kScalarSize, nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return detail::openssl_error("ECDSA signature encoding");
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return detail::openssl_error("ECDSA signature encoding");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// The signing or verification operation for one key, set up once (the part of OpenSSL 3.0's
// EVP_DigestSignInit that costs: a provider lookup of the key type, the algorithm and digest
// fetched by name — ~4 µs for Ed25519); each operation works on a copy, so a prepared operation
// is never modified and may serve several threads.
//   Ed25519 (RFC 8032 §5.1.6, no pre-hash): a DigestSign/DigestVerify context.
//   ECDSA (FIPS 186-4 §6.4 with SHA-256): a sign/verify context over the SHA-256 digest.
Result<PreparedSignature> prepare(SignatureAlgorithm alg, EVP_PKEY* key, bool signing) {
  PreparedSignature p;
  if (alg == SignatureAlgorithm::kEd25519) {
    p.message_ctx.reset(EVP_MD_CTX_new());
    const int rc = !p.message_ctx ? 0
                   : signing ? EVP_DigestSignInit_ex(p.message_ctx.get(), nullptr, nullptr, nullptr,
                                                     nullptr, key, nullptr)
                             : EVP_DigestVerifyInit_ex(p.message_ctx.get(), nullptr, nullptr,
                                                       nullptr, nullptr, key, nullptr);
    if (rc != 1) return detail::openssl_error("Ed25519 set-up");
    return p;
  }
  const EVP_MD* md = detail::sha256_md();
  if (md == nullptr) return detail::openssl_error("SHA-256 fetch");
  p.digest_ctx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  const int rc = !p.digest_ctx ? 0
                 : signing     ? EVP_PKEY_sign_init(p.digest_ctx.get())
                               : EVP_PKEY_verify_init(p.digest_ctx.get());
  if (rc != 1 || EVP_PKEY_CTX_set_signature_md(p.digest_ctx.get(), md) != 1) {
    return detail::openssl_error("ECDSA set-up");
  }
  return p;
}

Result<Bytes> sign_with(SignatureAlgorithm alg, const PreparedSignature& prepared,
                        ByteView message) {
  if (alg == SignatureAlgorithm::kEd25519) {
    detail::MdCtxPtr ctx(EVP_MD_CTX_new());
    Bytes sig(kSignatureSize);
    std::size_t len = sig.size();
    if (!ctx || EVP_MD_CTX_copy_ex(ctx.get(), prepared.message_ctx.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 ||
        len != kSignatureSize) {
      return detail::openssl_error("Ed25519 signing");
    }
    return sig;
  }
  auto digest = sha256({message});
  if (!digest) return std::unexpected(digest.error());
  detail::PkeyCtxPtr ctx(EVP_PKEY_CTX_dup(prepared.digest_ctx.get()));
  std::array<std::uint8_t, kMaxEcdsaDerSize> der{};
  std::size_t len = der.size();
  if (!ctx || EVP_PKEY_sign(ctx.get(), der.data(), &len, digest->data(), digest->size()) != 1) {
    return detail::openssl_error("ECDSA signing");
  }
  return der_to_raw(ByteView(der).first(len));
}

Status verify_with(SignatureAlgorithm alg, const PreparedSignature& prepared, ByteView message,
                   ByteView signature) {
  if (signature.size() != kSignatureSize) {
    return fail(Code::kMalformed, std::string(to_string(alg)) +
                                      " signature must be 64 octets, got " +
                                      std::to_string(signature.size()));
  }
  int rc = 0;
  if (alg == SignatureAlgorithm::kEd25519) {
    detail::MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_MD_CTX_copy_ex(ctx.get(), prepared.message_ctx.get()) != 1) {
      return detail::openssl_error("signature verification setup");
    }
    rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                          message.size());
  } else {
    auto der = raw_to_der(signature);
    if (!der) return std::unexpected(der.error());
    auto digest = sha256({message});
    if (!digest) return std::unexpected(digest.error());
    detail::PkeyCtxPtr ctx(EVP_PKEY_CTX_dup(prepared.digest_ctx.get()));
    if (!ctx) return detail::openssl_error("signature verification setup");
    rc = EVP_PKEY_verify(ctx.get(), der->data(), der->size(), digest->data(), digest->size());
  }
  if (rc != 1) {
    // 0 = bad signature; < 0 = not even well-formed (e.g. r or s out of range): both refused.
    detail::clear_openssl_errors();
    return fail(Code::kAuthFailed, std::string(to_string(alg)) + " signature does not verify");
  }
  return {};
}

}  // namespace

std::string_view to_string(SignatureAlgorithm alg) {
  return alg == SignatureAlgorithm::kEd25519 ? "ed25519" : "ecdsa-p256";
}

Result<SignatureAlgorithm> signature_algorithm_from_string(std::string_view s) {
  if (s == "ed25519") return SignatureAlgorithm::kEd25519;
  if (s == "ecdsa-p256") return SignatureAlgorithm::kEcdsaP256Sha256;
  return fail(Code::kInvalidArgument,
              "signature algorithm \"" + std::string(s) + "\": expected ed25519 or ecdsa-p256");
}

Result<SigningKeyPair> signature_generate(SignatureAlgorithm alg) {
  const Curve curve = curve_of(alg);
  auto key = detail::generate_key(curve);
  if (!key) return std::unexpected(key.error());
  auto priv = detail::raw_private(curve, key->get());
  if (!priv) return std::unexpected(priv.error());
  auto pub = detail::raw_public(curve, key->get());
  if (!pub) return std::unexpected(pub.error());
  return SigningKeyPair{std::move(*priv), std::move(*pub)};
}

Result<Bytes> signature_public_from_private(SignatureAlgorithm alg,
                                            const SecretBytes& private_key) {
  const Curve curve = curve_of(alg);
  auto key = detail::private_key(curve, private_key.view(), Code::kInvalidArgument);
  if (!key) return std::unexpected(key.error());
  return detail::raw_public(curve, key->get());
}

Result<Bytes> sign(SignatureAlgorithm alg, const SecretBytes& private_key, ByteView message) {
  auto key = detail::private_key(curve_of(alg), private_key.view(), Code::kInvalidArgument,
                                 /*with_public=*/false);
  if (!key) return std::unexpected(key.error());
  auto prepared = prepare(alg, key->get(), /*signing=*/true);
  if (!prepared) return std::unexpected(prepared.error());
  return sign_with(alg, *prepared, message);
}

Result<Signer> Signer::create(SignatureAlgorithm alg, const SecretBytes& private_key) {
  auto key = detail::private_key(curve_of(alg), private_key.view(), Code::kInvalidArgument);
  if (!key) return std::unexpected(key.error());
  auto prepared = prepare(alg, key->get(), /*signing=*/true);
  if (!prepared) return std::unexpected(prepared.error());
  return Signer(alg, std::move(*key), std::move(*prepared));
}

Result<Bytes> Signer::sign(ByteView message) const {
  return sign_with(alg_, prepared_, message);
}

Result<Bytes> Signer::public_key() const {
  return detail::raw_public(curve_of(alg_), key_.get());
}

Status verify(SignatureAlgorithm alg, ByteView public_key, ByteView message, ByteView signature) {
  auto verifier = SignatureVerifier::create(alg, public_key);
  if (!verifier) return std::unexpected(verifier.error());
  return verifier->verify(message, signature);
}

Result<SignatureVerifier> SignatureVerifier::create(SignatureAlgorithm alg, ByteView public_key) {
  auto key = detail::public_key(curve_of(alg), public_key, Code::kMalformed);
  if (!key) return std::unexpected(key.error());
  auto prepared = prepare(alg, key->get(), /*signing=*/false);
  if (!prepared) return std::unexpected(prepared.error());
  return SignatureVerifier(alg, std::move(*key), std::move(*prepared));
}

Status SignatureVerifier::verify(ByteView message, ByteView signature) const {
  return verify_with(alg_, prepared_, message, signature);
}

}  // namespace kmebind::crypto
