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

}  // namespace kmebind::crypto::detail
