#include "hss_service.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/limited_log.h"

namespace kmebind::app {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kRequestsHelp = "S6a requests answered, by command and result";

std::int64_t now_unix_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A result as a metric label and in logs: its name, or vendor/code when unnamed.
std::string result_name(s6a::ResultCode rc) {
  std::string_view name = s6a::describe(rc);
  if (name == "unrecognised result") {
    return std::to_string(rc.vendor_id) + "/" + std::to_string(rc.code);
  }
  return std::string(name);
}

std::string_view imei_of(const s6a::AuthenticationInformationRequest&) {
  return "-";
}
std::string_view imei_of(const s6a::KmeRequest& kmr) {
  return kmr.imei;
}
std::string_view imei_of(const s6a::UpdateLocationRequest& ulr) {
  return ulr.terminal ? std::string_view(ulr.terminal->imei) : std::string_view("-");
}

}  // namespace

Result<std::shared_ptr<const KeyedHss>> KeyedHss::create(store::SubscriberStore& store,
                                                         crypto::CookieKeyRing ring,
                                                         const hss::HssConfig& config) {
  std::shared_ptr<KeyedHss> keyed(new KeyedHss());
  keyed->ring_ = std::move(ring);
  auto hss = hss::Hss::create(store, keyed->ring_, config);
  if (!hss) return std::unexpected(hss.error());
  keyed->hss_.emplace(std::move(*hss));
  return std::shared_ptr<const KeyedHss>(std::move(keyed));
}

HssMetrics::HssMetrics(net::MetricsRegistry& r)
    : registry(r),
      air_seconds(r.histogram("kmebind_hss_request_seconds",
                              "Time from a request's arrival to its answer, by command",
                              net::default_latency_buckets(), {{"command", "air"}})),
      ulr_seconds(r.histogram("kmebind_hss_request_seconds",
                              "Time from a request's arrival to its answer, by command",
                              net::default_latency_buckets(), {{"command", "ulr"}})),
      kme_seconds(r.histogram("kmebind_hss_request_seconds",
                              "Time from a request's arrival to its answer, by command",
                              net::default_latency_buckets(), {{"command", "kme"}})),
      kme_stored_procedure1(r.counter("kmebind_hss_kme_stored_total",
                                      "KMEs stored after a confirming ULR, by procedure",
                                      {{"procedure", "1"}})),
      kme_stored_procedure2(r.counter("kmebind_hss_kme_stored_total",
                                      "KMEs stored after a confirming ULR, by procedure",
                                      {{"procedure", "2"}})),
      kme_prefetch_attached(r.counter("kmebind_hss_kme_prefetch_total",
                                      "AIAs that carried KME material for the subscription's one "
                                      "allowed IMEI")),
      queue_depth(r.gauge("kmebind_hss_queue_depth", "Requests waiting for a store worker")),
      peers_up(
          r.gauge("kmebind_diameter_peers_up", "Diameter peers whose link is open and verified")),
      refused_unknown(r.counter("kmebind_diameter_peer_refusals_total",
                                "Diameter peers refused, by reason", {{"reason", "unknown"}})),
      refused_certificate(r.counter("kmebind_diameter_peer_refusals_total",
                                    "Diameter peers refused, by reason",
                                    {{"reason", "certificate"}})),
      refused_clear(r.counter("kmebind_diameter_peer_refusals_total",
                              "Diameter peers refused, by reason", {{"reason", "clear"}})),
      connect_failures(r.counter("kmebind_diameter_link_failures_total",
                                 "Diameter connection attempts or links that failed")) {
  // The common results exist from the start, so that rate() sees their first increment.
  for (std::string_view command : {"air", "ulr", "kme"}) {
    registry.counter("kmebind_hss_requests_total", kRequestsHelp,
                     {{"command", std::string(command)}, {"result", "DIAMETER_SUCCESS"}});
  }
}

void HssMetrics::count(std::string_view command, s6a::ResultCode result) {
  registry
      .counter("kmebind_hss_requests_total", kRequestsHelp,
               {{"command", std::string(command)}, {"result", result_name(result)}})
      .inc();
}

HssService::HssService(store::SubscriberStore& store, WorkerPool& pool,
                       net::MetricsRegistry& registry, std::shared_ptr<const KeyedHss> core)
    : store_(store), pool_(pool), metrics_(registry), core_(std::move(core)) {}

std::shared_ptr<const KeyedHss> HssService::current() const {
  std::lock_guard lock(mutex_);
  return core_;
}

void HssService::replace(std::shared_ptr<const KeyedHss> core) {
  std::lock_guard lock(mutex_);
  core_ = std::move(core);
}

void HssService::shed(std::string_view command) {
  metrics_.count(command, s6a::kTooBusy);
  // One warning when shedding starts, not one per request; refresh_gauges re-arms it.
  if (!shedding_.exchange(true)) {
    spdlog::warn(
        "worker queue full ({} waiting) at a {} request: answering DIAMETER_TOO_BUSY until it "
        "drains",
        pool_.limit(), command);
  }
}

