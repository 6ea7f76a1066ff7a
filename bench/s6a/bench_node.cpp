#include "bench_node.h"

#include <unistd.h>

#include <charconv>

namespace kmebind::bench {

Result<diameter::DiameterConfig> node_config(const NodeOptions& node) {
  diameter::DiameterConfig c;
  c.identity = node.identity;
  c.realm = node.realm;
  c.dispatch_threads = node.dispatch_threads;
  c.fd_log_level = 5;  // errors only: the benchmark prints its own report
  c.runtime_dir = node.runtime_dir.empty() ? std::filesystem::temp_directory_path() /
                                                 ("kmebind-s6a-bench-" + std::to_string(::getpid()))
                                           : std::filesystem::path(node.runtime_dir);
  if (node.transport == "tcp") {
    c.clear_tcp = true;
  } else if (node.transport == "tls") {
    if (node.cert.empty() || node.key.empty() || node.ca.empty()) {
      return fail(Code::kInvalidArgument, "--transport tls needs --cert, --key and --ca");
    }
    c.tls = diameter::TlsFiles{node.cert, node.key, node.ca};
  } else {
    return fail(Code::kInvalidArgument,
                "--transport must be tls or tcp, not '" + node.transport + "'");
  }
  return c;
}

Result<std::pair<std::string, std::uint16_t>> split_endpoint(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return fail(Code::kInvalidArgument, "endpoint '" + text + "' is not address:port");
  }
  unsigned port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || end != last || port == 0 || port > 65535) {
    return fail(Code::kInvalidArgument, "endpoint '" + text + "': bad port");
  }
  return std::pair{text.substr(0, colon), static_cast<std::uint16_t>(port)};
}

}  // namespace kmebind::bench
