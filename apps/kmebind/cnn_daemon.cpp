// `kmebind cnn` (cnn_daemon.h): start-up, the signal loop and shutdown. The loop-thread side
// that drives the Cnn core is cnn_service.h.
#include "cnn_daemon.h"

#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cnn_service.h"
#include "common/limited_log.h"
#include "daemon_config.h"
#include "daemon_support.h"
#include "diameter/fd_core.h"
#include "diameter/s6a_client.h"
#include "guard_metrics.h"
#include "log_limit.h"
#include "net/ip_endpoint.h"
#include "net/logging.h"
#include "net/nas_server.h"
#include "net/pcap_writer.h"
#include "net/signals.h"

namespace kmebind::app {
namespace {

constexpr std::string_view kRole = "cnn";

std::string peers_text(const diameter::DiameterConfig& d) {
  std::string out;
  for (const diameter::PeerConfig& p : d.peers) {
    if (!out.empty()) out += ", ";
    out += p.identity + " at " + p.address + ":" + std::to_string(p.port);
  }
  return out;
}

// SIGHUP: read the file again and set logging up again (reopens the log file, applies its
// level). A bad file is logged and the running settings kept; other sections need a restart.
void reload(const std::filesystem::path& path, net::LogOptions& running) {
  auto config = load_cnn_config(path);
  if (!config) {
    spdlog::error("reload refused, running configuration kept: {}", config.error().message());
    return;
  }
  if (auto logger = net::setup_logging(config->log); !logger) {
    spdlog::error("log settings not applied: {}", logger.error().message());
    return;
  }
  running = config->log;
  diameter::FdCore::set_log_level(config->diameter.fd_log_level);
  spdlog::info(
      "reloaded {}: log reopened, level {}; other changes take effect at the next "
      "start",
      path.string(), running.level);
}

// Where a Diameter message is shown in the capture. The CNN's own end: its configured Diameter
// address, with its listen port or, as a client (ephemeral source port not asked of
// freeDiameter), 3868. The peer's end: the configured address and port of the peer with that
// Diameter Identity; 127.0.0.1:3868 for an identity not configured (docs/daemons.md §4).
struct DiameterCaptureEnds {
  net::IpEndpoint local;
  std::vector<std::pair<std::string, net::IpEndpoint>> peers;