namespace {

void log_outcome(std::string_view command, const diameter::LinkInfo& link, std::string_view imsi,
                 std::string_view imei, const hss::HssEvent& event, s6a::ResultCode result) {
  if (result.ok()) {
    spdlog::debug("{} ok imsi={} imei={} peer={}{}{}", command, imsi, imei, link.peer,
                  event.reason.empty() ? "" : ": ", event.reason);
  } else {
    // Once per request, and a UE can make its CNN send them: rate-limited per command and
    // result (a flood of unknown IMSIs does not hide a binding violation).
    const std::string name = result_name(result);
    log_limited(spdlog::level::info, LimiterKey("hss.refused", command, name),
                "{} refused imsi={} imei={} peer={} result={} ({}/{}): {}", command, imsi, imei,
                link.peer, name, result.vendor_id, result.code, event.reason);
  }
}

}  // namespace

// Each request becomes a job for the pool that runs the core and replies; if the pool refuses
// it, the reply is TOO_BUSY at once, on the dispatch thread.
template <class Answer, class Request, class Reply, class Call, class After>
void HssService::dispatch(std::string_view command, net::Histogram& seconds,
                          const diameter::LinkInfo& link, Request&& request, Reply reply, Call call,
                          After after) {
  const Clock::time_point arrived = Clock::now();
  WorkerPool::Job job = [this, command, &seconds, link, request = std::forward<Request>(request),
                         reply, call, after, arrived]() mutable {
    std::shared_ptr<const KeyedHss> keyed = current();
    hss::HssEvent event;
    const hss::LinkInfo hss_link{.confidential = link.confidential};
    Answer answer = call(keyed->hss(), request, now_unix_s(), hss_link, event);
    log_outcome(command, link, request.imsi, imei_of(request), event, answer.result);
    metrics_.count(command, answer.result);
    after(request, answer, link);
    reply(std::move(answer));
    seconds.observe(std::chrono::duration<double>(Clock::now() - arrived).count());
  };
  if (!pool_.try_submit(std::move(job))) {
    shed(command);
    Answer busy;
    busy.result = s6a::kTooBusy;
    reply(std::move(busy));
    return;
  }
  metrics_.queue_depth.set(static_cast<double>(pool_.depth()));
}

void HssService::on_air(const diameter::LinkInfo& link,
                        s6a::AuthenticationInformationRequest&& request, diameter::AirReply reply) {
  dispatch<s6a::AuthenticationInformationAnswer>(
      "air", metrics_.air_seconds, link, std::move(request), std::move(reply),
      [](const hss::Hss& hss, const s6a::AuthenticationInformationRequest& air, std::int64_t now,
         const hss::LinkInfo& hss_link,
         hss::HssEvent& event) { return hss.on_air(air, now, hss_link, event); },
      [this](const auto&, const s6a::AuthenticationInformationAnswer& aia, const auto&) {
        if (aia.kme_prefetch) metrics_.kme_prefetch_attached.inc();
      });
}

void HssService::on_kme_request(const diameter::LinkInfo& link, s6a::KmeRequest&& request,
                                diameter::KmeReply reply) {
  dispatch<s6a::KmeAnswer>(
      "kme", metrics_.kme_seconds, link, std::move(request), std::move(reply),
      [](const hss::Hss& hss, const s6a::KmeRequest& kmr, std::int64_t now,
         const hss::LinkInfo& hss_link,
         hss::HssEvent& event) { return hss.on_kme_request(kmr, now, hss_link, event); },
      [](const auto&, const auto&, const auto&) {});
}

void HssService::on_ulr(const diameter::LinkInfo& link, s6a::UpdateLocationRequest&& request,
                        diameter::UlrReply reply) {
  dispatch<s6a::UpdateLocationAnswer>(
      "ulr", metrics_.ulr_seconds, link, std::move(request), std::move(reply),
      [](const hss::Hss& hss, const s6a::UpdateLocationRequest& ulr, std::int64_t now,
         const hss::LinkInfo& hss_link,
         hss::HssEvent& event) { return hss.on_ulr(ulr, now, hss_link, event); },
      [this](const s6a::UpdateLocationRequest& ulr, const s6a::UpdateLocationAnswer& ula,
             const diameter::LinkInfo& from) {
        if (!ula.result.ok() || !ula.kme_version_stored || !ulr.kme_confirm) return;
        const bool shared = ulr.kme_confirm->procedure == s6a::KmeProcedure::kSharedWithCnn;
        (shared ? metrics_.kme_stored_procedure1 : metrics_.kme_stored_procedure2).inc();
        spdlog::info("kme stored imsi={} imei={} version={} procedure={} peer={}", ulr.imsi,
                     imei_of(ulr), *ula.kme_version_stored, shared ? 1 : 2, from.peer);
      });
}

void HssService::refresh_gauges(const diameter::FdCore& core,
                                const std::vector<std::string>& allowed_peers) {
  const std::size_t depth = pool_.depth();
  metrics_.queue_depth.set(static_cast<double>(depth));
  if (depth * 2 < pool_.limit() && shedding_.exchange(false)) {
    spdlog::info("queue below half its limit again ({} waiting)", depth);
  }
  std::size_t up = 0;
  for (const std::string& peer : allowed_peers) up += core.peer_verified(peer) ? 1 : 0;
  metrics_.peers_up.set(static_cast<double>(up));
  const diameter::PeerStats now = core.peer_stats();
  metrics_.refused_unknown.inc(now.refused_unknown - last_peer_stats_.refused_unknown);
  metrics_.refused_certificate.inc(now.refused_certificate - last_peer_stats_.refused_certificate);
  metrics_.refused_clear.inc(now.refused_clear - last_peer_stats_.refused_clear);
  metrics_.connect_failures.inc(now.connect_failures - last_peer_stats_.connect_failures);
  last_peer_stats_ = now;
}

}  // namespace kmebind::app
