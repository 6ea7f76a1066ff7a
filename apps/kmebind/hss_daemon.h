// `kmebind hss --config hss.yaml` (DESIGN.md §1, docs/daemons.md §2): the HSS front-end. Serves
// S6a (AIR, ULR) and the KME-Request over Diameter (freeDiameter, src/diameter) with the Hss core
// (src/hss) on the subscriber store (src/store).
//
// Threads: freeDiameter's dispatch threads decode requests and enqueue them to a fixed pool of
// store workers (`hss.workers`), where the Hss core runs and the answer is sent; no store call
// runs on a freeDiameter thread. When `hss.queue_limit` requests are waiting, further ones are
// answered DIAMETER_TOO_BUSY (3004) at once. The main thread takes the control signals.
//
// Exit codes (apps/kmebind/command.h): 0 clean stop (SIGTERM/SIGINT), 1 runtime failure (store
// cannot open, port in use, freeDiameter refuses to start), 3 invalid configuration (YAML, key
// files, TLS files).
#pragma once

#include <filesystem>

namespace kmebind::app {

// Runs the daemon until SIGTERM/SIGINT; returns the exit code. Call from main() with no other
// thread running (signals are blocked first, and threads inherit the mask).
int run_hss_daemon(const std::filesystem::path& config_path);

}  // namespace kmebind::app
