#include "cnn/ipv4_pool.h"

#include <charconv>
#include <string>

namespace kmebind::cnn {
namespace {

std::optional<std::uint32_t> parse_number(std::string_view s, std::uint32_t max) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

}  // namespace

Result<Ipv4Pool> Ipv4Pool::parse(std::string_view cidr) {
  const auto bad = [&] {
    return fail(Code::kInvalidArgument, "IPv4 pool \"" + std::string(cidr) +
                                            "\": expected a.b.c.d/len with len 8..30, e.g. "
                                            "10.45.0.0/16");
  };
  const std::size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return bad();
  const auto len = parse_number(cidr.substr(slash + 1), 32);
  if (!len || *len < 8 || *len > 30) return bad();
  std::string_view rest = cidr.substr(0, slash);
  std::uint32_t address = 0;
  for (int i = 0; i < 4; ++i) {
    const std::size_t dot = rest.find('.');
    if ((i < 3) != (dot != std::string_view::npos)) return bad();
    const auto octet = parse_number(rest.substr(0, dot), 255);
    if (!octet) return bad();
    address = (address << 8) | *octet;
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
  }
  const std::uint32_t host_bits = 32 - *len;
  const std::uint32_t network = address & ~((std::uint32_t{1} << host_bits) - 1);
  Ipv4Pool pool;
  pool.first_ = network + 1;
  pool.size_ = (std::size_t{1} << host_bits) - 2;
  pool.used_.assign((pool.size_ + 63) / 64, 0);
  return pool;
}

std::optional<std::uint32_t> Ipv4Pool::allocate() {
  if (in_use_ >= size_) return std::nullopt;
  for (std::size_t n = 0; n < size_; ++n) {
    const std::size_t i = (cursor_ + n) % size_;
    std::uint64_t& word = used_[i / 64];
    const std::uint64_t bit = std::uint64_t{1} << (i % 64);
    if ((word & bit) == 0) {
      word |= bit;
      ++in_use_;
      cursor_ = (i + 1) % size_;
      return first_ + static_cast<std::uint32_t>(i);
    }
  }
  return std::nullopt;
}

void Ipv4Pool::release(std::uint32_t address) {
  if (address < first_ || address - first_ >= size_) return;
  const std::size_t i = address - first_;
  std::uint64_t& word = used_[i / 64];
  const std::uint64_t bit = std::uint64_t{1} << (i % 64);
  if ((word & bit) == 0) return;
  word &= ~bit;
  --in_use_;
}

}  // namespace kmebind::cnn
