#include "cnn/cnn.h"

#include "cnn/attach.h"
#include "cnn/authentication.h"
#include "cnn/cnn_state.h"
#include "cnn/detach.h"
#include "cnn/identity.h"
#include "cnn/kme_procedure.h"
#include "cnn/security_mode.h"
#include "cnn/update_location.h"
#include "cnn/uplink.h"

namespace kmebind::cnn {

using detail::AttachStep;
using detail::CnnState;
using detail::Step;
using detail::TimerKind;
using detail::UeContext;

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
// Needed by clang 16, which lacks aggregate deduction (P1816) for this.
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// Erases the UE if a procedure finished it during this call.
void settle(CnnState& cnn, UeId id, CnnOutput& out) {
  auto it = cnn.ues.find(id);
  if (it != cnn.ues.end() && it->second.doomed) cnn.erase_ue(id, &out);
}

bool config_broken(const CnnState& cnn, UeId id, CnnOutput& out) {
  if (!cnn.config_error) return false;
  out.events.push_back(CnnEvent{id, CnnEventKind::kInternalError, 0, 0, 0,
                                "invalid configuration: " + cnn.config_error->message()});
  return true;
}

// TS 24.301 §7.4: a message the state does not expect → EMM status #98, nothing else changes.
void unexpected(Step& s, std::string_view name) {
  const char* where = s.ue.attach ? "" : " (no attach running)";
  std::string reason = std::string(name) + " not expected in this state" + where;
  if (s.ue.attach) reason += " (" + std::string(detail::to_string(s.ue.attach->step)) + ")";
  detail::discard(s, std::move(reason));
  s.out.events.back().emm_cause =
      static_cast<std::uint8_t>(nas::EmmCause::kMessageTypeNotCompatibleWithProtocolState);
  detail::send_emm_status(s, nas::EmmCause::kMessageTypeNotCompatibleWithProtocolState);
}

bool at(const Step& s, AttachStep step) { return s.ue.attach && s.ue.attach->step == step; }

void dispatch(Step& s, const detail::UplinkMessage& m) {
  namespace d = detail;
  std::visit(
      Overloaded{
          [&](const nas::IdentityResponse& r) {
            at(s, AttachStep::kIdentity) ? d::identity::on_identity_response(s, r)
                                         : unexpected(s, r.kName);
          },
          [&](const nas::AuthenticationResponse& r) {
            at(s, AttachStep::kAuthentication)
                ? d::authentication::on_authentication_response(s, r)
                : unexpected(s, r.kName);
          },
          [&](const nas::AuthenticationFailure& r) {
            at(s, AttachStep::kAuthentication) ? d::authentication::on_authentication_failure(s, r)
                                               : unexpected(s, r.kName);
          },
          [&](const nas::SecurityModeComplete& r) {
            at(s, AttachStep::kSecurityMode)
                ? d::security_mode::on_security_mode_complete(s, r, m.header)
                : unexpected(s, r.kName);
          },
          [&](const nas::SecurityModeReject& r) {
            at(s, AttachStep::kSecurityMode) ? d::security_mode::on_security_mode_reject(s, r)
                                             : unexpected(s, r.kName);
          },
          [&](const nas::UplinkGenericNasTransport& r) {
            at(s, AttachStep::kKmeProvisioning) || at(s, AttachStep::kDeviceAuthentication)
                ? d::kme_procedure::on_uplink_transport(s, r)
                : unexpected(s, r.kName);
          },
          [&](const nas::AttachComplete& r) {
            at(s, AttachStep::kAwaitAttachComplete) ? d::attach::on_attach_complete(s, r)
                                                    : unexpected(s, r.kName);
          },
          [&](const nas::DetachRequestUeOriginating& r) { d::detach::on_detach_request(s, r); },
          [&](const nas::EmmStatus& r) { d::detach::on_emm_status(s, r); },
          [&](const auto& r) { unexpected(s, r.kName); },
      },
      m.message);
}

}  // namespace

Cnn::Cnn(CnnConfig config) : state_(std::make_unique<CnnState>(std::move(config))) {}
Cnn::~Cnn() = default;
Cnn::Cnn(Cnn&&) noexcept = default;
Cnn& Cnn::operator=(Cnn&&) noexcept = default;

