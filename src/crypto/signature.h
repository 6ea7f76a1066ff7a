// Device signatures (DESIGN.md §4): Ed25519 (RFC 8032, profile A devices) and ECDSA over P-256
// with SHA-256 (FIPS 186-4, profile B devices). In procedure 2 the device signs the KME
// transcript (crypto/kme.h) and the HSS verifies it with the public key registered for the IMEI.
//
// Raw formats:
//   Ed25519: private key 32 octets (RFC 8032 seed), public key 32, signature 64 (R ‖ S).
//   ECDSA P-256: private key 32-octet big-endian scalar; public key 33 octets compressed
//                (65 uncompressed accepted on input); signature 64 octets r ‖ s, each
//                32-octet big-endian (fixed size, so it fits a NAS IE; not DER).
#pragma once

#include <string_view>

#include "common/bytes.h"
#include "common/secret.h"
#include "crypto/openssl_util.h"

namespace kmebind::crypto {

enum class SignatureAlgorithm { kEd25519, kEcdsaP256Sha256 };

namespace detail {
// A signing or verification operation set up once for one key (signature.cpp); copied per use.
struct PreparedSignature {
  MdCtxPtr message_ctx;   // Ed25519: DigestSign/DigestVerify context
  PkeyCtxPtr digest_ctx;  // ECDSA: sign/verify context over a SHA-256 digest
};
}  // namespace detail

inline constexpr std::size_t kSignatureSize = 64;

struct SigningKeyPair {
  SecretBytes private_key;
  Bytes public_key;
};

std::string_view to_string(SignatureAlgorithm alg);  // "ed25519", "ecdsa-p256"
// The inverse of to_string; kInvalidArgument naming the value otherwise.
Result<SignatureAlgorithm> signature_algorithm_from_string(std::string_view s);

Result<SigningKeyPair> signature_generate(SignatureAlgorithm alg);

// kInvalidArgument on a wrong size or (ECDSA) a scalar outside [1, n-1].
Result<Bytes> signature_public_from_private(SignatureAlgorithm alg, const SecretBytes& private_key);

// 64-octet signature of `message` (ECDSA: SHA-256 of it, random k from OpenSSL's DRBG).
// kInvalidArgument for a bad private key.
Result<Bytes> sign(SignatureAlgorithm alg, const SecretBytes& private_key, ByteView message);

// Ok if `signature` is valid for `message` under `public_key`. kAuthFailed if it is not (one
// flipped bit anywhere is refused); kMalformed if the public key or the signature has the wrong
// size or the key is not a valid point.
Status verify(SignatureAlgorithm alg, ByteView public_key, ByteView message, ByteView signature);

// sign() with the private key parsed once: for a device that signs with the same key many
// times (importing a raw Ed25519 key costs a scalar multiplication, as OpenSSL derives its public
// key). Immutable after creation; sign() may be called from several threads at once.
class Signer {
 public:
  // kInvalidArgument on a wrong size or (ECDSA) a scalar outside [1, n-1].
  static Result<Signer> create(SignatureAlgorithm alg, const SecretBytes& private_key);

  // Same result as crypto::sign(alg, private_key, message).
  Result<Bytes> sign(ByteView message) const;
  // The raw public key (as signature_public_from_private).
  Result<Bytes> public_key() const;
  SignatureAlgorithm algorithm() const { return alg_; }

 private:
  Signer(SignatureAlgorithm alg, detail::PkeyPtr key, detail::PreparedSignature prepared)
      : alg_(alg), key_(std::move(key)), prepared_(std::move(prepared)) {}
  SignatureAlgorithm alg_;
  detail::PkeyPtr key_;
  detail::PreparedSignature prepared_;
};

// verify() with the public key parsed once: for an HSS that checks many signatures of the same
// device key. Immutable after creation; verify() may be called from several threads at once.
class SignatureVerifier {
 public:
  // kMalformed if the key has the wrong size or is not a valid point.
  static Result<SignatureVerifier> create(SignatureAlgorithm alg, ByteView public_key);

  Status verify(ByteView message, ByteView signature) const;
  SignatureAlgorithm algorithm() const { return alg_; }

 private:
  SignatureVerifier(SignatureAlgorithm alg, detail::PkeyPtr key, detail::PreparedSignature prepared)
      : alg_(alg), key_(std::move(key)), prepared_(std::move(prepared)) {}
  SignatureAlgorithm alg_;
  detail::PkeyPtr key_;
  detail::PreparedSignature prepared_;
};

}  // namespace kmebind::crypto
