#include "diameter/listen_wait.h"

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace kmebind::diameter::detail {
namespace {

constexpr std::string_view kListenState = "0A";  // TCP_LISTEN in /proc/net/tcp's "st" column

// One /proc/net/tcp{,6} file: lines "sl local_address rem_address st ...", the local address as
// HEXADDR:HEXPORT. std::nullopt when the file cannot be read.
std::optional<bool> listening_in(const char* file, std::uint16_t port) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    if (!(fields >> slot >> local >> remote >> state)) continue;
    const auto colon = local.rfind(':');
    if (colon == std::string::npos || state != kListenState) continue;
    unsigned long value = 0;
    try {
      value = std::stoul(local.substr(colon + 1), nullptr, 16);
    } catch (...) {
      continue;
    }
    if (value == port) return true;
  }
  return false;
}

}  // namespace

std::optional<bool> tcp_port_listening(std::uint16_t port) {
  auto v4 = listening_in("/proc/net/tcp", port);
  if (v4 && *v4) return true;
  auto v6 = listening_in("/proc/net/tcp6", port);
  if (v6 && *v6) return true;
  if (!v4 && !v6) return std::nullopt;
  return false;
}

bool wait_until_listening(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto listening = tcp_port_listening(port);
    if (!listening || *listening) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace kmebind::diameter::detail
