// `kmebind hss`: the HSS daemon (hss_daemon.h, docs/daemons.md).
#include <memory>
#include <string>

#include "command.h"
#include "hss_daemon.h"

namespace kmebind::app {
namespace {

void setup(CLI::App& root, int* exit_code) {
  auto config = std::make_shared<std::string>();
  CLI::App* cmd = root.add_subcommand(
      "hss",
      "Run the HSS: S6a (AIR, ULR) and the KME-Request over Diameter, on the subscriber store\n"
      "(docs/daemons.md). Prints \"kmebind hss ready: ...\" once it serves. SIGTERM/SIGINT stop "
      "it,\n"
      "SIGHUP reloads the Cookie key ring and the log settings.\n"
      "Exit codes: 0 stopped cleanly, 1 runtime failure, 3 invalid configuration.");
  cmd->add_option("--config", *config, "hss.yaml (see config/hss.yaml)")->required();
  cmd->callback([config, exit_code] { *exit_code = run_hss_daemon(*config); });
}

KMEBIND_COMMAND("hss", 20, setup);

}  // namespace
}  // namespace kmebind::app
