#include "crypto/ecies.h"

#include "crypto/aes.h"
#include "crypto/evp_keys.h"
#include "crypto/hash.h"

namespace kmebind::crypto {
namespace {

using detail::Curve;

constexpr std::size_t kEncKeySize = 16;  // AES-128
constexpr std::size_t kIcbSize = 16;
constexpr std::size_t kMacKeySize = 32;  // HMAC-SHA-256

Curve curve_of(EciesProfile profile) {
  return profile == EciesProfile::kA ? Curve::kX25519 : Curve::kP256;
}

// HMAC-SHA-256/64 over the ciphertext (TS 33.501 C.3.4.1/C.3.4.2, MAC tag length 64 bits).
Result<Bytes> mac_tag(const SecretBytes& mac_key, ByteView ciphertext) {
  auto mac = hmac_sha256(mac_key.view(), {ciphertext});
  if (!mac) return std::unexpected(mac.error());
  return Bytes(mac->view().begin(), mac->view().begin() + kEciesMacTagSize);
}

}  // namespace

namespace detail {

Result<EciesKeys> ecies_derive_keys(const SecretBytes& shared, ByteView eph_public_key) {
  // ANSI X9.63 KDF (SEC 1 §3.6.1) with SHA-256: block i = SHA-256(Z ‖ counter i (32-bit
  // big-endian, from 1) ‖ SharedInfo1); two blocks give the 64 octets. Written out over the
  // SHA-256 fetched once: EVP_KDF "X963KDF" fetches its digest by name on every call.
  const EVP_MD* md = sha256_md();
  if (md == nullptr) return openssl_error("SHA-256 fetch");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return openssl_error("X9.63 KDF context");
  SecretBytes k(kEncKeySize + kIcbSize + kMacKeySize);
  constexpr std::size_t kBlock = 32;
  for (std::size_t block = 0; block < k.size() / kBlock; ++block) {
    const std::uint8_t counter[4] = {0, 0, 0, static_cast<std::uint8_t>(block + 1)};
    unsigned int len = 0;
    if (EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), shared.data(), shared.size()) != 1 ||
        EVP_DigestUpdate(ctx.get(), counter, sizeof counter) != 1 ||
        (!eph_public_key.empty() &&
         EVP_DigestUpdate(ctx.get(), eph_public_key.data(), eph_public_key.size()) != 1) ||
        EVP_DigestFinal_ex(ctx.get(), k.data() + block * kBlock, &len) != 1 || len != kBlock) {
      return openssl_error("X9.63 KDF");
    }
  }
  const ByteView v = k.view();
  return EciesKeys{SecretBytes(v.first(kEncKeySize)),
                   Bytes(v.begin() + kEncKeySize, v.begin() + kEncKeySize + kIcbSize),
                   SecretBytes(v.last(kMacKeySize))};
}

}  // namespace detail

std::string_view to_string(EciesProfile profile) {
  return profile == EciesProfile::kA ? "A" : "B";
}

Result<EciesProfile> ecies_profile_from_string(std::string_view s) {
  if (s == "A" || s == "a") return EciesProfile::kA;
  if (s == "B" || s == "b") return EciesProfile::kB;
  return fail(Code::kInvalidArgument,
              "ECIES profile \"" + std::string(s) + "\": expected A (X25519) or B (P-256)");
}

std::size_t ecies_eph_public_key_size(EciesProfile profile) {
  return profile == EciesProfile::kA ? detail::kRawKeySize : detail::kP256CompressedSize;
}

Result<EciesKeyPair> ecies_generate(EciesProfile profile) {
  const Curve curve = curve_of(profile);
  auto key = detail::generate_key(curve);
  if (!key) return std::unexpected(key.error());
  auto priv = detail::raw_private(curve, key->get());
  if (!priv) return std::unexpected(priv.error());
  auto pub = detail::raw_public(curve, key->get());
  if (!pub) return std::unexpected(pub.error());
  return EciesKeyPair{std::move(*priv), std::move(*pub)};
}

Result<Bytes> ecies_public_from_private(EciesProfile profile, const SecretBytes& private_key) {
  const Curve curve = curve_of(profile);
  auto key = detail::private_key(curve, private_key.view(), Code::kInvalidArgument);
  if (!key) return std::unexpected(key.error());
  return detail::raw_public(curve, key->get());
}

