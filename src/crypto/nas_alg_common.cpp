#include "crypto/nas_alg_common.h"

#include <string>

namespace kmebind::crypto::detail {

Status check_nas_alg_args(const char* alg, const SecretBytes& key, std::uint8_t bearer,
                          std::uint8_t direction, ByteView input, std::size_t length_bits) {
  const std::string name(alg);
  if (key.size() != 16) {
    return fail(Code::kInvalidArgument,
                name + ": KEY must be 16 octets, got " + std::to_string(key.size()));
  }
  if (bearer >= 32) {
    return fail(Code::kInvalidArgument,
                name + ": BEARER is 5 bits (0..31), got " + std::to_string(bearer));
  }
  if (direction > 1) {
    return fail(Code::kInvalidArgument,
                name + ": DIRECTION must be 0 or 1, got " + std::to_string(direction));
  }
  const std::size_t need = length_bits / 8 + (length_bits % 8 != 0 ? 1 : 0);
  if (input.size() < need) {
    return fail(Code::kInvalidArgument,
                name + ": LENGTH " + std::to_string(length_bits) + " bits needs " +
                    std::to_string(need) + " octets of input, got " + std::to_string(input.size()));
  }
  return {};
}

std::array<std::uint8_t, 8> count_bearer_direction(std::uint32_t count, std::uint8_t bearer,
                                                   std::uint8_t direction) {
  return {static_cast<std::uint8_t>(count >> 24),
          static_cast<std::uint8_t>(count >> 16),
          static_cast<std::uint8_t>(count >> 8),
          static_cast<std::uint8_t>(count),
          static_cast<std::uint8_t>((bearer << 3) | ((direction & 1) << 2)),
          0,
          0,
          0};
}

}  // namespace kmebind::crypto::detail
