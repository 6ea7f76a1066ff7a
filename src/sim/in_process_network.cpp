#include "sim/in_process_network.h"

#include <algorithm>

namespace kmebind::sim {
namespace {

cnn::UeId to_ue_id(UeIndex index) { return static_cast<cnn::UeId>(index) + 1; }
UeIndex to_index(cnn::UeId id) { return static_cast<UeIndex>(id - 1); }

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
// Needed by clang 16 (clang-tidy), which lacks aggregate deduction (P1816) for this.
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

InProcessNetwork::InProcessNetwork(const hss::Hss& hss, cnn::CnnConfig cnn_config,
                                   std::int64_t start_unix_s, hss::LinkInfo link)
    : hss_(&hss), cnn_(std::move(cnn_config)), link_(link), start_unix_s_(start_unix_s) {}

UeIndex InProcessNetwork::add_ue(ue::Ue ue) {
  ues_.push_back(UeSlot{std::move(ue), false, {}});
  return ues_.size() - 1;
}

std::vector<AttachOutcome> InProcessNetwork::run_attach(const std::vector<UeIndex>& ues,
                                                        std::size_t max_steps) {
  std::size_t running = 0;
  for (UeIndex i : ues) {
    UeSlot& slot = ues_.at(i);
    slot.outcome = {};
    slot.running = true;
    ++running;
  }
  for (UeIndex i : ues) take_ue_output(i, ues_[i].ue.start_attach(now_ms_));

  std::size_t steps = 0;
  auto still_running = [&] {
    return std::any_of(ues.begin(), ues.end(), [&](UeIndex i) { return ues_[i].running; });
  };
  // Runs until every UE of the set has ended and everything they sent has been delivered (the
  // Attach complete that follows the UE's last event included); timers are only run while a UE
  // of the set is still waiting.
  while (steps < max_steps && (!queue_.empty() || still_running())) {
    if (queue_.empty()) {
      auto deadline = next_deadline();
      if (!deadline) break;
      now_ms_ = std::max(now_ms_, *deadline);
      fire_timers();
      continue;
    }
    Delivery d = std::move(queue_.front());
    queue_.pop_front();
    deliver(d);
    ++steps;
  }
  std::vector<AttachOutcome> outcomes;
  outcomes.reserve(ues.size());
  for (UeIndex i : ues) {
    UeSlot& slot = ues_[i];
    if (slot.running) {
      slot.running = false;
      if (slot.outcome.detail.empty()) slot.outcome.detail = "stuck: attach did not end";
    }
    outcomes.push_back(slot.outcome);
  }
  return outcomes;
}

void InProcessNetwork::take_ue_output(UeIndex index, ue::UeOutput&& out) {
  UeSlot& slot = ues_[index];
  for (Bytes& pdu : out.send) {
    queue_.push_back(Delivery{Delivery::Kind::kUplink, to_ue_id(index), std::move(pdu), 0, {}});
  }
  for (const ue::UeEvent& ev : out.events) {
    using K = ue::UeEventKind;
    switch (ev.kind) {
      case K::kAttached:
        slot.outcome.attached = true;
        slot.running = false;
        break;
      case K::kAttachRejected:
        slot.outcome.reject_cause = ev.emm_cause ? static_cast<std::uint8_t>(*ev.emm_cause) : 0;
        slot.running = false;
        break;
      case K::kAuthenticationRejected:
        slot.outcome.authentication_rejected = true;
        slot.running = false;
        break;
      case K::kAttachAttemptFailed:
        if (slot.outcome.detail.empty()) slot.outcome.detail = "UE: " + ev.describe();
        slot.running = false;
        break;
      case K::kKmeProvisioningRejected:
      case K::kDeviceAuthenticationRejected:
      case K::kSecurityModeRejected:
      case K::kAuthenticationFailed:
        if (slot.outcome.detail.empty()) slot.outcome.detail = "UE: " + ev.describe();
        break;
      default:
        break;
    }
  }
}

void InProcessNetwork::take_cnn_output(cnn::CnnOutput& out) {
  if (cnn_output_tap_) cnn_output_tap_(out);
  for (cnn::NasSend& s : out.nas) {
    queue_.push_back(Delivery{Delivery::Kind::kDownlink, s.ue, std::move(s.pdu), 0, {}});
  }
  for (cnn::S6aSend& s : out.s6a) {
    queue_.push_back(Delivery{Delivery::Kind::kS6a, s.ue, {}, s.txn, std::move(s.request)});
  }
  for (const cnn::CnnEvent& ev : out.events) {
    if (ev.ue == 0 || to_index(ev.ue) >= ues_.size()) continue;
    AttachOutcome& o = ues_[to_index(ev.ue)].outcome;
    using K = cnn::CnnEventKind;
    switch (ev.kind) {
      case K::kKmeProvisioned:
        o.kme_procedure = ev.kme_procedure;
        o.kme_version = ev.kme_version;
        break;
      case K::kDeviceAuthenticated:
        o.device_authenticated = true;
        o.kme_version = ev.kme_version;
        break;
      case K::kBindingViolation:
      case K::kDeviceAuthenticationFailed:
        o.binding_violation = true;
        if (o.detail.empty()) o.detail = "CNN: " + ev.detail;
        break;
      case K::kAttached:
      case K::kDiscarded:
        break;
      default:
        if (o.detail.empty()) o.detail = std::string("CNN: ") + std::string(to_string(ev.kind)) +
                                         (ev.detail.empty() ? "" : " (" + ev.detail + ")");
        break;
    }
  }
  out.clear();
}

cnn::S6aAnswer InProcessNetwork::answer(const cnn::S6aRequest& request) {
  const std::int64_t now = now_unix_s();
  return std::visit(
      Overloaded{
          [&](const s6a::AuthenticationInformationRequest& r) -> cnn::S6aAnswer {
            return hss_->on_air(r, now, link_);
          },
          [&](const s6a::KmeRequest& r) -> cnn::S6aAnswer {
            return hss_->on_kme_request(r, now, link_);
          },
          [&](const s6a::UpdateLocationRequest& r) -> cnn::S6aAnswer {
            return hss_->on_ulr(r, now, link_);
          },
      },
      request);
}

void InProcessNetwork::inject_nas(UeIndex ue, Bytes pdu, bool uplink) {
  queue_.push_back(Delivery{uplink ? Delivery::Kind::kUplink : Delivery::Kind::kDownlink,
                            to_ue_id(ue), std::move(pdu), 0, {}});
}

void InProcessNetwork::deliver(Delivery& d) {
  if (d.kind != Delivery::Kind::kS6a && nas_hook_ &&
      !nas_hook_(d.ue, d.pdu, d.kind == Delivery::Kind::kUplink)) {
    return;
  }
  switch (d.kind) {
    case Delivery::Kind::kUplink:
      ++nas_pdus_;
      nas_octets_ += d.pdu.size();
      if (tap_.on_pdu) tap_.on_pdu(d.ue, d.pdu, true, now_ms_);
      cnn_.on_nas(d.ue, d.pdu, now_ms_, scratch_);
      take_cnn_output(scratch_);
      break;
    case Delivery::Kind::kDownlink: {
      ++nas_pdus_;
      nas_octets_ += d.pdu.size();
      if (tap_.on_pdu) tap_.on_pdu(d.ue, d.pdu, false, now_ms_);
      const UeIndex index = to_index(d.ue);
      if (index < ues_.size()) take_ue_output(index, ues_[index].ue.on_nas(d.pdu, now_ms_));
      break;
    }
    case Delivery::Kind::kS6a: {
      if (s6a_request_hook_ && !s6a_request_hook_(*d.request)) break;  // dropped: CNN times out
      ++s6a_round_trips_;
      cnn::S6aAnswer a = answer(*d.request);
      if (s6a_answer_hook_) s6a_answer_hook_(a);
      cnn_.on_s6a_answer(d.txn, std::move(a), now_ms_, scratch_);
      take_cnn_output(scratch_);
      break;
    }
  }
}

std::optional<std::int64_t> InProcessNetwork::next_deadline() const {
  std::optional<std::int64_t> best = cnn_.next_deadline();
  for (const UeSlot& slot : ues_) {
    if (!slot.running) continue;
    if (auto d = slot.ue.next_deadline(); d && (!best || *d < *best)) best = d;
  }
  return best;
}

void InProcessNetwork::fire_timers() {
  cnn_.on_timer(now_ms_, scratch_);
  take_cnn_output(scratch_);
  for (UeIndex i = 0; i < ues_.size(); ++i) {
    if (!ues_[i].running) continue;
    if (auto d = ues_[i].ue.next_deadline(); d && *d <= now_ms_) {
      take_ue_output(i, ues_[i].ue.on_timer(now_ms_));
    }
  }
}

}  // namespace kmebind::sim
