#include "crypto/openssl_util.h"

#include <openssl/err.h>

#include <string>

namespace kmebind::crypto::detail {

std::unexpected<Error> openssl_error(std::string_view what) {
  std::string msg(what);
  msg += ": OpenSSL ";
  const unsigned long code = ERR_peek_last_error();
  if (code != 0) {
    const char* reason = ERR_reason_error_string(code);
    msg += reason != nullptr ? reason : "error";
  } else {
    msg += "call failed";
  }
  ERR_clear_error();
  return fail(Code::kInternal, std::move(msg));
}

void clear_openssl_errors() {
  ERR_clear_error();
}

const EVP_MD* sha256_md() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

const EVP_CIPHER* aes_256_gcm_cipher() {
  static const EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

}  // namespace kmebind::crypto::detail
