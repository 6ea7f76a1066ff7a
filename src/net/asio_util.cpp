#include "net/asio_util.h"

namespace kmebind::net::detail {

IpEndpoint to_ip_endpoint(const asio::ip::tcp::endpoint& endpoint) {
  IpEndpoint out;
  out.port = endpoint.port();
  const auto address = endpoint.address();
  if (address.is_v4()) {
    const auto octets = address.to_v4().to_bytes();
    out.address.assign(octets.begin(), octets.end());
  } else if (address.to_v6().is_v4_mapped()) {
    const auto octets = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_bytes();
    out.address.assign(octets.begin(), octets.end());
  } else {
    const auto octets = address.to_v6().to_bytes();
    out.address.assign(octets.begin(), octets.end());
  }
  return out;
}

Result<IpEndpoint> open_acceptor(asio::ip::tcp::acceptor& acceptor, const std::string& address,
                                 std::uint16_t port, std::string_view what) {
  std::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) {
    return fail(Code::kInvalidArgument,
                std::string(what) + ": '" + address + "' is not a numeric IP address");
  }
  const asio::ip::tcp::endpoint endpoint(ip, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::error_code ignored;
    acceptor.close(ignored);
    return fail(Code::kIo, std::string(what) + ": cannot listen on " + address + ":" +
                               std::to_string(port) + ": " + ec.message());
  }
  const auto local = acceptor.local_endpoint(ec);
  if (ec) return fail(Code::kIo, std::string(what) + ": " + ec.message());
  return to_ip_endpoint(local);
}

}  // namespace kmebind::net::detail
