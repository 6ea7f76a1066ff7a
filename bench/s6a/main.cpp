// kmebind_s6a_bench: S6a load against a running `kmebind hss` (docs/performance-s6a.md).
//   certs        a throw-away CA and certificates for the HSS and the bench client
//   echo-server  an S6a server that answers without any HSS work (freeDiameter's own rate)
//   load         the load client: one or more runs of AIR or ULR at N requests in flight
// Exit codes: 0 ok, 1 failure (including lost requests), 2 bad usage.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "bench_node.h"
#include "demo_certs.h"
#include "diameter/fd_core.h"
#include "diameter/s6a_client.h"
#include "diameter/s6a_server.h"
#include "echo_server.h"
#include "load_client.h"

namespace {

using namespace kmebind;
using namespace kmebind::bench;

int failure(const std::string& what, const Error& e) {
  std::cerr << "kmebind_s6a_bench " << what << ": " << e.message() << "\n";
  return 1;
}

int run_certs(const std::string& dir, const std::vector<std::string>& identities) {
  auto ca = app::make_certificate_authority(dir, "ca", "kmebind S6a bench CA", 2);
  if (!ca) return failure("certs", ca.error());
  for (const std::string& id : identities) {
    const std::string name = id.substr(0, id.find('.'));  // hss.kmebind.test -> hss.pem/.key
    if (auto st = app::issue_certificate(*ca, dir, name, id, 2); !st) {
      return failure("certs", st.error());
    }
  }
  return 0;
}

int run_echo(const NodeOptions& node, const std::string& listen,
             const std::vector<std::string>& allowed) {
  auto config = node_config(node);
  if (!config) return failure("echo-server", config.error());
  auto endpoint = split_endpoint(listen);
  if (!endpoint) return failure("echo-server", endpoint.error());
  config->listen_address = endpoint->first;
  config->listen_port = endpoint->second;
  config->allowed_peers = allowed;
  auto core = diameter::FdCore::create(*config);
  if (!core) return failure("echo-server", core.error());
  EchoHandler handler;
  auto server = diameter::S6aServer::create(**core, handler);
  if (!server) return failure("echo-server", server.error());
  if (auto st = (*core)->start(); !st) return failure("echo-server", st.error());
  std::cout << "kmebind_s6a_bench echo-server ready: " << listen << "/" << node.transport
            << std::endl;
  diameter::FdCore::wait_for_termination_signal();
  (*core)->stop();
  const diameter::ServerStats stats = (*server)->stats();
  std::cerr << "echo-server: " << stats.requests << " requests, " << stats.answers_sent
            << " answers\n";
  server->reset();
  return 0;
}

struct RunSpec {
  std::string command;
  std::size_t in_flight = 0;
};

Result<std::vector<RunSpec>> parse_runs(const std::string& text) {
  std::vector<RunSpec> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const std::size_t colon = item.find(':');
    if (colon == std::string::npos) {
      return fail(Code::kInvalidArgument, "--runs item '" + item + "' is not COMMAND:IN_FLIGHT");
    }
    RunSpec r{item.substr(0, colon), 0};
    try {
      r.in_flight = std::stoul(item.substr(colon + 1));
    } catch (...) {
      return fail(Code::kInvalidArgument, "--runs item '" + item + "': bad in-flight count");
    }
    out.push_back(r);
  }
  if (out.empty()) return fail(Code::kInvalidArgument, "--runs is empty");
  return out;
}

int run_client(const NodeOptions& node, const std::string& connect, const std::string& peer,
               const std::string& runs_text, LoadOptions load, unsigned timeout_ms, bool json) {
  auto runs = parse_runs(runs_text);
  if (!runs) return failure("load", runs.error());
  auto config = node_config(node);
  if (!config) return failure("load", config.error());
  auto endpoint = split_endpoint(connect);
  if (!endpoint) return failure("load", endpoint.error());
  config->peers.push_back(
      diameter::PeerConfig{peer, endpoint->first, endpoint->second, node.transport == "tls"});
  config->request_timeout = std::chrono::milliseconds(timeout_ms);
  auto core = diameter::FdCore::create(*config);
  if (!core) return failure("load", core.error());
  auto client = diameter::S6aClient::create(**core);
  if (!client) return failure("load", client.error());
  if (auto st = (*core)->start(); !st) return failure("load", st.error());
  if (auto st = (*core)->wait_for_peers(1, std::chrono::seconds(15)); !st) {
    (*core)->stop();
    return failure("load", st.error());
  }
  nlohmann::json all = nlohmann::json::array();
  bool lost_any = false;
  for (const RunSpec& spec : *runs) {
    load.command = spec.command;
    load.in_flight = spec.in_flight;
    auto report = run_load(**client, load);
    if (!report) {
      (*core)->stop();
      return failure("load", report.error());
    }
    lost_any = lost_any || report->lost != 0;
    nlohmann::json j = to_json(*report);
    j["transport"] = node.transport;
    all.push_back(j);
    if (!json) std::cout << node.transport << " " << to_text(*report) << std::endl;
  }
  (*core)->stop();
  client->reset();
  if (json) std::cout << all.dump() << std::endl;
  return lost_any ? 1 : 0;
}

