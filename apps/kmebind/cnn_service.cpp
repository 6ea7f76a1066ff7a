#include "cnn_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/limited_log.h"
#include "nas/nas_header.h"
#include "net/logging.h"

namespace kmebind::app {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kAttachHelp = "Attach procedures ended, by result";
constexpr std::string_view kCauseHelp = "EMM causes sent to UEs in rejects, by cause";
constexpr std::string_view kEventsHelp = "CNN core events, by kind";
constexpr std::string_view kS6aHelp = "S6a requests sent to the HSS, by command";
constexpr std::string_view kPrefetchHelp =
    "KME material on the AIA at Security mode complete, by result (used instead of a KME-Request; "
    "unused: another IMEI; unusable: failed the KMA checks)";

// Brings a counter that only this function increments up to the core's running total.
void mirror(net::Counter& counter, std::uint64_t total) {
  const std::uint64_t seen = counter.value();
  if (total > seen) counter.inc(total - seen);
}

// An Attach request (TS 24.301 §8.2.4), plain or integrity protected (§9.3.1: security header
// type 1 or 3 is followed by MAC (4), sequence number (1) and the plain message). Only used to
// start the attach-duration clock; the core does the real decoding.
bool is_attach_request(ByteView pdu) {
  constexpr std::uint8_t kEmm = static_cast<std::uint8_t>(nas::ProtocolDiscriminator::kEmm);
  constexpr std::uint8_t kAttach = static_cast<std::uint8_t>(nas::MessageType::kAttachRequest);
  auto plain_attach = [&](std::size_t at) {
    return pdu.size() >= at + 2 && pdu[at] == kEmm && pdu[at + 1] == kAttach;
  };
  if (pdu.empty() || (pdu[0] & 0x0F) != kEmm) return false;
  const std::uint8_t header = static_cast<std::uint8_t>(pdu[0] >> 4);
  if (header == 0) return plain_attach(0);
  if (header == 1 || header == 3) return plain_attach(6);
  return false;
}

// Events that end an attach (the attach_total results); kDetached and kEmmStatusReceived may
// also end a registration and are counted in events_total only.
bool ends_attach(cnn::CnnEventKind kind) {
  using K = cnn::CnnEventKind;
  switch (kind) {
    case K::kAttached:
    case K::kAttachRejected:
    case K::kAuthenticationFailed:
    case K::kDeviceAuthenticationFailed:
    case K::kBindingViolation:
    case K::kSecurityModeRejected:
    case K::kS6aError:
    case K::kTimerExpired:
    case K::kInternalError:
      return true;
    default:
      return false;
  }
}

// Events whose EMM cause is one the CNN sent (an Attach reject), not one the UE reported.
bool cause_sent(cnn::CnnEventKind kind) {
  using K = cnn::CnnEventKind;
  return kind == K::kAttachRejected || kind == K::kBindingViolation ||
         kind == K::kDeviceAuthenticationFailed || kind == K::kS6aError;
}

std::string_view command_of(const cnn::S6aRequest& request) {
  switch (request.index()) {
    case 0:
      return "air";
    case 1:
      return "kme";
    default:
      return "ulr";
  }
}

}  // namespace

