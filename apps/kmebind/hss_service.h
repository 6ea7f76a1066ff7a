// The HSS daemon's S6a handler (docs/daemons.md §2): takes each decoded request on a
// freeDiameter dispatch thread, queues it to the store workers, runs the Hss core there, sends
// the answer, logs the outcome and counts it. When the queue is full the request is answered
// DIAMETER_TOO_BUSY (3004) at once (load shedding).
//
// Thread safety: the S6aHandler methods run on freeDiameter threads, replace() and
// refresh_gauges() on the main thread; all may run at once.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "crypto/cookie.h"
#include "diameter/fd_core.h"
#include "diameter/s6a_server.h"
#include "hss/hss.h"
#include "net/metrics.h"
#include "store/subscriber_store.h"
#include "worker_pool.h"

namespace kmebind::app {

// A Cookie key ring and the Hss core that borrows it; replaced as a whole on SIGHUP, while
// requests in flight finish with the one they started with.
class KeyedHss {
 public:
  static Result<std::shared_ptr<const KeyedHss>> create(store::SubscriberStore& store,
                                                        crypto::CookieKeyRing ring,
                                                        const hss::HssConfig& config);
  const hss::Hss& hss() const { return *hss_; }

 private:
  KeyedHss() = default;
  crypto::CookieKeyRing ring_;
  std::optional<hss::Hss> hss_;  // borrows ring_; KeyedHss never moves (held by shared_ptr)
};

// The metric families (docs/daemons.md §5).
struct HssMetrics {
  explicit HssMetrics(net::MetricsRegistry& registry);
  net::MetricsRegistry& registry;
  net::Histogram& air_seconds;
  net::Histogram& ulr_seconds;
  net::Histogram& kme_seconds;
  net::Counter& kme_stored_procedure1;
  net::Counter& kme_stored_procedure2;
  net::Counter& kme_prefetch_attached;  // AIAs that carried KME material (docs/protocol.md)
  net::Gauge& queue_depth;
  net::Gauge& peers_up;
  net::Counter& refused_unknown;
  net::Counter& refused_certificate;
  net::Counter& refused_clear;
  net::Counter& connect_failures;
  // kmebind_hss_requests_total{command, result}
  void count(std::string_view command, s6a::ResultCode result);
};

class HssService final : public diameter::S6aHandler {
 public:
  // REQUIRES: store, pool and registry outlive the service.
  HssService(store::SubscriberStore& store, WorkerPool& pool, net::MetricsRegistry& registry,
             std::shared_ptr<const KeyedHss> core);

  void on_air(const diameter::LinkInfo& link, s6a::AuthenticationInformationRequest&& air,
              diameter::AirReply reply) override;
  void on_ulr(const diameter::LinkInfo& link, s6a::UpdateLocationRequest&& ulr,
              diameter::UlrReply reply) override;
  void on_kme_request(const diameter::LinkInfo& link, s6a::KmeRequest&& kmr,
                      diameter::KmeReply reply) override;

  // New requests use `core` from now on.
  void replace(std::shared_ptr<const KeyedHss> core);
  store::SubscriberStore& store() { return store_; }

  // Queue depth, peers up (allowed peers whose link is open and verified), peer refusals.
  void refresh_gauges(const diameter::FdCore& core, const std::vector<std::string>& allowed_peers);

 private:
  std::shared_ptr<const KeyedHss> current() const;
  void shed(std::string_view command);
  template <class Answer, class Request, class Reply, class Call, class After>
  void dispatch(std::string_view command, net::Histogram& seconds, const diameter::LinkInfo& link,
                Request&& request, Reply reply, Call call, After after);

  store::SubscriberStore& store_;
  WorkerPool& pool_;
  HssMetrics metrics_;
  mutable std::mutex mutex_;
  std::shared_ptr<const KeyedHss> core_;
  diameter::PeerStats last_peer_stats_;
  std::atomic<bool> shedding_{false};
};

}  // namespace kmebind::app
