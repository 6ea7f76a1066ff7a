#include "crypto/eia2.h"

#include "crypto/cmac.h"
#include "crypto/nas_alg_common.h"

namespace kmebind::crypto {

Result<std::array<std::uint8_t, kEia2MacSize>> eia2_mac(const SecretBytes& key, std::uint32_t count,
                                                        std::uint8_t bearer, std::uint8_t direction,
                                                        ByteView message, std::size_t length_bits) {
  if (auto st =
          detail::check_nas_alg_args("128-EIA2", key, bearer, direction, message, length_bits);
      !st) {
    return std::unexpected(st.error());
  }
  // TS 33.401 B.2.3: M = COUNT ‖ BEARER ‖ DIRECTION ‖ 0^26 ‖ MESSAGE.
  const auto prefix = detail::count_bearer_direction(count, bearer, direction);
  const std::size_t message_octets = (length_bits + 7) / 8;
  Bytes m;
  m.reserve(prefix.size() + message_octets);
  m.insert(m.end(), prefix.begin(), prefix.end());
  m.insert(m.end(), message.begin(), message.begin() + static_cast<std::ptrdiff_t>(message_octets));
  auto t = aes_cmac(key.view(), m, 8 * prefix.size() + length_bits);
  if (!t) return std::unexpected(t.error());
  // MACT = the 32 most significant bits of T.
  return std::array<std::uint8_t, kEia2MacSize>{(*t)[0], (*t)[1], (*t)[2], (*t)[3]};
}

}  // namespace kmebind::crypto
