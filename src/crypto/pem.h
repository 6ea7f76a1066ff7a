// PEM import/export of the keys kmebind handles, for provisioning files and `kmebind admin`.
// Public keys: SubjectPublicKeyInfo, "-----BEGIN PUBLIC KEY-----" (RFC 5280 §4.1, RFC 8410 for
// X25519/Ed25519, RFC 5480 for P-256 — exported uncompressed, the common form).
// Private keys: unencrypted PKCS #8, "-----BEGIN PRIVATE KEY-----" (RFC 5208, RFC 8410);
// on import SEC 1 "EC PRIVATE KEY" (RFC 5915) is accepted too. Encrypted PEM is refused.
// Raw formats are those of crypto/ecies.h and crypto/signature.h (P-256 public keys come out
// compressed, 33 octets).
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secret.h"

namespace kmebind::crypto {

// P-256 serves both ECIES profile B and ECDSA.
enum class KeyType { kX25519, kP256, kEd25519 };

std::string_view to_string(KeyType type);  // "x25519", "p256", "ed25519"

// kInvalidArgument if the raw key has the wrong size or is not a valid point/scalar.
Result<std::string> public_key_to_pem(KeyType type, ByteView raw_public);
Result<std::string> private_key_to_pem(KeyType type, const SecretBytes& raw_private);

// A device public key in the form the store keeps (docs/admin.md, `device add`): X25519 and
// Ed25519 keys as they are (32 octets), P-256 keys uncompressed (65 octets, SEC 1 §2.3.3) from
// either form — the HSS then loads them without a modular square root (≈ 5 × faster).
// kInvalidArgument if `raw` is not a valid public key of `type`.
Result<Bytes> stored_public_key(KeyType type, ByteView raw);

struct ParsedPublicKey {
  KeyType type;
  Bytes raw;
};
struct ParsedPrivateKey {
  KeyType type;
  SecretBytes raw;
};

// kInvalidArgument if the text holds no parseable key, an encrypted key, or a key of another
// type (RSA, another curve). Only the first PEM block is read.
Result<ParsedPublicKey> public_key_from_pem(std::string_view pem);
Result<ParsedPrivateKey> private_key_from_pem(std::string_view pem);

}  // namespace kmebind::crypto
