// Control signals of the daemons (docs/operations.md §6): SIGTERM and SIGINT stop cleanly,
// SIGHUP reloads (re-reads the configuration, reopens the log file). They are blocked in every
// thread and taken synchronously by the main thread with sigwait(2), so no handler runs in an
// arbitrary thread and a daemon's shutdown runs in ordinary code.
//
// Usage: call block_control_signals() first in main(), before any thread exists (threads inherit
// the mask), then loop on wait_control_signal().
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "common/error.h"

namespace kmebind::net {

enum class ControlAction { kStop, kReload };

struct ControlSignal {
  int number = 0;  // SIGTERM, SIGINT or SIGHUP
  ControlAction action = ControlAction::kStop;
};

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and the threads it creates later).
// Fails with kInternal if pthread_sigmask fails.
Status block_control_signals();

// Waits for one of the three. REQUIRES: block_control_signals() was called.
Result<ControlSignal> wait_control_signal();
// Same, giving up after `timeout`: nullopt when none arrived.
Result<std::optional<ControlSignal>> wait_control_signal_for(std::chrono::milliseconds timeout);

// "SIGTERM", "SIGINT", "SIGHUP", or "another signal".
std::string_view signal_name(int number);

}  // namespace kmebind::net
