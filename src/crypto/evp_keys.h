// Internal to src/crypto: raw key octets ⇄ OpenSSL EVP_PKEY for the three curves kmebind uses,
// X25519 (RFC 7748), Ed25519 (RFC 8032) and P-256 (SEC 1 / FIPS 186-4). Raw formats:
//   X25519, Ed25519: 32-octet private key and 32-octet public key (RFC 7748 / RFC 8032 encodings)
//   P-256: 32-octet big-endian private scalar; public point SEC 1 §2.3.3 compressed (33 octets,
//          02/03 ‖ X) or uncompressed (65 octets, 04 ‖ X ‖ Y).
// Every imported public point is checked to lie on the curve; every P-256 scalar to be in
// [1, n-1]. Failures carry the Code the caller passes as `bad` (kInvalidArgument for keys a
// caller configured, kMalformed for keys that arrived from a peer).
#pragma once

#include <string_view>

#include "common/bytes.h"
#include "common/secret.h"
#include "crypto/openssl_util.h"

namespace kmebind::crypto::detail {

enum class Curve { kX25519, kEd25519, kP256 };

inline constexpr std::size_t kRawKeySize = 32;  // every private key; X/Ed25519 publics
inline constexpr std::size_t kP256CompressedSize = 33;
inline constexpr std::size_t kP256UncompressedSize = 65;

std::string_view curve_name(Curve curve);

// For P-256, `with_public` = false skips computing Q = d·G (one scalar multiplication): enough
// for ECDH and ECDSA signing, but raw_public() and PEM export need the public point.
Result<PkeyPtr> private_key(Curve curve, ByteView raw, Code bad, bool with_public = true);
Result<PkeyPtr> public_key(Curve curve, ByteView raw, Code bad);

// A fresh key pair from OpenSSL's DRBG.
Result<PkeyPtr> generate_key(Curve curve);

// Raw public key of any key of ours: 32 octets, or 33 (compressed) for P-256.
Result<Bytes> raw_public(Curve curve, EVP_PKEY* key);
// A P-256 point (33 octets compressed or 65 uncompressed) in uncompressed form, 65 octets
// (SEC 1 §2.3.3); fails with `bad` if it is not a point on the curve.
Result<Bytes> p256_uncompressed(ByteView point, Code bad);
// Raw private key: 32 octets (the P-256 scalar left-padded with zeros).
Result<SecretBytes> raw_private(Curve curve, EVP_PKEY* key);

// Which of our curves `key` is on; kInvalidArgument for anything else (RSA, P-384, …).
Result<Curve> curve_of(EVP_PKEY* key);

// ECDH / X25519 shared secret (32 octets; for P-256 the x-coordinate, SEC 1 §3.3.1).
// `peer` must come from public_key(), which validated it. kMalformed if X25519 yields the
// all-zero value (a small-order peer point, RFC 7748 §6.1).
Result<SecretBytes> shared_secret(EVP_PKEY* own_private, EVP_PKEY* peer);

// For a private key that agrees many times (a device's ECIES key): the context is set up once
// (EVP_PKEY_derive_init) and each shared_secret() call works on a copy of it, so one prepared
// context may serve several threads.
Result<PkeyCtxPtr> prepare_derive(EVP_PKEY* own_private);
Result<SecretBytes> shared_secret(const EVP_PKEY_CTX* prepared, EVP_PKEY* peer);

}  // namespace kmebind::crypto::detail
