// The CNN daemon's event-loop side (docs/daemons.md §3): owns the Cnn core and feeds it NAS
// frames from the NasServer, S6a answers from the S6aClient (posted from freeDiameter threads)
// and timer expiries; applies every CnnOutput: NAS PDUs to the right connection, S6a requests to
// the client, events to the log and the metrics, released UEs out of the maps.
//
// UE ids: the core's UeId is allocated here, one per (connection, frame UE id) pair, and never
// reused; the pair is looked up again for every downlink PDU. A connection that closes releases
// its UEs from the core.
//
// Thread safety: everything runs on the loop thread, except refresh_peers() (main thread; it
// only sets an atomic gauge). Construct and destroy while the loop is not running.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "cnn/cnn.h"
#include "diameter/s6a_client.h"
#include "net/event_loop.h"
#include "net/metrics.h"
#include "net/nas_server.h"
#include "net/pcap_writer.h"
#include "net/timer.h"

namespace kmebind::app {

struct CnnMetrics {
  explicit CnnMetrics(net::MetricsRegistry& registry);
  net::MetricsRegistry& registry;
  net::Counter& kme_provisioned_procedure1;
  net::Counter& kme_provisioned_procedure2;
  net::Counter& device_authenticated;
  // KME material on the AIA (cnn::CnnStats::kme_prefetch_*), mirrored from the core's stats.
  net::Counter& kme_prefetch_used;
  net::Counter& kme_prefetch_unused;
  net::Counter& kme_prefetch_unusable;
  net::Counter& kme_prefetch_stale;
  net::Gauge& ues_attaching;
  net::Gauge& ues_registered;
  net::Gauge& connections;
  net::Gauge& peers_up;
  net::Histogram& attach_seconds;
  net::Counter& nas_uplink;
  net::Counter& nas_downlink;
  net::Counter& s6a_failures;
};

class CnnService {
 public:
  // REQUIRES: loop, client, registry and pcap (when given) outlive the service.
  CnnService(net::EventLoop& loop, cnn::CnnConfig config, diameter::S6aClient& client,
             net::MetricsRegistry& registry, net::PcapWriter* pcap);
  ~CnnService();
  CnnService(const CnnService&) = delete;
  CnnService& operator=(const CnnService&) = delete;

  // The NasServer callbacks (bound to this service); give them to NasServer::listen, then
  // set_server() with the result before the loop starts.
  net::NasServerCallbacks nas_callbacks();
  void set_server(net::NasServer* server);

  // On the loop: cancel the timer and stop feeding the core (after the NasServer stopped).
  void shutdown();

  // Main thread: the HSS peers up now.
  void refresh_peers(std::size_t peers_up);

 private:
  struct LinkUe {
    net::ConnectionId connection = 0;
    net::UeId ue = 0;
    friend bool operator==(const LinkUe&, const LinkUe&) = default;
  };
  struct LinkUeHash {
    std::size_t operator()(const LinkUe& k) const noexcept {
      return std::hash<std::uint64_t>{}(k.connection * 0x9E3779B97F4A7C15ull ^ k.ue);
    }
  };
  struct Connection {
    net::IpEndpoint peer;
    std::unordered_set<cnn::UeId> ues;
  };

  void on_connect(net::ConnectionId id, const net::IpEndpoint& peer);
  void on_frame(net::ConnectionId id, net::UeId ue, ByteView pdu);
  void on_disconnect(net::ConnectionId id, const Error& reason);
  void on_s6a_result(cnn::TxnId txn, Result<diameter::S6aAnswer> result);
  void on_timer();

  // Sends, logs, counts and forgets what `out_` says; re-arms the timer.
  void apply();
  void send_s6a(cnn::S6aSend&& send);
  void record(const cnn::CnnEvent& event);
  void forget(cnn::UeId ue);
  void arm_timer();
  void capture(ByteView pdu, bool uplink, const Connection* connection);

  net::EventLoop& loop_;
  cnn::Cnn core_;
  diameter::S6aClient& client_;
  net::PcapWriter* pcap_;
  net::NasServer* server_ = nullptr;
  CnnMetrics metrics_;
  net::Timer timer_;
  cnn::CnnOutput out_;
  bool stopped_ = false;
  cnn::UeId next_ue_ = 1;
  std::unordered_map<LinkUe, cnn::UeId, LinkUeHash> by_link_;
  std::unordered_map<cnn::UeId, LinkUe> by_core_;
  std::unordered_map<net::ConnectionId, Connection> connections_;
  // Attach request received → Attach complete, for kmebind_cnn_attach_seconds.
  std::unordered_map<cnn::UeId, std::chrono::steady_clock::time_point> attach_started_;
  // The deadline the timer is armed for while timer_.armed(): a later core deadline leaves it
  // armed (it fires early, finds nothing due and re-arms), so most steps touch no timer.
  std::int64_t timer_at_ms_ = 0;
  // Labelled series looked up once (the registry lookup builds strings and locks).
  net::Counter* s6a_requests_[3] = {nullptr, nullptr, nullptr};  // air, kme, ulr
  std::unordered_map<std::uint8_t, net::Counter*> events_total_;  // by CnnEventKind
  std::unordered_map<std::uint8_t, net::Counter*> attach_total_;  // by CnnEventKind
  std::unordered_map<std::uint8_t, net::Counter*> causes_total_;  // by EMM cause
};

}  // namespace kmebind::app
