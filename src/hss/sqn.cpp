#include "hss/sqn.h"

namespace kmebind::hss {

Bytes sqn_to_octets(std::uint64_t sqn) {
  Bytes out(kSqnOctets);
  for (std::size_t i = 0; i < kSqnOctets; ++i) {
    out[kSqnOctets - 1 - i] = static_cast<std::uint8_t>(sqn >> (8 * i));
  }
  return out;
}

std::uint64_t sqn_from_octets(ByteView octets) {
  std::uint64_t sqn = 0;
  for (std::size_t i = 0; i < kSqnOctets && i < octets.size(); ++i) sqn = (sqn << 8) | octets[i];
  return sqn;
}

Bytes xor_octets(ByteView a, ByteView b) {
  Bytes out(a.size());
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
  }
  return out;
}

}  // namespace kmebind::hss