  const net::IpEndpoint& peer(const std::string& identity) const {
    static const net::IpEndpoint unknown{Bytes{127, 0, 0, 1}, 3868};
    for (const auto& [id, ep] : peers) {
      if (id == identity) return ep;
    }
    return unknown;
  }
};

DiameterCaptureEnds capture_ends(const diameter::DiameterConfig& d) {
  DiameterCaptureEnds ends;
  const std::uint16_t local_port = d.listen_port != 0 ? d.listen_port : std::uint16_t{3868};
  auto local = net::parse_ip_endpoint(d.listen_address, local_port);
  ends.local = local ? *local : net::IpEndpoint{Bytes{127, 0, 0, 1}, local_port};
  for (const diameter::PeerConfig& p : d.peers) {
    auto ep = net::parse_ip_endpoint(p.address, p.port);
    if (!ep) continue;
    // pcap records need both ends of one family.
    if (ep->address.size() != ends.local.address.size()) continue;
    ends.peers.emplace_back(p.identity, *ep);
  }
  return ends;
}

// Every Diameter message the core sends or receives, secrets blanked by FdCore, into `pcap`.
Status capture_diameter(diameter::FdCore& core, net::PcapWriter& pcap) {
  return core.set_message_tap(
      [&pcap, ends = capture_ends(core.config())](ByteView octets, bool sent,
                                                   const std::string& peer_identity) {
        const net::IpEndpoint& peer = ends.peer(peer_identity);
        const auto now = std::chrono::system_clock::now();
        auto st = sent ? pcap.write_diameter(octets, ends.local, peer, now)
                       : pcap.write_diameter(octets, peer, ends.local, now);
        if (!st) {
          log_limited(spdlog::level::warn, "pcap.write_failed",
                      "pcap: Diameter message not captured: {}", st.error().message());
        }
      });
}

}  // namespace

int run_cnn_daemon(const std::filesystem::path& config_path) {
  // 1. Configuration (exit 3 on any problem).
  auto config = load_cnn_config(config_path);
  if (!config) return config_failure(kRole, config.error());
  if (auto logger = net::setup_logging(config->log); !logger) {
    return config_failure(kRole, logger.error());
  }
  if (auto st = configure_log_limit_from_env(); !st) return config_failure(kRole, st.error());
  const bool to_file = !config->log.file.empty();

  // 2. Signals blocked before any thread exists (freeDiameter trap 6).
  if (auto st = block_daemon_signals(); !st) return runtime_failure(kRole, st.error(), to_file);

  // 3. pcap, Diameter client, the loop with the core, the NAS server, metrics.
  std::unique_ptr<net::PcapWriter> pcap;
  if (!config->pcap_file.empty()) {
    auto writer = net::PcapWriter::create(config->pcap_file);
    if (!writer) return runtime_failure(kRole, writer.error(), to_file);
    pcap = std::move(*writer);
  }
  diameter::DiameterConfig dconfig = config->diameter;
  auto runtime_dir = diameter_runtime_dir(kRole);
  if (!runtime_dir) return runtime_failure(kRole, runtime_dir.error(), to_file);
  dconfig.runtime_dir = std::move(*runtime_dir);
  auto core = diameter::FdCore::create(dconfig);
  std::error_code ec;
  std::filesystem::remove_all(dconfig.runtime_dir, ec);
  if (!core) {
    if (core.error().code() == Code::kInvalidArgument) return config_failure(kRole, core.error());
    return runtime_failure(kRole, core.error(), to_file);
  }
  if (pcap) {
    if (auto st = capture_diameter(**core, *pcap); !st) {
      return runtime_failure(kRole, st.error(), to_file);
    }
  }
  auto client = diameter::S6aClient::create(**core);
  if (!client) return runtime_failure(kRole, client.error(), to_file);

  net::MetricsRegistry registry;
  net::EventLoop loop;
  auto service = std::make_unique<CnnService>(loop, config->cnn, **client, registry, pcap.get());
  ReceiveGuardMetrics guard_metrics(registry);
  net::NasServerOptions nas_options;
  nas_options.address = config->nas.address;
  nas_options.port = config->nas.port;
  nas_options.max_connections = config->nas.max_connections;
  auto nas = net::NasServer::listen(loop, nas_options, service->nas_callbacks());
  if (!nas) {
    return runtime_failure(kRole, Error(nas.error().code(), "nas: " + nas.error().message()),
                           to_file);
  }
  service->set_server(nas->get());
  if (auto st = loop.start("cnn-loop"); !st) return runtime_failure(kRole, st.error(), to_file);
  std::unique_ptr<MetricsEndpointRunner> metrics;
  if (config->metrics) {
    auto runner = MetricsEndpointRunner::start(registry, *config->metrics);
    if (!runner) {
      (*nas)->stop();
      loop.stop();
      return runtime_failure(kRole, runner.error(), to_file);
    }
    metrics = std::move(*runner);
  }
  if (auto st = (*core)->start(); !st) {
    (*nas)->stop();
    loop.stop();
    return runtime_failure(kRole, st.error(), to_file);
  }

  // 4. Ready once the NAS link listens and (up to connect_wait) a first HSS is up.
  const std::size_t peers = config->diameter.peers.size();
  if (config->connect_wait.count() > 0) {
    if (auto st = (*core)->wait_for_peers(1, config->connect_wait); !st) {
      spdlog::warn(
          "no HSS peer up after {} ms ({}); serving anyway, attaches are rejected "
          "with #22 until one is",
          config->connect_wait.count(), peers_text(config->diameter));
    }
  }
  const std::size_t up = (*client)->peers_up();
  service->refresh_peers(up);
  const std::string nas_bound = (*nas)->local_endpoint().to_string();
  spdlog::info("serving NAS on {}, {} ({}), HSS peers {} ({} up), plmn {}, pcap {}", nas_bound,
               config->diameter.identity, config->diameter.clear_tcp ? "tcp" : "tls",
               peers_text(config->diameter), up, config->cnn.plmn,
               config->pcap_file.empty() ? "off" : config->pcap_file);
  announce_ready(kRole, "nas=" + nas_bound + " identity=" + config->diameter.identity +
                            " peers_up=" + std::to_string(up) + "/" + std::to_string(peers) +
                            " metrics=" + metrics_text(metrics.get()));

  // 5. Control signals; every second the peer gauge is refreshed.
  net::LogOptions running_log = config->log;
  int exit_code = 0;
  for (;;) {
    auto sig = net::wait_control_signal_for(std::chrono::milliseconds(1000));
    if (!sig) {
      spdlog::error("waiting for signals failed: {}; stopping", sig.error().message());
      break;
    }
    if (!*sig) {
      if ((*core)->core_lost()) {  // docs/diameter.md §6: freeDiameter gave up on its own
        spdlog::critical("the Diameter core stopped on its own; stopping with exit code 1");
        exit_code = 1;
        break;
      }
      service->refresh_peers((*client)->peers_up());
      guard_metrics.refresh(**core);
      log_suppressed_lines();
      continue;
    }
    if ((*sig)->action == net::ControlAction::kReload) {
      reload(config_path, running_log);
      continue;
    }
    spdlog::info("{} received, stopping", net::signal_name((*sig)->number));
    break;
  }

  // 6. Shutdown: stop accepting and close the NAS links, stop Diameter (no more answers), stop
  // the core on its loop, then the loop.
  (*nas)->stop();
  (*core)->stop();
  loop.run_sync([&] { service->shutdown(); });
  loop.stop();
  metrics.reset();
  service.reset();
  nas->reset();
  client->reset();
  core->reset();
  log_suppressed_lines(/*at_stop=*/true);
  spdlog::info("stopped");
  return exit_code;
}

}  // namespace kmebind::app
