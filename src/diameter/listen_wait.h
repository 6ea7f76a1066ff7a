// Waiting for freeDiameter's listener. fd_core_start() returns, and fd_core_waitstartcomplete()
// reports the core running, before its server thread has called listen() on the socket it bound
// (freeDiameter 1.2.1 listens inside that thread). A node that says "ready" in that window refuses
// the first connection (ECONNREFUSED), so FdCore::start waits until the port listens.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace kmebind::diameter::detail {

// Whether a TCP socket of this network namespace listens on `port` (any address, IPv4 or IPv6),
// read from /proc/net/tcp and /proc/net/tcp6. std::nullopt when neither file can be read.
std::optional<bool> tcp_port_listening(std::uint16_t port);

// Polls tcp_port_listening every millisecond until true or `timeout` passes. True when the port
// listens, or when /proc cannot tell (nothing to wait for then); false on timeout.
bool wait_until_listening(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace kmebind::diameter::detail
