#include "guard_metrics.h"

#include <string_view>

namespace kmebind::app {
namespace {

constexpr std::string_view kName = "kmebind_diameter_received_avps_removed_total";
constexpr std::string_view kHelp =
    "AVPs the receive guard removed from received Diameter messages, by reason";

net::Counter& series(net::MetricsRegistry& registry, const char* reason) {
  return registry.counter(kName, kHelp, {{"reason", reason}});
}

}  // namespace

ReceiveGuardMetrics::ReceiveGuardMetrics(net::MetricsRegistry& registry)
    : session_id_v_bit_(series(registry, "session_id_v_bit")),
      session_id_nul_(series(registry, "session_id_nul")),
      proxy_info_(series(registry, "proxy_info")) {}

void ReceiveGuardMetrics::refresh(const diameter::FdCore& core) {
  const diameter::ReceiveGuardStats now = core.receive_guard_stats();
  session_id_v_bit_.inc(now.session_id_v_bit - last_.session_id_v_bit);
  session_id_nul_.inc(now.session_id_nul - last_.session_id_nul);
  proxy_info_.inc(now.proxy_info - last_.proxy_info);
  last_ = now;
}

}  // namespace kmebind::app
