#include "metered_network.h"

#include <ctime>
#include <type_traits>
#include <utility>

namespace kmebind::bench {

std::int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

MeteredNetwork::MeteredNetwork(const hss::Hss& hss, cnn::CnnConfig config, std::int64_t now_unix_s,
                               hss::LinkInfo link)
    : hss_(&hss), cnn_(std::move(config)), link_(link), now_unix_s_(now_unix_s) {}

void MeteredNetwork::take_ue(ue::UeOutput&& out, AttachMeter& m, bool& ended) {
  for (Bytes& pdu : out.send) {
    queue_.push_back(Delivery{Delivery::Kind::kUplink, std::move(pdu), 0, {}});
  }
  for (const ue::UeEvent& ev : out.events) {
    using K = ue::UeEventKind;
    switch (ev.kind) {
      case K::kAttached:
        m.attached = true;
        ended = true;
        break;
      case K::kAttachRejected:
      case K::kAuthenticationRejected:
      case K::kAttachAttemptFailed:
        ended = true;
        if (m.failure.empty()) m.failure = "UE: " + ev.describe();
        break;
      case K::kKmeProvisioningRejected:
      case K::kDeviceAuthenticationRejected:
      case K::kSecurityModeRejected:
      case K::kAuthenticationFailed:
        if (m.failure.empty()) m.failure = "UE: " + ev.describe();
        break;
      default:
        break;
    }
  }
}

void MeteredNetwork::take_cnn(AttachMeter& m) {
  for (cnn::NasSend& s : scratch_.nas) {
    queue_.push_back(Delivery{Delivery::Kind::kDownlink, std::move(s.pdu), 0, {}});
  }
  for (cnn::S6aSend& s : scratch_.s6a) {
    queue_.push_back(Delivery{Delivery::Kind::kS6a, {}, s.txn, std::move(s.request)});
  }
  for (const cnn::CnnEvent& ev : scratch_.events) {
    using K = cnn::CnnEventKind;
    switch (ev.kind) {
      case K::kKmeProvisioned:
        m.kme_procedure = ev.kme_procedure;
        break;
      case K::kDeviceAuthenticated:
        m.device_authenticated = true;
        break;
      case K::kAttached:
      case K::kDiscarded:
        break;
      default:
        if (m.failure.empty()) {
          m.failure = "CNN: " + std::string(cnn::to_string(ev.kind)) + " " + ev.detail;
        }
        break;
    }
  }
  scratch_.clear();
}

cnn::S6aAnswer MeteredNetwork::answer(const cnn::S6aRequest& request, AttachMeter& m) {
  const std::int64_t t0 = thread_cpu_ns();
  cnn::S6aAnswer a = std::visit(
      [&](const auto& r) -> cnn::S6aAnswer {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, s6a::AuthenticationInformationRequest>) {
          return hss_->on_air(r, now_unix_s_, link_);
        } else if constexpr (std::is_same_v<T, s6a::KmeRequest>) {
          return hss_->on_kme_request(r, now_unix_s_, link_);
        } else {
          return hss_->on_ulr(r, now_unix_s_, link_);
        }
      },
      request);
  const std::int64_t spent = thread_cpu_ns() - t0;
  switch (request.index()) {
    case 0:
      m.hss_air_ns += spent;
      break;
    case 1:
      m.hss_kmr_ns += spent;
      break;
    default:
      m.hss_ulr_ns += spent;
      break;
  }
  return a;
}

AttachMeter MeteredNetwork::attach(ue::Ue& ue, cnn::UeId id) {
  AttachMeter m;
  bool ended = false;
  queue_.clear();
  std::int64_t t0 = thread_cpu_ns();
  ue::UeOutput first = ue.start_attach(now_ms_);
  m.ue_ns += thread_cpu_ns() - t0;
  take_ue(std::move(first), m, ended);

  while (!queue_.empty()) {
    Delivery d = std::move(queue_.front());
    queue_.pop_front();
    ++now_ms_;
    switch (d.kind) {
      case Delivery::Kind::kUplink:
        ++m.nas_pdus;
        m.nas_octets += d.pdu.size();
        t0 = thread_cpu_ns();
        cnn_.on_nas(id, d.pdu, now_ms_, scratch_);
        m.cnn_ns += thread_cpu_ns() - t0;
        take_cnn(m);
        break;
      case Delivery::Kind::kDownlink: {
        ++m.nas_pdus;
        m.nas_octets += d.pdu.size();
        t0 = thread_cpu_ns();
        ue::UeOutput out = ue.on_nas(d.pdu, now_ms_);
        const std::int64_t spent = thread_cpu_ns() - t0;
        m.ue_ns += spent;
        if (out.has(ue::UeEventKind::kKmeProvisioned)) {
          m.ue_kme_ns += spent;
          m.kme_downlink_octets += d.pdu.size();
          for (const Bytes& pdu : out.send) m.kme_uplink_octets += pdu.size();
        }
        take_ue(std::move(out), m, ended);
        break;
      }
      case Delivery::Kind::kS6a: {
        cnn::S6aAnswer a = answer(*d.request, m);
        t0 = thread_cpu_ns();
        cnn_.on_s6a_answer(d.txn, std::move(a), now_ms_, scratch_);
        m.cnn_ns += thread_cpu_ns() - t0;
        take_cnn(m);
        break;
      }
    }
  }
  if (!ended && m.failure.empty()) m.failure = "stuck: the attach needed a timer";
  if (!m.attached && m.failure.empty()) m.failure = "not attached";
  return m;
}

}  // namespace kmebind::bench
