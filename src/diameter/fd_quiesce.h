// Quiescing freeDiameter 1.2's routing and dispatch threads before fd_core_shutdown
// (docs/daemons.md "Orderly stop").
//
// Why: fd_core_shutdown destroys the incoming, outgoing and local message queues with
// fd_fifo_del, which wakes ONE waiting thread per millisecond and aborts the process
// (fifo.c:192 "Assertion '++loops < 20' failed", exit 134) when 20 ms pass before every waiting
// thread has run. Each routing/dispatch thread (AppServThreads of them) waits on one of these
// queues. On a loaded 2-core machine a woken thread may not run within 20 ms, and with 16 or more
// dispatch threads the window is too short even when idle.
//
// What: those threads leave for good, without touching their queue, once freeDiameter's stop
// order is set and their current message or their 1-second wait ends. quiesce_routing() gives
// that order itself (fd_rtdisp_cleanstop, the first thing fd_core_shutdown does to them anyway)
// after freeDiameter's outgoing queue has emptied, and waits until the threads are gone; the
// queues then have no waiters and fd_fifo_del cannot loop. Relies on freeDiameter 1.2.x internals
// (exported symbols fd_rtdisp_cleanstop, fd_g_outgoing): does nothing for any other version.
//
// Order: the caller has answered every request it accepted (the daemons drain their worker
// pools), then disconnect_peers(), then quiesce_routing(), then fd_core_shutdown.
#pragma once

#include <chrono>
#include <cstddef>

namespace kmebind::diameter::detail {

struct QuiesceReport {
  bool applied = false;            // false: not freeDiameter 1.2.x, nothing done
  bool outgoing_flushed = false;   // the outgoing queue emptied before the stop order
  std::size_t threads_before = 0;  // this process's threads before the order
  std::size_t threads_after = 0;   // … when the wait ended
  std::size_t expected = 0;        // routing + dispatch threads that had to leave
  bool complete = false;           // all of them left before the limit
  std::chrono::milliseconds took{0};
};

// Sends DPR (Disconnect-Cause REBOOTING) to every peer, as fd_core_shutdown would, while routing
// still runs, and waits at most `limit` until every peer's state machine has ended: afterwards no
// peer sends requests, so none piles up in the incoming queue (whose reader blocks when it holds
// 20 unrouted messages, which would also keep a DPA unread). Returns the peers still live.
// Nothing for another freeDiameter version. REQUIRES: called before quiesce_routing.
std::size_t disconnect_peers(std::chrono::milliseconds limit);

// REQUIRES: fd_core_start succeeded and fd_core_shutdown has not been called. Waits at most
// `flush_limit` for the outgoing queue, then at most `leave_limit` for the threads.
QuiesceReport quiesce_routing(std::chrono::milliseconds flush_limit,
                              std::chrono::milliseconds leave_limit);

}  // namespace kmebind::diameter::detail
