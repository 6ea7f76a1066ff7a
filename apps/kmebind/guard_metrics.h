// kmebind_diameter_received_avps_removed_total{reason} (docs/daemons.md §2 and §3 metrics): the
// AVPs the receive guard (docs/diameter.md §6 "Malformed messages from an admitted peer") removed
// from received Diameter messages, per kind, in `kmebind hss` and `kmebind cnn`. The guard keeps
// process totals (FdCore::receive_guard_stats); refresh() adds what is new to the counters.
//
// Thread safety: refresh() from one thread (the daemon's main loop, once a second).
#pragma once

#include "diameter/fd_core.h"
#include "net/metrics.h"

namespace kmebind::app {

class ReceiveGuardMetrics {
 public:
  // Registers the three series (reason = session_id_v_bit, session_id_nul, proxy_info) at 0.
  // REQUIRES: `registry` outlives this object.
  explicit ReceiveGuardMetrics(net::MetricsRegistry& registry);

  void refresh(const diameter::FdCore& core);

 private:
  net::Counter& session_id_v_bit_;
  net::Counter& session_id_nul_;
  net::Counter& proxy_info_;
  diameter::ReceiveGuardStats last_;
};

}  // namespace kmebind::app
