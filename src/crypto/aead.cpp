#include "crypto/aead.h"

#include <openssl/evp.h>

#include <climits>
#include <memory>

#include "crypto/openssl_util.h"
#include "crypto/random.h"

namespace kmebind::crypto {
namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

std::unexpected<Error> evp_failed(const char* step) {
  return fail(Code::kInternal, std::string("AES-256-GCM: OpenSSL ") + step + " failed");
}

}  // namespace

Result<Bytes> aead_seal(const SecretBytes& key, ByteView plaintext, ByteView aad,
                        ByteView fixed_iv) {
  if (key.size() != kAeadKeySize) {
    return fail(Code::kInvalidArgument, "AES-256-GCM key must be 32 octets");
  }
  if (!fixed_iv.empty() && fixed_iv.size() != kAeadIvSize) {
    return fail(Code::kInvalidArgument, "AES-256-GCM IV must be 12 octets");
  }
  if (plaintext.size() > INT_MAX / 2 || aad.size() > INT_MAX / 2) {
    return fail(Code::kInvalidArgument, "AES-256-GCM input too large");
  }
  Bytes out(kAeadIvSize + plaintext.size() + kAeadTagSize);
  if (fixed_iv.empty()) {
    if (auto st = random_fill({out.data(), kAeadIvSize}); !st) return std::unexpected(st.error());
  } else {
    std::copy(fixed_iv.begin(), fixed_iv.end(), out.begin());
  }
  const EVP_CIPHER* gcm = detail::aes_256_gcm_cipher();
  if (gcm == nullptr) return evp_failed("fetch");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return evp_failed("EVP_CIPHER_CTX_new");
  if (EVP_EncryptInit_ex2(ctx.get(), gcm, key.data(), out.data(), nullptr) != 1) {
    return evp_failed("EncryptInit");
  }
  int len = 0;
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return evp_failed("EncryptUpdate(aad)");
  }
  std::uint8_t* ct = out.data() + kAeadIvSize;
  if (!plaintext.empty() && EVP_EncryptUpdate(ctx.get(), ct, &len, plaintext.data(),
                                              static_cast<int>(plaintext.size())) != 1) {
    return evp_failed("EncryptUpdate");
  }
  if (EVP_EncryptFinal_ex(ctx.get(), ct + plaintext.size(), &len) != 1) {
    return evp_failed("EncryptFinal");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAeadTagSize),
                          ct + plaintext.size()) != 1) {
    return evp_failed("GET_TAG");
  }
  return out;
}

Result<SecretBytes> aead_open(const SecretBytes& key, ByteView sealed, ByteView aad) {
  if (key.size() != kAeadKeySize) {
    return fail(Code::kInvalidArgument, "AES-256-GCM key must be 32 octets");
  }
  if (sealed.size() < kAeadIvSize + kAeadTagSize) {
    return fail(Code::kMalformed, "sealed value shorter than IV and tag");
  }
  if (sealed.size() > INT_MAX / 2 || aad.size() > INT_MAX / 2) {
    return fail(Code::kMalformed, "sealed value too large");
  }
  const std::size_t ct_len = sealed.size() - kAeadIvSize - kAeadTagSize;
  const EVP_CIPHER* gcm = detail::aes_256_gcm_cipher();
  if (gcm == nullptr) return evp_failed("fetch");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return evp_failed("EVP_CIPHER_CTX_new");
  if (EVP_DecryptInit_ex2(ctx.get(), gcm, key.data(), sealed.data(), nullptr) != 1) {
    return evp_failed("DecryptInit");
  }
  int len = 0;
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return evp_failed("DecryptUpdate(aad)");
  }
  SecretBytes plain(ct_len);
  if (ct_len > 0 && EVP_DecryptUpdate(ctx.get(), plain.data(), &len, sealed.data() + kAeadIvSize,
                                      static_cast<int>(ct_len)) != 1) {
    return evp_failed("DecryptUpdate");
  }
  Bytes tag(sealed.end() - kAeadTagSize, sealed.end());
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAeadTagSize),
                          tag.data()) != 1) {
    return evp_failed("SET_TAG");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + ct_len, &len) != 1) {
    return fail(Code::kAuthFailed, "AES-256-GCM tag mismatch (wrong key, tampered data or wrong binding)");
  }
  return plain;
}

}  // namespace kmebind::crypto
