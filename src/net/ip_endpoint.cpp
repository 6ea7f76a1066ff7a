#include "net/ip_endpoint.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>

namespace kmebind::net {

std::string IpEndpoint::to_string() const {
  std::array<char, INET6_ADDRSTRLEN> text{};
  // fmt rather than operator+ chains: g++ 12 -O3 flags those with a false -Wrestrict.
  if (is_v4() && inet_ntop(AF_INET, address.data(), text.data(), text.size())) {
    return fmt::format("{}:{}", text.data(), port);
  }
  if (is_v6() && inet_ntop(AF_INET6, address.data(), text.data(), text.size())) {
    return fmt::format("[{}]:{}", text.data(), port);
  }
  return fmt::format("?:{}", port);
}

Result<IpEndpoint> parse_ip_endpoint(std::string_view address, std::uint16_t port) {
  const std::string text(address);
  IpEndpoint out;
  out.port = port;
  out.address.resize(4);
  if (inet_pton(AF_INET, text.c_str(), out.address.data()) == 1) return out;
  out.address.resize(16);
  if (inet_pton(AF_INET6, text.c_str(), out.address.data()) == 1) return out;
  return fail(Code::kInvalidArgument,
              "'" + text + "' is not a numeric IPv4 or IPv6 address (host names are not accepted)");
}

}  // namespace kmebind::net
