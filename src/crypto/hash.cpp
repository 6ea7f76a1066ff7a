#include "crypto/hash.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "crypto/openssl_util.h"

namespace kmebind::crypto {
namespace {

// Fetched once; EVP_MAC/EVP_MD objects are reference counted and safe to share across threads.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

Result<std::array<std::uint8_t, kSha256Size>> sha256(std::initializer_list<ByteView> parts) {
  const EVP_MD* md = sha256_algorithm();
  if (md == nullptr) return detail::openssl_error("SHA-256 fetch");
  detail::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) {
    return detail::openssl_error("SHA-256 init");
  }
  for (ByteView part : parts) {
    if (!part.empty() && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1) {
      return detail::openssl_error("SHA-256 update");
    }
  }
  std::array<std::uint8_t, kSha256Size> out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    return detail::openssl_error("SHA-256 final");
  }
  return out;
}

Result<SecretBytes> hmac_sha256(ByteView key, std::initializer_list<ByteView> parts) {
  if (key.empty()) return fail(Code::kInvalidArgument, "HMAC-SHA-256 key is empty");
  EVP_MAC* mac = hmac_algorithm();
  if (mac == nullptr) return detail::openssl_error("HMAC fetch");
  detail::MacCtxPtr ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return detail::openssl_error("HMAC context");
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_END};
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) {
    return detail::openssl_error("HMAC-SHA-256 init");
  }
  for (ByteView part : parts) {
    if (!part.empty() && EVP_MAC_update(ctx.get(), part.data(), part.size()) != 1) {
      return detail::openssl_error("HMAC-SHA-256 update");
    }
  }
  SecretBytes out(kSha256Size);
  std::size_t len = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != kSha256Size) {
    return detail::openssl_error("HMAC-SHA-256 final");
  }
  return out;
}

}  // namespace kmebind::crypto
