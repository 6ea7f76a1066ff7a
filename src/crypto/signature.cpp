#include "crypto/signature.h"

#include <openssl/ecdsa.h>

#include <climits>
#include <string>

#include "crypto/evp_keys.h"

namespace kmebind::crypto {
namespace {

using detail::Curve;

constexpr std::size_t kScalarSize = 32;

using EcdsaSigPtr = detail::OsslPtr<ECDSA_SIG, ECDSA_SIG_free>;

Curve curve_of(SignatureAlgorithm alg) {
  return alg == SignatureAlgorithm::kEd25519 ? Curve::kEd25519 : Curve::kP256;
}

// Ed25519 signs the message itself (no pre-hash); ECDSA with SHA-256.
const char* digest_of(SignatureAlgorithm alg) {
  return alg == SignatureAlgorithm::kEd25519 ? nullptr : "SHA256";
}

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

Result<Bytes> sign_with(SignatureAlgorithm alg, EVP_PKEY* key, ByteView message) {
  detail::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, digest_of(alg), nullptr, nullptr, key,
                                    nullptr) != 1) {
    return detail::openssl_error("signing setup");
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return detail::openssl_error("signing");
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return detail::openssl_error("signing");
  }
  sig.resize(len);
  if (alg == SignatureAlgorithm::kEcdsaP256Sha256) return der_to_raw(sig);
  return sig;
}

Status verify_with(SignatureAlgorithm alg, EVP_PKEY* key, ByteView message, ByteView signature) {
  if (signature.size() != kSignatureSize) {
    return fail(Code::kMalformed, std::string(to_string(alg)) +
                                      " signature must be 64 octets, got " +
                                      std::to_string(signature.size()));
  }
  Bytes der;
  ByteView sig = signature;
  if (alg == SignatureAlgorithm::kEcdsaP256Sha256) {
    auto d = raw_to_der(signature);
    if (!d) return std::unexpected(d.error());
    der = std::move(*d);
    sig = der;
  }
  detail::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest_of(alg), nullptr, nullptr, key,
                                      nullptr) != 1) {
    return detail::openssl_error("signature verification setup");
  }
  const int rc =
      EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size());
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
  return sign_with(alg, key->get(), message);
}

Result<Signer> Signer::create(SignatureAlgorithm alg, const SecretBytes& private_key) {
  auto key = detail::private_key(curve_of(alg), private_key.view(), Code::kInvalidArgument);
  if (!key) return std::unexpected(key.error());
  return Signer(alg, std::move(*key));
}

Result<Bytes> Signer::sign(ByteView message) const {
  return sign_with(alg_, key_.get(), message);
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
  return SignatureVerifier(alg, std::move(*key));
}

Status SignatureVerifier::verify(ByteView message, ByteView signature) const {
  return verify_with(alg_, key_.get(), message, signature);
}

}  // namespace kmebind::crypto
