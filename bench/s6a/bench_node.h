// The Diameter node settings shared by the load client and the echo server of kmebind_s6a_bench.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "diameter/fd_config.h"

namespace kmebind::bench {

struct NodeOptions {
  std::string identity;  // Diameter Identity of this node
  std::string realm = "kmebind.test";
  std::string transport = "tls";  // tls (mutual) | tcp (clear)
  std::string cert, key, ca;      // PEM files, for tls
  unsigned dispatch_threads = 4;  // freeDiameter AppServThreads
  std::string runtime_dir;        // where the generated freeDiameter .conf goes
};

// A DiameterConfig for `node` (no listener, no peers: the caller adds them). kInvalidArgument for
// an unknown transport or missing TLS files.
Result<diameter::DiameterConfig> node_config(const NodeOptions& node);

// Splits "address:port" (IPv4 literal). kInvalidArgument when malformed.
Result<std::pair<std::string, std::uint16_t>> split_endpoint(const std::string& text);

}  // namespace kmebind::bench
