// `kmebind hss`: the HSS daemon (hss_daemon.h, docs/daemons.md); `--check` validates its
// configuration without starting it.
#include <iostream>
#include <memory>
#include <string>

#include "command.h"
#include "daemon_config.h"
#include "daemon_support.h"
#include "hss_daemon.h"

namespace kmebind::app {
namespace {

// `kmebind hss --config F --check`: what start-up checks before it opens anything (docs/daemons.md
// §1): the file, the Cookie key files, the store master key and the TLS files. The store is not
// opened and nothing is created, bound or logged.
int check_hss_config(const std::string& path) {
  auto config = load_hss_config(path);
  if (!config) return config_failure("hss", config.error());
  if (auto ring = load_cookie_key_ring(config->cookie_keys); !ring) {
    return config_failure("hss", ring.error());
  }
  if (auto key = load_store_master_key(config->store); !key) {
    return config_failure("hss", key.error());
  }
  std::cout << "kmebind hss: " << path << ": configuration valid (the store is opened at start)"
            << std::endl;
  return kExitOk;
}

void setup(CLI::App& root, int* exit_code) {
  auto config = std::make_shared<std::string>();
  auto check = std::make_shared<bool>(false);
  CLI::App* cmd = root.add_subcommand(
      "hss",
      "Run the HSS: S6a (AIR, ULR) and the KME-Request over Diameter, on the subscriber store\n"
      "(docs/daemons.md). Prints \"kmebind hss ready: ...\" once it serves. SIGTERM/SIGINT stop "
      "it,\n"
      "SIGHUP reloads the Cookie key ring and the log settings.\n"
      "Exit codes: 0 stopped cleanly, 1 runtime failure, 2 usage, 3 invalid configuration.");
  cmd->add_option("--config", *config, "hss.yaml (see config/hss.yaml)")->required();
  cmd->add_flag("--check", *check,
                "Only check the configuration and the key and TLS files it names, print one line "
                "and exit (0 valid, 3 invalid); starts nothing");
  cmd->callback([config, check, exit_code] {
    *exit_code = *check ? check_hss_config(*config) : run_hss_daemon(*config);
  });
}

KMEBIND_COMMAND("hss", 20, setup);

}  // namespace
}  // namespace kmebind::app
