// Byte strings, hex, and the two cursor helpers every codec uses (LevelDB style):
// ByteWriter appends; ByteReader consumes from the front of a view and never reads past it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace kmebind {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Lowercase hex of the bytes.
std::string to_hex(ByteView bytes);
// Parses hex (upper or lower case, even length, no separators).
// Fails with kInvalidArgument naming `what` on odd length or a non-hex digit.
Result<Bytes> from_hex(std::string_view hex, std::string_view what = "hex");
// Same, and also requires exactly `size` octets.
Result<Bytes> from_hex_exact(std::string_view hex, std::size_t size, std::string_view what);

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Constant-time equality; false when sizes differ (the size itself is not secret).
bool equal_ct(ByteView a, ByteView b);

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(Bytes&& reuse) : out_(std::move(reuse)) { out_.clear(); }

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v);
  void u24(std::uint32_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void bytes(ByteView v) { out_.insert(out_.end(), v.begin(), v.end()); }
  // Writes a placeholder and returns its offset, for lengths known only later.
  std::size_t reserve(std::size_t n);
  // REQUIRES: offset + 2 <= size().
  void patch_u16(std::size_t offset, std::uint16_t v);
  void patch_u8(std::size_t offset, std::uint8_t v) { out_[offset] = v; }

  std::size_t size() const { return out_.size(); }
  const Bytes& view() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

// Reads big-endian values from a borrowed view. Every getter fails with kMalformed naming
// `what` when fewer octets are left than it needs, and then consumes nothing.
// The view must outlive the reader and every span it returns.
class ByteReader {
 public:
  explicit ByteReader(ByteView in) : in_(in) {}

  [[nodiscard]] Result<std::uint8_t> u8(std::string_view what);
  [[nodiscard]] Result<std::uint16_t> u16(std::string_view what);
  [[nodiscard]] Result<std::uint32_t> u24(std::string_view what);
  [[nodiscard]] Result<std::uint32_t> u32(std::string_view what);
  [[nodiscard]] Result<std::uint64_t> u64(std::string_view what);
  [[nodiscard]] Result<ByteView> take(std::size_t n, std::string_view what);
  [[nodiscard]] Result<std::uint8_t> peek_u8(std::string_view what) const;

  std::size_t remaining() const { return in_.size() - pos_; }
  bool empty() const { return remaining() == 0; }
  std::size_t position() const { return pos_; }
  ByteView rest() const { return in_.subspan(pos_); }

 private:
  ByteView in_;
  std::size_t pos_ = 0;
};

}  // namespace kmebind
