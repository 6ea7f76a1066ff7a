#include "demo_workdir.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "crypto/random.h"
#include "demo_certs.h"
#include "sim_config.h"
#include "store/master_key.h"
#include "store/subscriber_store.h"

namespace kmebind::app {
namespace {

namespace fs = std::filesystem;

constexpr int kCertificateDays = 30;

std::string q(const fs::path& p) {
  std::string out = "\"";
  for (char c : p.string()) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

Status write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return fail(Code::kIo, "cannot write " + path.string());
  return {};
}

std::string tls_section(const DemoPaths& p, const char* node) {
  return "  tls: {cert: " + q(p.dir / (std::string(node) + ".pem")) +
         ", key: " + q(p.dir / (std::string(node) + ".key")) + ", ca: " + q(p.file("ca.pem")) +
         "}\n";
}

std::string hss_yaml(const DemoSetup& s, const DemoSetupOptions& o) {
  const DemoPaths& p = s.paths;
  std::string y = "# kmebind demo: the HSS (docs/daemons.md §2)\n";
  y += "store: {location: " + q(p.store()) + ", key_file: " + q(p.master_key()) + "}\n";
  y += "cookie_keys:\n  - {id: 1, key_file: " + q(p.file("cookie-1.key")) + ", state: active}\n";
  y += "diameter:\n";
  y += std::string("  identity: ") + kDemoHssIdentity + "\n";
  y += std::string("  realm: ") + kDemoRealm + "\n";
  y += "  listen: {address: 127.0.0.1, port: " + std::to_string(s.diameter_port) + "}\n";
  y += "  transport: tls\n";
  y += tls_section(p, "hss");
  y += std::string("  allowed_peers: [") + kDemoCnnIdentity + "]\n";
  // Procedure 1 puts KME on the S6a link: offered because the link is mutual TLS.
  y +=
      "hss: {workers: 64, cookie_lifetime_s: 300, allow_procedure1: true, max_vectors_per_air: 1}\n";
  y += "log: {level: " + o.log_level + ", file: " + q(p.file("hss.log")) + "}\n";
  return y;
}

std::string cnn_yaml(const DemoSetup& s, const DemoSetupOptions& o) {
  const DemoPaths& p = s.paths;
  std::string y = "# kmebind demo: the CNN (docs/daemons.md §3)\n";
  y += "diameter:\n";
  y += std::string("  identity: ") + kDemoCnnIdentity + "\n";
  y += std::string("  realm: ") + kDemoRealm + "\n";
  y += "  transport: tls\n";
  y += tls_section(p, "cnn");
  y += std::string("  peers:\n    - {identity: ") + kDemoHssIdentity +
       ", address: 127.0.0.1, port: " + std::to_string(s.diameter_port) + "}\n";
  y += "  request_timeout_ms: 3000\n";
  y += "  connect_wait_ms: 10000\n";
  y += "nas:\n  listen: {address: 127.0.0.1, port: " + std::to_string(s.nas_port) + "}\n";
  const std::size_t max_ues = std::max<std::size_t>(1024, 2 * (o.ues + o.violations));
  y += "cnn: {plmn: \"001-01\", max_ues: " + std::to_string(max_ues) +
       ", t3346_s: 60, s6a_answer_timeout_ms: 5000}\n";
  if (o.pcap) y += "pcap: {file: " + q(*o.pcap) + "}\n";
  y += "log: {level: " + o.log_level + ", file: " + q(p.file("cnn.log")) + "}\n";
  return y;
}

}  // namespace

Result<std::pair<std::uint16_t, std::uint16_t>> demo_ports(std::uint16_t diameter,
                                                           std::uint16_t nas) {
  std::uint16_t ports[2] = {diameter, nas};
  std::vector<int> fds;  // held until both are chosen: the kernel gives no bound port twice
  Status result;
  for (int i = 0; i < 2 && result; ++i) {
    while (ports[i] == 0 && result) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd >= 0) fds.push_back(fd);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t len = sizeof addr;
      if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
          ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        result = fail(Code::kIo,
                      std::string("cannot find a free port on 127.0.0.1: ") + std::strerror(errno));
        break;
      }
      const std::uint16_t found = ntohs(addr.sin_port);
      if (found != ports[1 - i]) ports[i] = found;  // else: the other port, given; draw again
    }
  }
  for (int fd : fds) ::close(fd);
  if (!result) return std::unexpected(result.error());
  return std::pair{ports[0], ports[1]};
}