CnnMetrics::CnnMetrics(net::MetricsRegistry& r)
    : registry(r),
      kme_provisioned_procedure1(r.counter(
          "kmebind_cnn_kme_provisioned_total",
          "KMEs provisioned to devices (ULA confirmed), by procedure", {{"procedure", "1"}})),
      kme_provisioned_procedure2(r.counter(
          "kmebind_cnn_kme_provisioned_total",
          "KMEs provisioned to devices (ULA confirmed), by procedure", {{"procedure", "2"}})),
      device_authenticated(r.counter("kmebind_cnn_device_authenticated_total",
                                     "Devices authenticated with their stored KME")),
      kme_prefetch_used(
          r.counter("kmebind_cnn_kme_prefetch_total", kPrefetchHelp, {{"result", "used"}})),
      kme_prefetch_unused(
          r.counter("kmebind_cnn_kme_prefetch_total", kPrefetchHelp, {{"result", "unused"}})),
      kme_prefetch_unusable(
          r.counter("kmebind_cnn_kme_prefetch_total", kPrefetchHelp, {{"result", "unusable"}})),
      kme_prefetch_stale(
          r.counter("kmebind_cnn_kme_prefetch_total", kPrefetchHelp, {{"result", "stale"}})),
      ues_attaching(r.gauge("kmebind_cnn_ues", "UE contexts, by state", {{"state", "attaching"}})),
      ues_registered(
          r.gauge("kmebind_cnn_ues", "UE contexts, by state", {{"state", "registered"}})),
      connections(r.gauge("kmebind_cnn_nas_connections", "NAS link connections open")),
      peers_up(
          r.gauge("kmebind_diameter_peers_up", "Diameter peers whose link is open and verified")),
      attach_seconds(r.histogram("kmebind_cnn_attach_seconds",
                                 "Attach request to Attach complete, successful attaches",
                                 net::default_latency_buckets())),
      nas_uplink(r.counter("kmebind_cnn_nas_pdus_total", "NAS PDUs, by direction",
                           {{"direction", "uplink"}})),
      nas_downlink(r.counter("kmebind_cnn_nas_pdus_total", "NAS PDUs, by direction",
                             {{"direction", "downlink"}})),
      s6a_failures(r.counter("kmebind_cnn_s6a_failures_total",
                             "S6a requests that got no usable answer (no peer, timeout, "
                             "undecodable)")) {
  r.counter("kmebind_cnn_attach_total", kAttachHelp, {{"result", "attached"}});
}

CnnService::CnnService(net::EventLoop& loop, cnn::CnnConfig config, diameter::S6aClient& client,
                       net::MetricsRegistry& registry, net::PcapWriter* pcap)
    : loop_(loop),
      core_(std::move(config)),
      client_(client),
      pcap_(pcap),
      metrics_(registry),
      timer_(loop) {}

CnnService::~CnnService() = default;

net::NasServerCallbacks CnnService::nas_callbacks() {
  net::NasServerCallbacks cb;
  cb.on_connect = [this](net::ConnectionId id, const net::IpEndpoint& peer) {
    on_connect(id, peer);
  };
  cb.on_frame = [this](net::ConnectionId id, net::UeId ue, ByteView pdu) { on_frame(id, ue, pdu); };
  cb.on_disconnect = [this](net::ConnectionId id, const Error& reason) {
    on_disconnect(id, reason);
  };
  return cb;
}

void CnnService::set_server(net::NasServer* server) {
  server_ = server;
}

void CnnService::shutdown() {
  stopped_ = true;
  timer_.cancel();
}

void CnnService::refresh_peers(std::size_t peers_up) {
  metrics_.peers_up.set(static_cast<double>(peers_up));
}

void CnnService::on_connect(net::ConnectionId id, const net::IpEndpoint& peer) {
  connections_[id].peer = peer;
  metrics_.connections.set(static_cast<double>(connections_.size()));
  log_limited(spdlog::level::info, "nas.link_opened", "NAS link {} from {}", id, peer.to_string());
}

void CnnService::on_frame(net::ConnectionId id, net::UeId link_ue, ByteView pdu) {
  if (stopped_) return;
  Connection& connection = connections_[id];
  auto [it, fresh] = by_link_.try_emplace(LinkUe{id, link_ue}, 0);
  if (fresh) {
    it->second = next_ue_++;
    by_core_.emplace(it->second, LinkUe{id, link_ue});
    connection.ues.insert(it->second);
  }
  const cnn::UeId ue = it->second;
  metrics_.nas_uplink.inc();
  capture(pdu, true, &connection);
  if (is_attach_request(pdu)) attach_started_[ue] = Clock::now();
  out_.clear();
  core_.on_nas(ue, pdu, net::steady_now_ms(), out_);
  apply();
}