Result<Bytes> ecies_encrypt(EciesProfile profile, ByteView public_key, ByteView plaintext,
                            const SecretBytes* eph_private_key) {
  const Curve curve = curve_of(profile);
  auto peer = detail::public_key(curve, public_key, Code::kInvalidArgument);
  if (!peer) return std::unexpected(peer.error().with_context("ECIES public key"));
  auto eph = eph_private_key != nullptr
                 ? detail::private_key(curve, eph_private_key->view(), Code::kInvalidArgument)
                 : detail::generate_key(curve);
  if (!eph) return std::unexpected(eph.error().with_context("ECIES ephemeral key"));
  auto eph_pub = detail::raw_public(curve, eph->get());
  if (!eph_pub) return std::unexpected(eph_pub.error());
  auto z = detail::shared_secret(eph->get(), peer->get());
  if (!z) return fail(Code::kInvalidArgument, "ECIES public key: " + z.error().message());
  auto keys = detail::ecies_derive_keys(*z, *eph_pub);
  if (!keys) return std::unexpected(keys.error());
  auto ciphertext = aes_ctr(keys->enc_key.view(), keys->icb, plaintext);
  if (!ciphertext) return std::unexpected(ciphertext.error());
  auto tag = mac_tag(keys->mac_key, *ciphertext);
  if (!tag) return std::unexpected(tag.error());
  Bytes out = std::move(*eph_pub);
  out.reserve(out.size() + ciphertext->size() + tag->size());
  out.insert(out.end(), ciphertext->begin(), ciphertext->end());
  out.insert(out.end(), tag->begin(), tag->end());
  return out;
}

namespace {

Status check_scheme_output_size(EciesProfile profile, ByteView scheme_output) {
  const std::size_t pub_size = ecies_eph_public_key_size(profile);
  if (scheme_output.size() < pub_size + kEciesMacTagSize) {
    return fail(Code::kMalformed, "ECIES profile " + std::string(to_string(profile)) +
                                      " scheme output needs at least " +
                                      std::to_string(pub_size + kEciesMacTagSize) +
                                      " octets, got " + std::to_string(scheme_output.size()));
  }
  return {};
}

// TS 33.501 C.3.3 decryption steps with the key agreement prepared for the recipient's private
// key (detail::prepare_derive). REQUIRES: the size was checked (check_scheme_output_size).
Result<SecretBytes> decrypt_with(EciesProfile profile, const EVP_PKEY_CTX* own,
                                 ByteView scheme_output) {
  const Curve curve = curve_of(profile);
  const std::size_t pub_size = ecies_eph_public_key_size(profile);
  const ByteView eph_pub = scheme_output.first(pub_size);
  const ByteView ciphertext =
      scheme_output.subspan(pub_size, scheme_output.size() - pub_size - kEciesMacTagSize);
  const ByteView tag = scheme_output.last(kEciesMacTagSize);
  auto eph = detail::public_key(curve, eph_pub, Code::kMalformed);
  if (!eph) return std::unexpected(eph.error().with_context("ECIES ephemeral public key"));
  auto z = detail::shared_secret(own, eph->get());
  if (!z) return std::unexpected(z.error().with_context("ECIES ephemeral public key"));
  auto keys = detail::ecies_derive_keys(*z, eph_pub);
  if (!keys) return std::unexpected(keys.error());
  auto expected = mac_tag(keys->mac_key, ciphertext);
  if (!expected) return std::unexpected(expected.error());
  if (!equal_ct(*expected, tag)) {
    return fail(Code::kAuthFailed, "ECIES MAC tag mismatch (wrong private key or tampered data)");
  }
  auto plain = aes_ctr(keys->enc_key.view(), keys->icb, ciphertext);
  if (!plain) return std::unexpected(plain.error());
  return SecretBytes(std::move(*plain));
}

}  // namespace

Result<SecretBytes> ecies_decrypt(EciesProfile profile, const SecretBytes& private_key,
                                  ByteView scheme_output) {
  if (auto st = check_scheme_output_size(profile, scheme_output); !st) {
    return std::unexpected(st.error());
  }
  auto own = detail::private_key(curve_of(profile), private_key.view(), Code::kInvalidArgument,
                                 /*with_public=*/false);
  if (!own) return std::unexpected(own.error().with_context("ECIES private key"));
  auto agreement = detail::prepare_derive(own->get());
  if (!agreement) return std::unexpected(agreement.error());
  return decrypt_with(profile, agreement->get(), scheme_output);
}

Result<EciesDecryptor> EciesDecryptor::create(EciesProfile profile,
                                              const SecretBytes& private_key) {
  auto key = detail::private_key(curve_of(profile), private_key.view(), Code::kInvalidArgument);
  if (!key) return std::unexpected(key.error().with_context("ECIES private key"));
  auto agreement = detail::prepare_derive(key->get());
  if (!agreement) return std::unexpected(agreement.error());
  return EciesDecryptor(profile, std::move(*key), std::move(*agreement));
}

Result<SecretBytes> EciesDecryptor::decrypt(ByteView scheme_output) const {
  if (auto st = check_scheme_output_size(profile_, scheme_output); !st) {
    return std::unexpected(st.error());
  }
  return decrypt_with(profile_, agreement_.get(), scheme_output);
}

Result<Bytes> EciesDecryptor::public_key() const {
  return detail::raw_public(curve_of(profile_), key_.get());
}

}  // namespace kmebind::crypto