Status check_loopback_port_free(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(Code::kIo, std::string("socket: ") + std::strerror(errno));
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  const int error = errno;
  ::close(fd);
  if (bound) return {};
  if (error == EADDRINUSE) {
    return fail(Code::kAlreadyExists, "127.0.0.1:" + std::to_string(port) + " is in use");
  }
  return fail(Code::kIo,
              "cannot bind 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(error));
}

Result<DemoSetup> prepare_demo(const fs::path& dir, const DemoSetupOptions& o) {
  DemoSetup s;
  s.paths.dir = fs::absolute(dir);
  const DemoPaths& p = s.paths;
  std::error_code ec;
  if (fs::exists(p.store(), ec)) {
    return fail(Code::kAlreadyExists, p.dir.string() + " already holds a demo store");
  }
  // Certificates: CN = SAN = the Diameter identity (docs/diameter.md §5).
  auto ca = make_certificate_authority(p.dir, "ca", "kmebind demo CA", kCertificateDays);
  if (!ca) return std::unexpected(ca.error().with_context("certificates"));
  for (auto [name, identity] :
       {std::pair{"hss", kDemoHssIdentity}, std::pair{"cnn", kDemoCnnIdentity}}) {
    if (auto st = issue_certificate(*ca, p.dir, name, identity, kCertificateDays); !st) {
      return std::unexpected(st.error().with_context("certificates"));
    }
  }
  // Store master key and store.
  auto master = store::generate_master_key();
  if (!master) return std::unexpected(master.error());
  if (auto st = store::write_master_key_file(p.master_key(), *master, false); !st)
    return std::unexpected(st.error());
  auto store = store::open_store(p.store().string(), std::move(*master));
  if (!store) return std::unexpected(store.error().with_context("store"));
  // The HSS's Cookie key: same file format as a master key (64 hex digits, 0600).
  auto cookie = crypto::random_secret(32);
  if (!cookie) return std::unexpected(cookie.error());
  if (auto st = store::write_master_key_file(p.file("cookie-1.key"), *cookie, false); !st) {
    return std::unexpected(st.error());
  }
  // Subscribers, bindings, device keys, and the device file.
  GenerateOptions g;
  g.ues = o.ues;
  g.violations = o.violations;
  g.procedure = o.procedure;
  auto devices = generate_devices(g);
  if (!devices) return std::unexpected(devices.error().with_context("devices"));
  if (auto st = write_device_file(p.devices(), *devices); !st) return std::unexpected(st.error());
  if (auto st = import_devices(**store, *devices, "demo"); !st) return std::unexpected(st.error());
  store->reset();
  s.devices = std::move(*devices);

  auto ports = demo_ports(o.diameter_port, o.nas_port);
  if (!ports) return std::unexpected(ports.error());
  s.diameter_port = ports->first;
  s.nas_port = ports->second;
  if (auto st = write_text(p.hss_config(), hss_yaml(s, o)); !st) return std::unexpected(st.error());
  if (auto st = write_text(p.cnn_config(), cnn_yaml(s, o)); !st) return std::unexpected(st.error());
  SimConfig sim;
  sim.cnn_port = s.nas_port;
  sim.connections = o.connections;
  sim.devices_file = p.devices();
  sim.log.role = "sim";
  sim.log.level = "warn";
  sim.log.file = p.file("sim.log").string();
  if (auto st = write_text(p.sim_config(), render_sim_config(sim)); !st)
    return std::unexpected(st.error());
  return s;
}

}  // namespace kmebind::app
