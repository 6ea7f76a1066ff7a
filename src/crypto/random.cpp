#include "crypto/random.h"

#include <openssl/rand.h>

#include <climits>

namespace kmebind::crypto {

Status random_fill(std::span<std::uint8_t> out) {
  if (out.empty()) return {};
  if (out.size() > INT_MAX || RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return fail(Code::kInternal, "OpenSSL RAND_bytes failed");
  }
  return {};
}

Result<Bytes> random_bytes(std::size_t n) {
  Bytes out(n);
  if (auto st = random_fill(out); !st) return std::unexpected(st.error());
  return out;
}

Result<SecretBytes> random_secret(std::size_t n) {
  SecretBytes out(n);
  if (auto st = random_fill({out.data(), out.size()}); !st) return std::unexpected(st.error());
  return out;
}

}  // namespace kmebind::crypto
