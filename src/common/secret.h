// SecretBytes: key material that wipes itself (OPENSSL_cleanse) when destroyed or overwritten,
// and prints as "<redacted>" through operator<< and fmt/spdlog, so a log line cannot leak it.
// Copying is explicit (clone()) so that secrets do not multiply by accident.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace kmebind {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size) : data_(size, 0) {}
  explicit SecretBytes(ByteView bytes) : data_(bytes.begin(), bytes.end()) {}
  // Takes ownership and wipes nothing of the source (it is moved from, left empty).
  explicit SecretBytes(Bytes&& bytes) : data_(std::move(bytes)) {}
  ~SecretBytes() { wipe(); }

  SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) { other.data_.clear(); }
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  SecretBytes clone() const { return SecretBytes(view()); }
  // Parses hex into a secret; the error message never echoes the digits.
  static Result<SecretBytes> from_hex(std::string_view hex, std::size_t size, std::string_view what);

  ByteView view() const { return data_; }
  std::uint8_t* data() { return data_.data(); }
  const std::uint8_t* data() const { return data_.data(); }
  std::size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  // Explicitly reveals the value as hex; only for outputs a user asked for (crypto CLI, export).
  std::string reveal_hex() const { return to_hex(view()); }

  // Zeroes the contents and frees them.
  void wipe();

  friend bool operator==(const SecretBytes& a, const SecretBytes& b) { return equal_ct(a.view(), b.view()); }

 private:
  Bytes data_;
};

inline std::ostream& operator<<(std::ostream& os, const SecretBytes&) { return os << "<redacted>"; }

}  // namespace kmebind

#if __has_include(<fmt/format.h>)
#include <fmt/format.h>
template <>
struct fmt::formatter<kmebind::SecretBytes> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const kmebind::SecretBytes&, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format("<redacted>", ctx);
  }
};
#endif
