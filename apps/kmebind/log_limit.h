// The daemons' side of the rate limit on log lines triggered by remote input
// (common/log_limiter.h, docs/operations.md §4).
//
// KMEBIND_LOG_LIMIT=<lines>/<seconds> (1..100000 lines, 1..3600 s; default 10/10) sets the limit
// per key. It is read once at start-up; a value that does not parse is a configuration error.
#pragma once

#include "common/error.h"

namespace kmebind::app {

// Applies KMEBIND_LOG_LIMIT to the process's limiter; nothing when it is unset or empty.
// kInvalidArgument naming the variable and the accepted form otherwise.
Status configure_log_limit_from_env();

// Logs one warning per key whose window closed with lines suppressed that no later line
// reported ("log: 190 lines of kind 'diameter.receive_guard…' suppressed in the last 10 s").
// Call once a second from the daemon's main loop, and with `at_stop` once the daemon no longer
// serves: then the windows still open are reported too, so that no count is lost on a stop.
void log_suppressed_lines(bool at_stop = false);

}  // namespace kmebind::app
