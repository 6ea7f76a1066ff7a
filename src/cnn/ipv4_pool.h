// The IPv4 addresses the CNN hands out to default bearers (TS 24.301 §9.9.4.9 PDN address).
// A bitmap over one CIDR block: one bit per address, so a /12 costs 128 KiB.
// Not thread-safe; owned by one Cnn.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace kmebind::cnn {

class Ipv4Pool {
 public:
  // Parses "a.b.c.d/len" with len in 8..30. The usable addresses exclude the network and the
  // broadcast address. Fails with kInvalidArgument naming the text otherwise.
  static Result<Ipv4Pool> parse(std::string_view cidr);

  Ipv4Pool() = default;

  // The lowest free address at or after the last one handed out (wrapping), or nullopt when all
  // are in use. Host byte order.
  std::optional<std::uint32_t> allocate();
  // Returns an address to the pool; addresses outside it, or not in use, are ignored.
  void release(std::uint32_t address);

  std::size_t size() const { return size_; }
  std::size_t in_use() const { return in_use_; }

  static std::array<std::uint8_t, 4> octets(std::uint32_t address) {
    return {static_cast<std::uint8_t>(address >> 24), static_cast<std::uint8_t>(address >> 16),
            static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)};
  }

 private:
  std::uint32_t first_ = 0;  // first usable address
  std::size_t size_ = 0;
  std::size_t in_use_ = 0;
  std::size_t cursor_ = 0;
  std::vector<std::uint64_t> used_;
};

}  // namespace kmebind::cnn