void CnnService::on_disconnect(net::ConnectionId id, const Error& reason) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  const std::size_t ues = it->second.ues.size();
  for (cnn::UeId ue : it->second.ues) {
    core_.release(ue);
    auto link = by_core_.find(ue);
    if (link != by_core_.end()) {
      by_link_.erase(link->second);
      by_core_.erase(link);
    }
    attach_started_.erase(ue);
  }
  connections_.erase(it);
  metrics_.connections.set(static_cast<double>(connections_.size()));
  log_limited(spdlog::level::info, "nas.link_closed", "NAS link {} closed ({} UEs released): {}",
              id, ues, reason.message());
  const cnn::CnnStats stats = core_.stats();
  metrics_.ues_attaching.set(static_cast<double>(stats.ues_attaching));
  metrics_.ues_registered.set(static_cast<double>(stats.ues_registered));
  arm_timer();
}

void CnnService::on_s6a_result(cnn::TxnId txn, Result<diameter::S6aAnswer> result) {
  if (stopped_) return;
  out_.clear();
  if (result) {
    core_.on_s6a_answer(txn, std::move(*result), net::steady_now_ms(), out_);
  } else {
    metrics_.s6a_failures.inc();
    core_.on_s6a_failure(txn, result.error(), net::steady_now_ms(), out_);
  }
  apply();
}

void CnnService::on_timer() {
  if (stopped_) return;
  out_.clear();
  core_.on_timer(net::steady_now_ms(), out_);
  apply();
}

void CnnService::apply() {
  for (cnn::NasSend& send : out_.nas) {
    auto link = by_core_.find(send.ue);
    if (link == by_core_.end()) continue;  // its connection closed meanwhile
    auto connection = connections_.find(link->second.connection);
    capture(send.pdu, false, connection == connections_.end() ? nullptr : &connection->second);
    metrics_.nas_downlink.inc();
    if (server_ != nullptr) {
      if (auto st = server_->send(link->second.connection, link->second.ue, send.pdu); !st) {
        log_limited(spdlog::level::warn, "nas.send_failed", "NAS PDU for ue={} not sent: {}",
                    send.ue, st.error().message());
      }
    }
  }
  for (cnn::S6aSend& send : out_.s6a) send_s6a(std::move(send));
  for (const cnn::CnnEvent& event : out_.events) record(event);
  for (cnn::UeId ue : out_.released) forget(ue);
  const cnn::CnnStats stats = core_.stats();
  metrics_.ues_attaching.set(static_cast<double>(stats.ues_attaching));
  metrics_.ues_registered.set(static_cast<double>(stats.ues_registered));
  mirror(metrics_.kme_prefetch_used, stats.kme_prefetch_used);
  mirror(metrics_.kme_prefetch_unused, stats.kme_prefetch_unused);
  mirror(metrics_.kme_prefetch_unusable, stats.kme_prefetch_unusable);
  mirror(metrics_.kme_prefetch_stale, stats.kme_prefetch_stale);
  arm_timer();
}

void CnnService::send_s6a(cnn::S6aSend&& send) {
  net::Counter*& requests = s6a_requests_[std::min<std::size_t>(send.request.index(), 2)];
  if (requests == nullptr) {
    requests = &metrics_.registry.counter("kmebind_cnn_s6a_requests_total", kS6aHelp,
                                          {{"command", std::string(command_of(send.request))}});
  }
  requests->inc();
  const cnn::TxnId txn = send.txn;
  // The callback runs on a freeDiameter thread (or here, when the request fails at once): the
  // answer is moved to the loop. Posts after the loop stopped are dropped with it.
  client_.send(std::move(send.request), [this, txn](Result<diameter::S6aAnswer> result) {
    auto holder = std::make_shared<Result<diameter::S6aAnswer>>(std::move(result));
    loop_.post([this, txn, holder] { on_s6a_result(txn, std::move(*holder)); });
  });
}

