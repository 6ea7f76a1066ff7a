#include "crypto/hash.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

#include "crypto/openssl_util.h"

namespace kmebind::crypto {
namespace {

// OpenSSL's HMAC set up once: algorithm fetched, digest chosen (naming the digest per call
// makes OpenSSL fetch it every time), keyed with a public dummy key so that every OpenSSL 3.0.x
// can copy it; each call re-keys a copy.
// Never modified after creation: copies may be made from several threads.
const EVP_MAC_CTX* hmac_template() {
  static EVP_MAC_CTX* const ctx = []() -> EVP_MAC_CTX* {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) return nullptr;
    detail::MacCtxPtr c(EVP_MAC_CTX_new(mac));
    EVP_MAC_free(mac);  // the context holds its own reference
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_END};
    static constexpr std::uint8_t kDummyKey[1] = {0};
    if (!c || EVP_MAC_init(c.get(), kDummyKey, sizeof kDummyKey, params) != 1) {
      detail::clear_openssl_errors();
      return nullptr;
    }
    return c.release();
  }();
  return ctx;
}

}  // namespace

Result<std::array<std::uint8_t, kSha256Size>> sha256(std::initializer_list<ByteView> parts) {
  const EVP_MD* md = detail::sha256_md();
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

// RFC 2104 HMAC with SHA-256, by OpenSSL's EVP_MAC "HMAC" re-keyed from a prepared copy.
Result<SecretBytes> hmac_sha256(ByteView key, std::initializer_list<ByteView> parts) {
  if (key.empty()) return fail(Code::kInvalidArgument, "HMAC-SHA-256 key is empty");
  const EVP_MAC_CTX* tmpl = hmac_template();
  if (tmpl == nullptr) return detail::openssl_error("HMAC-SHA-256 set-up");
  detail::MacCtxPtr ctx(EVP_MAC_CTX_dup(tmpl));  // its key state is wiped when freed
  if (!ctx) return detail::openssl_error("HMAC context");
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), nullptr) != 1) {
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
