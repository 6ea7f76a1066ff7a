// Internal to kmebind_net: small asio helpers shared by the servers and the client.
#pragma once

#include <asio/ip/tcp.hpp>
#include <string>
#include <string_view>

#include "common/error.h"
#include "net/ip_endpoint.h"

namespace kmebind::net::detail {

// The octets and port of an asio endpoint (an IPv4-mapped IPv6 address becomes IPv4).
IpEndpoint to_ip_endpoint(const asio::ip::tcp::endpoint& endpoint);

// Opens, binds (SO_REUSEADDR) and listens on a numeric address. Fails with kInvalidArgument for
// an address that is not numeric, kIo otherwise; messages start with `what` ("NAS server").
Result<IpEndpoint> open_acceptor(asio::ip::tcp::acceptor& acceptor, const std::string& address,
                                 std::uint16_t port, std::string_view what);

}  // namespace kmebind::net::detail