void CnnService::record(const cnn::CnnEvent& event) {
  using K = cnn::CnnEventKind;
  const std::string_view kind = cnn::to_string(event.kind);
  const auto key = static_cast<std::uint8_t>(event.kind);
  auto cached = [&](std::unordered_map<std::uint8_t, net::Counter*>& cache, std::uint8_t k,
                    std::string_view name, std::string_view help, std::string_view label,
                    std::string_view value) -> net::Counter& {
    net::Counter*& c = cache[k];
    if (c == nullptr) {
      c = &metrics_.registry.counter(name, help, {{std::string(label), std::string(value)}});
    }
    return *c;
  };
  cached(events_total_, key, "kmebind_cnn_events_total", kEventsHelp, "event", kind)
      .inc();
  if (ends_attach(event.kind)) {
    cached(attach_total_, key, "kmebind_cnn_attach_total", kAttachHelp, "result", kind).inc();
  }
  if (event.emm_cause != 0 && cause_sent(event.kind)) {
    cached(causes_total_, event.emm_cause, "kmebind_cnn_emm_cause_total", kCauseHelp, "cause",
           std::to_string(event.emm_cause))
        .inc();
  }
  switch (event.kind) {
    case K::kAttached: {
      auto started = attach_started_.find(event.ue);
      if (started != attach_started_.end()) {
        metrics_.attach_seconds.observe(
            std::chrono::duration<double>(Clock::now() - started->second).count());
        attach_started_.erase(started);
      }
      spdlog::debug("attached ue={}: {}", event.ue, event.detail);
      return;
    }
    case K::kKmeProvisioned:
      (event.kme_procedure == 1 ? metrics_.kme_provisioned_procedure1
                                : metrics_.kme_provisioned_procedure2)
          .inc();
      spdlog::debug("kme provisioned ue={} procedure={} version={}", event.ue, event.kme_procedure,
                    event.kme_version);
      return;
    case K::kDeviceAuthenticated:
      metrics_.device_authenticated.inc();
      spdlog::debug("device authenticated ue={} kme version={}", event.ue, event.kme_version);
      return;
    case K::kDiscarded:
    case K::kDetached:
      spdlog::debug("{} ue={}: {}", kind, event.ue, event.detail);
      return;
    // Once per UE procedure, which any UE can start: rate-limited per event kind.
    case K::kInternalError:
      log_limited(spdlog::level::err, LimiterKey("cnn.event", kind), "{} ue={}: {}", kind,
                  event.ue, event.detail);
      return;
    default:
      if (event.emm_cause != 0) {
        log_limited(spdlog::level::info, LimiterKey("cnn.event", kind), "{} ue={} cause=#{}: {}",
                    kind, event.ue, event.emm_cause, event.detail);
      } else {
        log_limited(spdlog::level::info, LimiterKey("cnn.event", kind), "{} ue={}: {}", kind,
                    event.ue, event.detail);
      }
      return;
  }
}

void CnnService::forget(cnn::UeId ue) {
  attach_started_.erase(ue);
  auto link = by_core_.find(ue);
  if (link == by_core_.end()) return;
  auto connection = connections_.find(link->second.connection);
  if (connection != connections_.end()) connection->second.ues.erase(ue);
  by_link_.erase(link->second);
  by_core_.erase(link);
}

void CnnService::arm_timer() {
  if (stopped_) return;
  const std::optional<std::int64_t> deadline = core_.next_deadline();
  // An armed timer that fires no later than the core's next deadline stays as it is: when it
  // fires, on_timer() finds nothing due (or the earlier UEs' expiries) and re-arms at the next
  // deadline. Re-arming on every step cost a timer cancel, a handler and a timerfd update each.
  if (!deadline) return;
  if (timer_.armed() && timer_at_ms_ <= *deadline) return;
  timer_at_ms_ = *deadline;
  timer_.arm_at_ms(*deadline, [this] { on_timer(); });
}

void CnnService::capture(ByteView pdu, bool uplink, const Connection* connection) {
  if (pcap_ == nullptr) return;
  std::optional<net::NasLinkEndpoints> link;
  if (connection != nullptr && server_ != nullptr) {
    link = net::NasLinkEndpoints{connection->peer, server_->local_endpoint()};
  }
  if (auto st = pcap_->write_nas(pdu, uplink, std::chrono::system_clock::now(), link); !st) {
    log_limited(spdlog::level::warn, "pcap.write_failed", "pcap: {}", st.error().message());
  }
}

}  // namespace kmebind::app