void add_node_options(CLI::App* sub, NodeOptions& node) {
  sub->add_option("--identity", node.identity, "Diameter Identity of this node")->required();
  sub->add_option("--realm", node.realm, "Diameter realm (default kmebind.test)");
  sub->add_option("--transport", node.transport, "tls (mutual, default) or tcp");
  sub->add_option("--cert", node.cert, "PEM certificate (tls)");
  sub->add_option("--key", node.key, "PEM private key (tls)");
  sub->add_option("--ca", node.ca, "PEM CA certificate (tls)");
  sub->add_option("--dispatch-threads", node.dispatch_threads,
                  "freeDiameter dispatch threads (default 4)");
  sub->add_option("--runtime-dir", node.runtime_dir, "where the freeDiameter .conf is written");
}

}  // namespace

int main(int argc, char** argv) {
  // Logs (freeDiameter's among them) go to stderr: stdout carries the report.
  spdlog::set_default_logger(spdlog::stderr_color_mt("bench"));
  spdlog::set_level(spdlog::level::warn);
  CLI::App root{"kmebind_s6a_bench: S6a load against kmebind hss (docs/performance-s6a.md)"};
  root.require_subcommand(1);
  int code = 0;

  std::string certs_dir;
  std::vector<std::string> identities;
  CLI::App* certs =
      root.add_subcommand("certs", "write ca.pem/.key and <name>.pem/.key per identity");
  certs->add_option("--dir", certs_dir, "output directory (must exist)")->required();
  certs->add_option("--identity", identities, "Diameter Identity (repeatable)")->required();
  certs->callback([&] { code = run_certs(certs_dir, identities); });

  NodeOptions echo_node;
  std::string listen;
  std::vector<std::string> allowed;
  CLI::App* echo = root.add_subcommand("echo-server", "answer AIR/ULR at once, no HSS work");
  add_node_options(echo, echo_node);
  echo->add_option("--listen", listen, "address:port")->required();
  echo->add_option("--allow", allowed, "peer identity allowed to connect (repeatable)")->required();
  echo->callback([&] { code = run_echo(echo_node, listen, allowed); });

  NodeOptions client_node;
  LoadOptions load;
  std::string connect, peer, runs = "air:1,air:64";
  unsigned timeout_ms = 5000;
  bool json = false;
  CLI::App* client = root.add_subcommand("load", "S6a load client");
  add_node_options(client, client_node);
  client->add_option("--connect", connect, "HSS address:port")->required();
  client->add_option("--peer", peer, "HSS Diameter Identity")->required();
  client->add_option("--runs", runs, "COMMAND:IN_FLIGHT list, e.g. air:1,air:64,ulr:64");
  client->add_option("--warmup", load.warmup_s, "seconds before each measured window (default 1)");
  client->add_option("--duration", load.duration_s, "seconds measured per run (default 10)");
  client->add_option("--subscribers", load.subscribers,
                     "IMSIs used: prefix + index 0..N-1 (generate-import numbering)");
  client->add_option("--imsi-prefix", load.imsi_prefix, "MCC+MNC (default 00101)");
  client->add_option("--vectors", load.vectors, "vectors per AIR (default 1)");
  client->add_option("--timeout-ms", timeout_ms, "request timeout (default 5000)");
  client->add_flag("--json", json, "one JSON array of the runs on stdout");
  client->callback(
      [&] { code = run_client(client_node, connect, peer, runs, load, timeout_ms, json); });

  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return root.exit(e) == 0 ? 0 : 2;
  }
  return code;
}
