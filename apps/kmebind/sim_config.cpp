#include "sim_config.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "net/yaml_config.h"
#include "ue/ue_config.h"

namespace kmebind::app {
namespace {

using namespace std::chrono_literals;

#define SIM_TRY(var, expr) \
  auto var = (expr);       \
  if (!var) return std::unexpected(std::move(var).error())

std::string yaml_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A string that may be "" (meaning none), as the daemons' log.file and pcap.file.
Result<std::string> get_string_or_empty(const net::ConfigNode& map, std::string_view key) {
  if (!map.yaml().IsMap()) return std::string();
  for (auto it = map.yaml().begin(); it != map.yaml().end(); ++it) {
    if (!it->first.IsScalar() || it->first.Scalar() != key) continue;
    if (it->second.IsNull()) return std::string();
    if (!it->second.IsScalar()) {
      return std::unexpected(map.error(it->first.Mark().line + 1, map.child_path(key),
                                       "expected a string (\"\" for none)"));
    }
    return it->second.Scalar();
  }
  return std::string();
}

// The error for `key` of `map`, at the line of that key (of the map when it is absent).
Error at_key(const net::ConfigNode& map, std::string_view key, std::string_view problem) {
  int line = map.line();
  if (map.yaml().IsMap()) {
    for (auto it = map.yaml().begin(); it != map.yaml().end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) line = it->first.Mark().line + 1;
    }
  }
  return map.error(line, map.child_path(key), problem);
}

// log.file and pcap.file: their directory must exist (kmebind creates none), so that a typo is
// reported at start-up with its key. "" (none) passes.
Status check_directory_of(const net::ConfigNode& map, std::string_view key,
                          const std::string& file) {
  const std::filesystem::path dir = std::filesystem::path(file).parent_path();
  std::error_code ec;
  if (file.empty() || dir.empty() || std::filesystem::is_directory(dir, ec)) return {};
  return std::unexpected(at_key(map, key,
                                "directory " + dir.string() + " of " + file +
                                    " does not exist (create it: kmebind creates no directory)"));
}

}  // namespace

