#include "crypto/aes.h"

#include <climits>

namespace kmebind::crypto {
namespace {

// Fetched once (explicit fetch avoids a provider lookup per call); shareable across threads.
const EVP_CIPHER* cipher(const char* name) {
  return EVP_CIPHER_fetch(nullptr, name, nullptr);
}
const EVP_CIPHER* ecb_cipher(std::size_t key_size) {
  static const EVP_CIPHER* const aes128 = cipher("AES-128-ECB");
  static const EVP_CIPHER* const aes256 = cipher("AES-256-ECB");
  return key_size == 16 ? aes128 : aes256;
}
const EVP_CIPHER* ctr_cipher(std::size_t key_size) {
  static const EVP_CIPHER* const aes128 = cipher("AES-128-CTR");
  static const EVP_CIPHER* const aes256 = cipher("AES-256-CTR");
  return key_size == 16 ? aes128 : aes256;
}

Status check_key(ByteView key, const char* what) {
  if (key.size() != 16 && key.size() != 32) {
    return fail(
        Code::kInvalidArgument,
        std::string(what) + ": AES key must be 16 or 32 octets, got " + std::to_string(key.size()));
  }
  return {};
}

}  // namespace

Result<AesEcb> AesEcb::create(ByteView key) {
  if (auto st = check_key(key, "AES-ECB"); !st) return std::unexpected(st.error());
  const EVP_CIPHER* c = ecb_cipher(key.size());
  if (c == nullptr) return detail::openssl_error("AES-ECB fetch");
  detail::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_EncryptInit_ex2(ctx.get(), c, key.data(), nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1) {
    return detail::openssl_error("AES-ECB init");
  }
  return AesEcb(std::move(ctx));
}

Status AesEcb::encrypt(ByteView in, std::span<std::uint8_t> out) {
  if (in.size() != out.size() || in.size() % kAesBlockSize != 0 || in.size() > INT_MAX) {
    return fail(Code::kInvalidArgument, "AES-ECB: input must be whole 16-octet blocks");
  }
  if (in.empty()) return {};
  int len = 0;
  if (EVP_EncryptUpdate(ctx_.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) !=
          1 ||
      static_cast<std::size_t>(len) != in.size()) {
    return detail::openssl_error("AES-ECB encrypt");
  }
  return {};
}

Result<Bytes> aes_ctr(ByteView key, ByteView icb, ByteView data) {
  if (auto st = check_key(key, "AES-CTR"); !st) return std::unexpected(st.error());
  if (icb.size() != kAesBlockSize) {
    return fail(Code::kInvalidArgument, "AES-CTR: initial counter block must be 16 octets");
  }
  if (data.size() > INT_MAX) return fail(Code::kInvalidArgument, "AES-CTR: input too large");
  const EVP_CIPHER* c = ctr_cipher(key.size());
  if (c == nullptr) return detail::openssl_error("AES-CTR fetch");
  detail::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_EncryptInit_ex2(ctx.get(), c, key.data(), icb.data(), nullptr) != 1) {
    return detail::openssl_error("AES-CTR init");
  }
  Bytes out(data.size());
  int len = 0;
  if (!data.empty() && EVP_EncryptUpdate(ctx.get(), out.data(), &len, data.data(),
                                         static_cast<int>(data.size())) != 1) {
    return detail::openssl_error("AES-CTR encrypt");
  }
  int tail = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &tail) != 1) {
    return detail::openssl_error("AES-CTR final");
  }
  return out;
}

}  // namespace kmebind::crypto
