#include "common/bytes.h"

#include <openssl/crypto.h>

namespace kmebind {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::unexpected<Error> short_input(std::string_view what, std::size_t need, std::size_t have) {
  return fail(Code::kMalformed, std::string(what) + ": need " + std::to_string(need) +
                                    " octet(s), " + std::to_string(have) + " left");
}

}  // namespace

std::string to_hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

Result<Bytes> from_hex(std::string_view hex, std::string_view what) {
  if (hex.size() % 2 != 0) {
    return fail(Code::kInvalidArgument, std::string(what) + ": hex has an odd number of digits (" +
                                            std::to_string(hex.size()) + ")");
  }
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return fail(Code::kInvalidArgument, std::string(what) + ": not a hex digit at position " +
                                              std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

Result<Bytes> from_hex_exact(std::string_view hex, std::size_t size, std::string_view what) {
  auto bytes = from_hex(hex, what);
  if (!bytes) return bytes;
  if (bytes->size() != size) {
    return fail(Code::kInvalidArgument, std::string(what) + ": expected " + std::to_string(size) +
                                            " octets (" + std::to_string(size * 2) +
                                            " hex digits), got " + std::to_string(bytes->size()));
  }
  return bytes;
}

bool equal_ct(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void ByteWriter::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}
void ByteWriter::u24(std::uint32_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 16));
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}
void ByteWriter::u32(std::uint32_t v) {
  u16(static_cast<std::uint16_t>(v >> 16));
  u16(static_cast<std::uint16_t>(v));
}
void ByteWriter::u64(std::uint64_t v) {
  u32(static_cast<std::uint32_t>(v >> 32));
  u32(static_cast<std::uint32_t>(v));
}
std::size_t ByteWriter::reserve(std::size_t n) {
  const std::size_t at = out_.size();
  out_.resize(at + n, 0);
  return at;
}
void ByteWriter::patch_u16(std::size_t offset, std::uint16_t v) {
  out_[offset] = static_cast<std::uint8_t>(v >> 8);
  out_[offset + 1] = static_cast<std::uint8_t>(v);
}

Result<std::uint8_t> ByteReader::u8(std::string_view what) {
  if (remaining() < 1) return short_input(what, 1, remaining());
  return in_[pos_++];
}
Result<std::uint8_t> ByteReader::peek_u8(std::string_view what) const {
  if (remaining() < 1) return short_input(what, 1, remaining());
  return in_[pos_];
}
Result<std::uint16_t> ByteReader::u16(std::string_view what) {
  if (remaining() < 2) return short_input(what, 2, remaining());
  const auto v = static_cast<std::uint16_t>((in_[pos_] << 8) | in_[pos_ + 1]);
  pos_ += 2;
  return v;
}
Result<std::uint32_t> ByteReader::u24(std::string_view what) {
  if (remaining() < 3) return short_input(what, 3, remaining());
  const std::uint32_t v = (std::uint32_t{in_[pos_]} << 16) | (std::uint32_t{in_[pos_ + 1]} << 8) |
                          std::uint32_t{in_[pos_ + 2]};
  pos_ += 3;
  return v;
}
Result<std::uint32_t> ByteReader::u32(std::string_view what) {
  if (remaining() < 4) return short_input(what, 4, remaining());
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | in_[pos_ + static_cast<std::size_t>(i)];
  pos_ += 4;
  return v;
}
Result<std::uint64_t> ByteReader::u64(std::string_view what) {
  if (remaining() < 8) return short_input(what, 8, remaining());
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in_[pos_ + static_cast<std::size_t>(i)];
  pos_ += 8;
  return v;
}
Result<ByteView> ByteReader::take(std::size_t n, std::string_view what) {
  if (remaining() < n) return short_input(what, n, remaining());
  ByteView v = in_.subspan(pos_, n);
  pos_ += n;
  return v;
}

}  // namespace kmebind
