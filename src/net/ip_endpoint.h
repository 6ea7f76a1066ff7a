// An IP address and port as plain octets, for logs, pcap records and config: no asio in the type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"

namespace kmebind::net {

struct IpEndpoint {
  Bytes address;  // 4 octets (IPv4) or 16 octets (IPv6), network order
  std::uint16_t port = 0;

  bool is_v4() const { return address.size() == 4; }
  bool is_v6() const { return address.size() == 16; }
  // "127.0.0.1:3868", "[::1]:3868"; "?" for an address of another size.
  std::string to_string() const;
  friend bool operator==(const IpEndpoint&, const IpEndpoint&) = default;
};

// Parses a numeric IPv4 or IPv6 address (no host names). Fails with kInvalidArgument naming it.
Result<IpEndpoint> parse_ip_endpoint(std::string_view address, std::uint16_t port);

}  // namespace kmebind::net
