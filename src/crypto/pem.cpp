#include "crypto/pem.h"

#include <openssl/pem.h>

#include <climits>

#include "crypto/evp_keys.h"

namespace kmebind::crypto {
namespace {

using detail::Curve;

Curve curve_of(KeyType type) {
  switch (type) {
    case KeyType::kX25519:
      return Curve::kX25519;
    case KeyType::kP256:
      return Curve::kP256;
    case KeyType::kEd25519:
      return Curve::kEd25519;
  }
  return Curve::kP256;
}

KeyType type_of(Curve curve) {
  switch (curve) {
    case Curve::kX25519:
      return KeyType::kX25519;
    case Curve::kP256:
      return KeyType::kP256;
    case Curve::kEd25519:
      return KeyType::kEd25519;
  }
  return KeyType::kP256;
}

// Never prompts for a passphrase: an encrypted PEM simply fails to load.
int no_passphrase(char*, int, int, void*) {
  return -1;
}

Result<std::string> bio_to_string(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return detail::openssl_error("PEM output");
  return std::string(data, static_cast<std::size_t>(len));
}

Result<detail::BioPtr> read_bio(std::string_view pem) {
  if (pem.size() > INT_MAX) return fail(Code::kInvalidArgument, "PEM text too large");
  detail::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return detail::openssl_error("PEM input");
  return bio;
}

}  // namespace

std::string_view to_string(KeyType type) {
  switch (type) {
    case KeyType::kX25519:
      return "x25519";
    case KeyType::kP256:
      return "p256";
    case KeyType::kEd25519:
      return "ed25519";
  }
  return "?";
}

Result<Bytes> stored_public_key(KeyType type, ByteView raw) {
  if (type == KeyType::kP256) return detail::p256_uncompressed(raw, Code::kInvalidArgument);
  auto key = detail::public_key(curve_of(type), raw, Code::kInvalidArgument);
  if (!key) return std::unexpected(key.error());
  return Bytes(raw.begin(), raw.end());
}

Result<std::string> public_key_to_pem(KeyType type, ByteView raw_public) {
  auto key = detail::public_key(curve_of(type), raw_public, Code::kInvalidArgument);
  if (!key) return std::unexpected(key.error());
  detail::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key->get()) != 1) {
    return detail::openssl_error("PEM public key export");
  }
  return bio_to_string(bio.get());
}

Result<std::string> private_key_to_pem(KeyType type, const SecretBytes& raw_private) {
  auto key = detail::private_key(curve_of(type), raw_private.view(), Code::kInvalidArgument);
  if (!key) return std::unexpected(key.error());
  // A secure-heap BIO is not available for memory BIOs; the caller owns the returned text.
  detail::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key->get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return detail::openssl_error("PEM private key export");
  }
  return bio_to_string(bio.get());
}

Result<ParsedPublicKey> public_key_from_pem(std::string_view pem) {
  auto bio = read_bio(pem);
  if (!bio) return std::unexpected(bio.error());
  detail::PkeyPtr key(PEM_read_bio_PUBKEY(bio->get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    detail::clear_openssl_errors();
    return fail(Code::kInvalidArgument, "no PEM public key (BEGIN PUBLIC KEY) found");
  }
  auto curve = detail::curve_of(key.get());
  if (!curve) return std::unexpected(curve.error());
  auto raw = detail::raw_public(*curve, key.get());
  if (!raw) return std::unexpected(raw.error());
  return ParsedPublicKey{type_of(*curve), std::move(*raw)};
}

Result<ParsedPrivateKey> private_key_from_pem(std::string_view pem) {
  auto bio = read_bio(pem);
  if (!bio) return std::unexpected(bio.error());
  detail::PkeyPtr key(PEM_read_bio_PrivateKey(bio->get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    detail::clear_openssl_errors();
    return fail(Code::kInvalidArgument,
                "no unencrypted PEM private key (BEGIN PRIVATE KEY / EC PRIVATE KEY) found");
  }
  auto curve = detail::curve_of(key.get());
  if (!curve) return std::unexpected(curve.error());
  auto raw = detail::raw_private(*curve, key.get());
  if (!raw) return std::unexpected(raw.error());
  return ParsedPrivateKey{type_of(*curve), std::move(*raw)};
}

}  // namespace kmebind::crypto