CnnOutput Cnn::on_nas(UeId ue, ByteView pdu, std::int64_t now_ms) {
  CnnOutput out;
  on_nas(ue, pdu, now_ms, out);
  return out;
}

void Cnn::on_nas(UeId id, ByteView pdu, std::int64_t now_ms, CnnOutput& out) {
  CnnState& cnn = *state_;
  if (config_broken(cnn, id, out)) return;
  ++cnn.stats.nas_received;
  auto it = cnn.ues.find(id);
  UeContext* ue = it == cnn.ues.end() ? nullptr : &it->second;
  auto received = detail::receive_uplink(ue, pdu);
  if (auto* d = std::get_if<detail::UplinkDiscard>(&received)) {
    ++cnn.stats.nas_discarded;
    CnnEvent e{id, CnnEventKind::kDiscarded, 0, 0, 0, std::move(d->reason)};
    if (ue == nullptr) e.detail += " (no context for this UE)";
    if (ue != nullptr && d->status) e.emm_cause = static_cast<std::uint8_t>(*d->status);
    out.events.push_back(std::move(e));
    if (ue != nullptr && d->status) {
      Step s{cnn, id, *ue, out, now_ms};
      detail::send_emm_status(s, *d->status);
      settle(cnn, id, out);
    }
    return;
  }
  auto& message = std::get<detail::UplinkMessage>(received);
  if (std::holds_alternative<nas::AttachRequest>(message.message)) {
    detail::attach::on_attach_request(cnn, id, message, now_ms, out);
    settle(cnn, id, out);
    return;
  }
  if (ue == nullptr) {
    ++cnn.stats.nas_discarded;
    out.events.push_back(CnnEvent{id, CnnEventKind::kDiscarded, 0, 0, 0,
                                  std::string(nas::message_name(message.message)) +
                                      " from a UE without a context"});
    return;
  }
  Step s{cnn, id, *ue, out, now_ms};
  dispatch(s, message);
  settle(cnn, id, out);
}

CnnOutput Cnn::on_s6a_answer(TxnId txn, S6aAnswer&& answer, std::int64_t now_ms) {
  CnnOutput out;
  on_s6a_answer(txn, std::move(answer), now_ms, out);
  return out;
}

namespace {

// The UE waiting for `txn`, with the transaction consumed and the S6a timer stopped; null for
// an unknown, stale or released transaction.
UeContext* take_transaction(CnnState& cnn, TxnId txn, UeId& id) {
  auto t = cnn.txns.find(txn);
  if (t == cnn.txns.end()) {
    ++cnn.stats.s6a_ignored_answers;
    return nullptr;
  }
  id = t->second;
  cnn.txns.erase(t);
  auto it = cnn.ues.find(id);
  if (it == cnn.ues.end() || !it->second.attach || it->second.attach->txn != txn) {
    ++cnn.stats.s6a_ignored_answers;
    return nullptr;
  }
  it->second.attach->txn = 0;
  return &it->second;
}

}  // namespace

void Cnn::on_s6a_answer(TxnId txn, S6aAnswer&& answer, std::int64_t now_ms, CnnOutput& out) {
  CnnState& cnn = *state_;
  if (config_broken(cnn, 0, out)) return;
  UeId id = 0;
  UeContext* ue = take_transaction(cnn, txn, id);
  if (ue == nullptr) return;
  Step s{cnn, id, *ue, out, now_ms};
  detail::stop_timer(s);
  namespace d = detail;
  const AttachStep step = ue->attach->step;
  std::visit(Overloaded{
                 [&](s6a::AuthenticationInformationAnswer& a) {
                   if (step == AttachStep::kAwaitAia) return d::authentication::on_aia(s, std::move(a));
                   d::reject_attach(s, nas::EmmCause::kNetworkFailure, CnnEventKind::kS6aError,
                                    "AIA answers a request that was not an AIR");
                 },
                 [&](s6a::KmeAnswer& a) {
                   if (step == AttachStep::kAwaitKma) return d::kme_procedure::on_kma(s, std::move(a));
                   d::reject_attach(s, nas::EmmCause::kNetworkFailure, CnnEventKind::kS6aError,
                                    "KMA answers a request that was not a KME-Request");
                 },
                 [&](s6a::UpdateLocationAnswer& a) {
                   if (step == AttachStep::kAwaitUla) return d::update_location::on_ula(s, std::move(a));
                   d::reject_attach(s, nas::EmmCause::kNetworkFailure, CnnEventKind::kS6aError,
                                    "ULA answers a request that was not a ULR");
                 },
             },
             answer);
  settle(cnn, id, out);
}

