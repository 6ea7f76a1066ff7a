// ECIES as profiled for SUCI concealment in TS 33.501 Annex C.3 (SECG SEC 1 ECIES), used by
// kmebind to carry KME (and the Nonce, IMEI, …) to the device under its public key.
//
//   Profile A (C.3.4.1): X25519; public keys 32 octets.
//   Profile B (C.3.4.2): secp256r1 (P-256); the ephemeral public key is sent compressed
//                        (33 octets); a home/device public key is accepted compressed or
//                        uncompressed (65 octets).
//   Both: Z = ECDH(eph, peer) (P-256: x-coordinate); K = ANSI X9.63 KDF with SHA-256 over Z
//   and SharedInfo1 = the ephemeral public key as sent, 64 octets:
//     K = EK (16) ‖ ICB (16) ‖ MK (32);
//   ciphertext = AES-128-CTR(EK, ICB, plaintext); MAC tag = HMAC-SHA-256(MK, ciphertext)
//   truncated to 8 octets.
//
//   scheme output = ephemeral public key (32 | 33) ‖ ciphertext (= plaintext length) ‖ tag (8)
//
// Test data: tests/vectors/ecies.json (TS 33.501 Annex C.4.3, C.4.4).
#pragma once

#include <string_view>

#include "common/bytes.h"
#include "common/secret.h"
#include "crypto/openssl_util.h"

namespace kmebind::crypto {

enum class EciesProfile { kA, kB };

inline constexpr std::size_t kEciesMacTagSize = 8;

struct EciesKeyPair {
  SecretBytes private_key;  // 32 octets (X25519 key, or P-256 big-endian scalar)
  Bytes public_key;         // A: 32 octets; B: 33 octets compressed
};

std::string_view to_string(EciesProfile profile);  // "A", "B"
// "A"/"B" (either case); kInvalidArgument naming the value otherwise.
Result<EciesProfile> ecies_profile_from_string(std::string_view s);

// Size of the ephemeral public key in the scheme output: 32 (A) or 33 (B).
std::size_t ecies_eph_public_key_size(EciesProfile profile);

Result<EciesKeyPair> ecies_generate(EciesProfile profile);

// The public key (A: 32, B: 33 compressed) of a raw private key; kInvalidArgument if the
// private key has the wrong size or, for B, is not in [1, n-1].
Result<Bytes> ecies_public_from_private(EciesProfile profile, const SecretBytes& private_key);

// Encrypts `plaintext` to `public_key`. A fresh ephemeral key is drawn unless
// `eph_private_key` is given (test vectors only). kInvalidArgument if the public key has the
// wrong size or is not a valid point (B), or if the agreement gives the all-zero value (A).
Result<Bytes> ecies_encrypt(EciesProfile profile, ByteView public_key, ByteView plaintext,
                            const SecretBytes* eph_private_key = nullptr);

// Decrypts a scheme output. The MAC is checked (in constant time) before anything is
// decrypted. kMalformed if the output is shorter than ephemeral key + tag or the ephemeral key
// is not a valid point (B: must be compressed) or of small order (A); kAuthFailed if the tag
// does not match (wrong private key, or one flipped bit anywhere); kInvalidArgument for a bad
// private key.
Result<SecretBytes> ecies_decrypt(EciesProfile profile, const SecretBytes& private_key,
                                  ByteView scheme_output);

// ecies_decrypt() with the private key parsed once and its key agreement set up once: for a
// device that decrypts many payloads with the same key (importing a raw X25519 key costs a
// scalar multiplication, as OpenSSL derives its public key). Immutable after creation;
// decrypt() may run on several threads.
class EciesDecryptor {
 public:
  // kInvalidArgument for a private key of the wrong size or (B) not in [1, n-1].
  static Result<EciesDecryptor> create(EciesProfile profile, const SecretBytes& private_key);

  // Same result as ecies_decrypt(profile, private_key, scheme_output).
  Result<SecretBytes> decrypt(ByteView scheme_output) const;
  // The raw public key (as ecies_public_from_private).
  Result<Bytes> public_key() const;
  EciesProfile profile() const { return profile_; }

 private:
  EciesDecryptor(EciesProfile profile, detail::PkeyPtr key, detail::PkeyCtxPtr agreement)
      : profile_(profile), key_(std::move(key)), agreement_(std::move(agreement)) {}
  EciesProfile profile_;
  detail::PkeyPtr key_;
  detail::PkeyCtxPtr agreement_;  // key agreement with key_, set up once; copied per decrypt()
};

namespace detail {
// The keys of TS 33.501 C.3.4: X9.63 KDF(Z, SharedInfo1 = eph public key) split as
// EK ‖ ICB ‖ MK. Exposed for tests against the intermediate values of Annex C.4.
struct EciesKeys {
  SecretBytes enc_key;  // 16
  Bytes icb;            // 16
  SecretBytes mac_key;  // 32
};
Result<EciesKeys> ecies_derive_keys(const SecretBytes& shared, ByteView eph_public_key);
}  // namespace detail

}  // namespace kmebind::crypto
