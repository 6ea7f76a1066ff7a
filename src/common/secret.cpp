#include "common/secret.h"

#include <openssl/crypto.h>

namespace kmebind {

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    other.data_.clear();
  }
  return *this;
}

void SecretBytes::wipe() {
  if (!data_.empty()) OPENSSL_cleanse(data_.data(), data_.size());
  data_.clear();
  data_.shrink_to_fit();
}

Result<SecretBytes> SecretBytes::from_hex(std::string_view hex, std::size_t size,
                                          std::string_view what) {
  auto bytes = from_hex_exact(hex, size, what);
  if (!bytes) return std::unexpected(bytes.error());
  SecretBytes out(std::move(*bytes));
  return out;
}

}  // namespace kmebind
