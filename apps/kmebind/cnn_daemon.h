// `kmebind cnn --config cnn.yaml` (DESIGN.md §1, docs/daemons.md §3): the serving core network
// node (MME role). NAS server towards UEs (net::NasServer, the S1AP stand-in of
// docs/operations.md §1), Diameter client towards one or more HSS front-ends (S6aClient, with
// failover), the Cnn core (src/cnn) on one event-loop thread.
//
// Exit codes (apps/kmebind/command.h): 0 clean stop (SIGTERM/SIGINT), 1 runtime failure (NAS or
// metrics port in use, pcap file cannot be created, freeDiameter refuses to start), 3 invalid
// configuration.
#pragma once

#include <filesystem>

namespace kmebind::app {

// Runs the daemon until SIGTERM/SIGINT; returns the exit code. Call from main() with no other
// thread running.
int run_cnn_daemon(const std::filesystem::path& config_path);

}  // namespace kmebind::app