CnnOutput Cnn::on_s6a_failure(TxnId txn, const Error& error, std::int64_t now_ms) {
  CnnOutput out;
  on_s6a_failure(txn, error, now_ms, out);
  return out;
}

void Cnn::on_s6a_failure(TxnId txn, const Error& error, std::int64_t now_ms, CnnOutput& out) {
  CnnState& cnn = *state_;
  if (config_broken(cnn, 0, out)) return;
  UeId id = 0;
  UeContext* ue = take_transaction(cnn, txn, id);
  if (ue == nullptr) return;
  Step s{cnn, id, *ue, out, now_ms};
  detail::stop_timer(s);
  ++cnn.stats.s6a_timeouts;
  // docs/protocol.md §3: HSS unreachable → #22 with T3346.
  detail::reject_attach(s, nas::EmmCause::kCongestion, CnnEventKind::kS6aError,
                        "S6a: " + error.message(), true);
  settle(cnn, id, out);
}

CnnOutput Cnn::on_timer(std::int64_t now_ms) {
  CnnOutput out;
  on_timer(now_ms, out);
  return out;
}

void Cnn::on_timer(std::int64_t now_ms, CnnOutput& out) {
  CnnState& cnn = *state_;
  while (!cnn.deadlines.empty() && cnn.deadlines.begin()->first <= now_ms) {
    const UeId id = cnn.deadlines.begin()->second;
    cnn.deadlines.erase(cnn.deadlines.begin());
    auto it = cnn.ues.find(id);
    if (it == cnn.ues.end() || !it->second.attach) continue;
    detail::AttachProcedure& a = *it->second.attach;
    const TimerKind kind = a.timer;
    a.timer = TimerKind::kNone;  // its deadline entry is gone already
    Step s{cnn, id, it->second, out, now_ms};
    if (kind == TimerKind::kS6aAnswer) {
      cnn.txns.erase(a.txn);  // a late answer is ignored
      a.txn = 0;
      ++cnn.stats.s6a_timeouts;
      detail::reject_attach(s, nas::EmmCause::kCongestion, CnnEventKind::kS6aError,
                            "no S6a answer within " +
                                std::to_string(cnn.config.s6a_answer_timeout_ms) + " ms",
                            true);
    } else if (++a.expiries > cnn.config.max_retransmissions) {
      // TS 24.301 §5.4.2.7 (b), §5.4.3.7 (b), §5.4.4.6 (b), §5.5.1.2.7 (c): abort on the 5th
      // expiry, nothing sent.
      ++cnn.stats.procedure_timeouts;
      detail::abort_ue(s, CnnEventKind::kTimerExpired,
                       std::string(detail::to_string(kind)) + " expired " +
                           std::to_string(a.expiries) + " times (" +
                           std::string(detail::to_string(a.step)) + ")");
    } else {
      a.timer = kind;
      detail::retransmit(s);
    }
    settle(cnn, id, out);
  }
}

std::optional<std::int64_t> Cnn::next_deadline() const {
  if (state_->deadlines.empty()) return std::nullopt;
  return state_->deadlines.begin()->first;
}

void Cnn::release(UeId ue) { state_->erase_ue(ue, nullptr); }

std::size_t Cnn::ue_count() const { return state_->ues.size(); }

CnnStats Cnn::stats() const {
  CnnStats s = state_->stats;
  s.ues_registered = state_->registered;
  s.ues_attaching = state_->ues.size() - state_->registered;
  return s;
}

const CnnConfig& Cnn::config() const { return state_->config; }

}  // namespace kmebind::cnn
