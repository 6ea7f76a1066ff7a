#include "crypto/eea2.h"

#include <array>

#include "crypto/aes.h"
#include "crypto/nas_alg_common.h"

namespace kmebind::crypto {

Result<Bytes> eea2(const SecretBytes& key, std::uint32_t count, std::uint8_t bearer,
                   std::uint8_t direction, ByteView data, std::size_t length_bits) {
  if (auto st = detail::check_nas_alg_args("128-EEA2", key, bearer, direction, data, length_bits);
      !st) {
    return std::unexpected(st.error());
  }
  // TS 33.401 B.1.3: T1 = COUNT ‖ BEARER ‖ DIRECTION ‖ 0^26 ‖ 0^64; the 64-bit low half starts
  // at zero, so OpenSSL's 128-bit counter increment equals the spec's for any NAS length.
  std::array<std::uint8_t, kAesBlockSize> t1{};
  const auto prefix = detail::count_bearer_direction(count, bearer, direction);
  std::copy(prefix.begin(), prefix.end(), t1.begin());
  const std::size_t octets = (length_bits + 7) / 8;
  auto out = aes_ctr(key.view(), t1, data.first(octets));
  if (!out) return out;
  if (const unsigned used = static_cast<unsigned>(length_bits % 8); used != 0) {
    out->back() = static_cast<std::uint8_t>(out->back() & (0xff00u >> used));
  }
  return out;
}

}  // namespace kmebind::crypto