Result<SimConfig> load_sim_config(const std::filesystem::path& path) {
  SIM_TRY(doc, net::load_yaml(path));
  const net::ConfigNode root = doc->root();
  if (auto st = net::check_keys(root, {"nas", "ue", "devices", "pcap", "log"}); !st) {
    return std::unexpected(st.error());
  }
  SimConfig c;
  SIM_TRY(nas, net::get_map(root, "nas"));
  if (auto st = net::check_keys(*nas, {"connect", "connections", "reconnect"}); !st)
    return std::unexpected(st.error());
  SIM_TRY(connect, net::get_map(*nas, "connect"));
  if (auto st = net::check_keys(*connect, {"address", "port"}); !st)
    return std::unexpected(st.error());
  SIM_TRY(address, net::get_string(*connect, "address"));
  c.cnn_address = *address;
  SIM_TRY(port, net::get_uint(*connect, "port", 1, 65535));
  c.cnn_port = static_cast<std::uint16_t>(*port);
  SIM_TRY(connections, net::get_uint_or(*nas, "connections", 1, 1024, 1));
  c.connections = static_cast<std::size_t>(*connections);
  SIM_TRY(reconnect, net::find_map(*nas, "reconnect"));
  if (*reconnect) {
    if (auto st = net::check_keys(**reconnect, {"min", "max"}); !st)
      return std::unexpected(st.error());
    SIM_TRY(rmin, net::get_duration_or(**reconnect, "min", 10ms, 1min, 100ms));
    SIM_TRY(rmax, net::get_duration_or(**reconnect, "max", 10ms, 10min, 5s));
    if (*rmax < *rmin) {
      return std::unexpected(
          (*reconnect)->error((*reconnect)->line(), "nas.reconnect", "max is below min"));
    }
    c.retry.reconnect_min_ms = rmin->count();
    c.retry.reconnect_max_ms = rmax->count();
  }

  SIM_TRY(ue, net::find_map(root, "ue"));
  if (*ue) {
    if (auto st = net::check_keys(**ue, {"plmn", "apn", "t3410", "retry", "t3411", "t3402",
                                         "max_attempts", "t3346_jitter"});
        !st)
      return std::unexpected(st.error());
    SIM_TRY(plmn, net::get_string_or(**ue, "plmn", c.plmn));
    c.plmn = *plmn;
    if (net::has_key(**ue, "apn")) {
      SIM_TRY(apn, net::get_string_or(**ue, "apn", ""));
      if (!apn->empty()) c.apn = *apn;
    }
    SIM_TRY(t3410, net::get_duration_or(**ue, "t3410", 100ms, 10min, 15s));
    c.t3410_ms = t3410->count();
    // TS 24.301 §10.2 Table 10.2.1 (T3411 10 s; T3402 12 min, 60 s here by default) and
    // §5.5.1.2.6 (5 attempts).
    SIM_TRY(retry, net::get_bool_or(**ue, "retry", c.retry.enabled));
    c.retry.enabled = *retry;
    SIM_TRY(t3411, net::get_duration_or(**ue, "t3411", 10ms, 10min, 10s));
    c.retry.t3411_ms = t3411->count();
    SIM_TRY(t3402, net::get_duration_or(**ue, "t3402", 10ms, 1h, 60s));
    c.retry.t3402_ms = t3402->count();
    SIM_TRY(attempts, net::get_uint_or(**ue, "max_attempts", 1, 100, 5));
    c.retry.max_attempts = static_cast<std::uint32_t>(*attempts);
    SIM_TRY(jitter, net::get_duration_or(**ue, "t3346_jitter", 0ms, 1h, 10s));
    c.retry.t3346_jitter_ms = jitter->count();
    ue::UeConfig check;
    check.plmn = c.plmn;
    check.apn = c.apn;
    if (auto st = check.validate(); !st) {
      // UeConfig::validate names its field ("UE config plmn: ..."): report it at that key.
      std::string_view message = st.error().message();
      for (std::string_view field : {"plmn", "apn"}) {
        const std::string prefix = "UE config " + std::string(field) + ": ";
        if (message.starts_with(prefix)) {
          message.remove_prefix(prefix.size());
          return std::unexpected(at_key(**ue, field, message));
        }
      }
      return std::unexpected((*ue)->error((*ue)->line(), "ue", message));
    }
  }

  SIM_TRY(devices, net::get_map(root, "devices"));
  if (auto st = net::check_keys(*devices, {"file", "save"}); !st)
    return std::unexpected(st.error());
  SIM_TRY(file, net::get_string(*devices, "file"));
  if (std::error_code ec; !std::filesystem::exists(*file, ec)) {
    return std::unexpected(
        at_key(*devices, "file",
               *file + ": no such device file (write one with `kmebind admin generate`)"));
  }
  c.devices_file = *file;
  SIM_TRY(save, net::get_bool_or(*devices, "save", true));
  c.save_devices = *save;

  SIM_TRY(pcap, net::find_map(root, "pcap"));
  if (*pcap) {
    if (auto st = net::check_keys(**pcap, {"file"}); !st) return std::unexpected(st.error());
    SIM_TRY(pcap_file, get_string_or_empty(**pcap, "file"));
    if (auto st = check_directory_of(**pcap, "file", *pcap_file); !st) {
      return std::unexpected(st.error());
    }
    if (!pcap_file->empty()) c.pcap_file = std::filesystem::path(*pcap_file);
  }

  c.log.role = "sim";
  c.log.level = "warn";
  SIM_TRY(log, net::find_map(root, "log"));
  if (*log) {
    if (auto st = net::check_keys(**log, {"level", "file"}); !st)
      return std::unexpected(st.error());
    SIM_TRY(level, net::get_string_or(**log, "level", "warn"));
    if (auto parsed = net::parse_log_level(*level); !parsed) {
      return std::unexpected((*log)->error((*log)->line(), "log.level", parsed.error().message()));
    }
    c.log.level = *level;
    SIM_TRY(log_file, get_string_or_empty(**log, "file"));
    if (auto st = check_directory_of(**log, "file", *log_file); !st) {
      return std::unexpected(st.error());
    }
    c.log.file = *log_file;
  }
  return c;
}

std::string render_sim_config(const SimConfig& c) {
  std::string y;
  y += "# kmebind sim: NAS link to the CNN, UE settings, device file (docs/demo.md)\n";
  y += "nas:\n";
  y += "  connect: {address: " + yaml_quoted(c.cnn_address) +
       ", port: " + std::to_string(c.cnn_port) + "}\n";
  y += "  connections: " + std::to_string(c.connections) + "\n";
  y += "  reconnect: {min: " + std::to_string(c.retry.reconnect_min_ms) +
       "ms, max: " + std::to_string(c.retry.reconnect_max_ms) + "ms}\n";
  y += "ue:\n";
  y += "  plmn: " + yaml_quoted(c.plmn) + "\n";
  if (c.apn) y += "  apn: " + yaml_quoted(*c.apn) + "\n";
  y += "  t3410: " + std::to_string(c.t3410_ms) + "ms\n";
  y += std::string("  retry: ") + (c.retry.enabled ? "true" : "false") + "\n";
  y += "  t3411: " + std::to_string(c.retry.t3411_ms) + "ms\n";
  y += "  t3402: " + std::to_string(c.retry.t3402_ms) + "ms\n";
  y += "  max_attempts: " + std::to_string(c.retry.max_attempts) + "\n";
  y += "  t3346_jitter: " + std::to_string(c.retry.t3346_jitter_ms) + "ms\n";
  y += "devices:\n";
  y += "  file: " + yaml_quoted(c.devices_file.string()) + "\n";
  y += std::string("  save: ") + (c.save_devices ? "true" : "false") + "\n";
  if (c.pcap_file) y += "pcap: {file: " + yaml_quoted(c.pcap_file->string()) + "}\n";
  y += "log: {level: " + yaml_quoted(c.log.level);
  if (!c.log.file.empty()) y += ", file: " + yaml_quoted(c.log.file);
  y += "}\n";
  return y;
}

}  // namespace kmebind::app
