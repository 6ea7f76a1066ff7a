// `kmebind cnn`: the CNN daemon (cnn_daemon.h, docs/daemons.md).
#include <memory>
#include <string>

#include "cnn_daemon.h"
#include "command.h"

namespace kmebind::app {
namespace {

void setup(CLI::App& root, int* exit_code) {
  auto config = std::make_shared<std::string>();
  CLI::App* cmd = root.add_subcommand(
      "cnn",
      "Run the CNN (MME role): NAS link towards UEs, S6a towards the HSS front-ends, attach with\n"
      "EPS-AKA, NAS security and the KME procedures (docs/daemons.md). Prints\n"
      "\"kmebind cnn ready: ...\" once it serves. SIGTERM/SIGINT stop it, SIGHUP reopens the log.\n"
      "Exit codes: 0 stopped cleanly, 1 runtime failure, 3 invalid configuration.");
  cmd->add_option("--config", *config, "cnn.yaml (see config/cnn.yaml)")->required();
  cmd->callback([config, exit_code] { *exit_code = run_cnn_daemon(*config); });
}

KMEBIND_COMMAND("cnn", 30, setup);

}  // namespace
}  // namespace kmebind::app
