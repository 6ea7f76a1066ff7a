// `kmebind cnn`: the CNN daemon (cnn_daemon.h, docs/daemons.md); `--check` validates its
// configuration without starting it.
#include <iostream>
#include <memory>
#include <string>

#include "cnn_daemon.h"
#include "command.h"
#include "daemon_config.h"
#include "daemon_support.h"

namespace kmebind::app {
namespace {

// `kmebind cnn --config F --check`: the file and the TLS files it names, as start-up checks
// them (docs/daemons.md §1); nothing is created, bound or logged.
int check_cnn_config(const std::string& path) {
  auto config = load_cnn_config(path);
  if (!config) return config_failure("cnn", config.error());
  std::cout << "kmebind cnn: " << path << ": configuration valid" << std::endl;
  return kExitOk;
}

void setup(CLI::App& root, int* exit_code) {
  auto config = std::make_shared<std::string>();
  auto check = std::make_shared<bool>(false);
  CLI::App* cmd = root.add_subcommand(
      "cnn",
      "Run the CNN (MME role): NAS link towards UEs, S6a towards the HSS front-ends, attach with\n"
      "EPS-AKA, NAS security and the KME procedures (docs/daemons.md). Prints\n"
      "\"kmebind cnn ready: ...\" once it serves. SIGTERM/SIGINT stop it, SIGHUP reopens the log.\n"
      "Exit codes: 0 stopped cleanly, 1 runtime failure, 2 usage, 3 invalid configuration.");
  cmd->add_option("--config", *config, "cnn.yaml (see config/cnn.yaml)")->required();
  cmd->add_flag("--check", *check,
                "Only check the configuration and the TLS files it names, print one line and "
                "exit (0 valid, 3 invalid); starts nothing");
  cmd->callback([config, check, exit_code] {
    *exit_code = *check ? check_cnn_config(*config) : run_cnn_daemon(*config);
  });
}

KMEBIND_COMMAND("cnn", 30, setup);

}  // namespace
}  // namespace kmebind::app
