#include "cnn/cnn_state.h"

#include "crypto/kdf.h"
#include "crypto/random.h"

namespace kmebind::cnn::detail {

CnnState::CnnState(CnnConfig c) : config(std::move(c)) {
  if (auto ok = config.validate(); !ok) {
    config_error = ok.error();
    return;
  }
  // validate() has checked each of these; a failure here would be a bug, reported the same way.
  const std::size_t dash = config.plmn.find('-');
  auto plmn_value = nas::Plmn::parse(std::string_view(config.plmn).substr(0, dash),
                                     std::string_view(config.plmn).substr(dash + 1));
  auto sn_id = crypto::plmn_to_sn_id(config.plmn);
  auto pool_value = Ipv4Pool::parse(config.ipv4_pool);
  if (!plmn_value || !sn_id || !pool_value) {
    config_error = Error(Code::kInvalidArgument, "configuration: PLMN or IPv4 pool unusable");
    return;
  }
  plmn = std::move(*plmn_value);
  visited_plmn_id = std::move(*sn_id);
  pool = std::move(*pool_value);
  // TS 24.301 §9.9.3.33: one partial list of type 000 (one PLMN, non-consecutive TACs).
  nas::PartialTaiList list;
  list.type = nas::PartialTaiList::Type::kNonConsecutiveTacs;
  for (std::uint16_t tac : config.tacs) list.tais.push_back(nas::Tai{plmn, tac});
  tai_list.lists.push_back(std::move(list));
}

Status CnnState::random(std::span<std::uint8_t> out) const {
  if (config.random) return config.random(out);
  return crypto::random_fill(out);
}

void CnnState::clear_ue(UeId id, UeContext& ue) {
  if (ue.attach) {
    if (ue.attach->timer != TimerKind::kNone) deadlines.erase({ue.attach->deadline, id});
    if (ue.attach->txn != 0) txns.erase(ue.attach->txn);
  }
  if (ue.state == EmmState::kRegistered) {
    --registered;
    ue.state = EmmState::kDeregistered;
  }
  if (ue.has_guti) {
    auto it = by_m_tmsi.find(ue.m_tmsi);
    if (it != by_m_tmsi.end() && it->second == id) by_m_tmsi.erase(it);
    ue.has_guti = false;
  }
  if (ue.ipv4 != 0) {
    pool.release(ue.ipv4);
    ue.ipv4 = 0;
  }
}

void CnnState::erase_ue(UeId id, CnnOutput* out) {
  auto it = ues.find(id);
  if (it == ues.end()) return;
  clear_ue(id, it->second);
  ues.erase(it);
  if (out) out->released.push_back(id);
}

// --- events -----------------------------------------------------------------------------------

void emit(Step& s, CnnEventKind kind, std::string detail, std::uint8_t emm_cause) {
  CnnEvent e;
  e.ue = s.id;
  e.kind = kind;
  e.emm_cause = emm_cause;
  e.detail = std::move(detail);
  s.out.events.push_back(std::move(e));
}

void finish(Step& s) { s.ue.doomed = true; }

void abort_ue(Step& s, CnnEventKind kind, std::string detail, std::uint8_t emm_cause) {
  emit(s, kind, std::move(detail), emm_cause);
  finish(s);
}

void discard(Step& s, std::string reason) {
  ++s.cnn.stats.nas_discarded;
  emit(s, CnnEventKind::kDiscarded, std::move(reason));
}

void internal_error(Step& s, const Error& error) {
  abort_ue(s, CnnEventKind::kInternalError, error.what());
}

// --- NAS downlink -----------------------------------------------------------------------------

namespace {

Result<Bytes> wrap(Step& s, ByteView plain, nas::SecurityHeaderType header) {
  if (header == nas::SecurityHeaderType::kPlain) return Bytes(plain.begin(), plain.end());
  if (!s.ue.security) {
    return fail(Code::kInternal, "no NAS security context for a protected downlink message");
  }
  return s.ue.security->protect(plain, header, nas::Direction::kDownlink);
}

nas::SecurityHeaderType default_header(const Step& s) {
  return s.ue.security_established ? nas::SecurityHeaderType::kIntegrityProtectedCiphered
                                   : nas::SecurityHeaderType::kPlain;
}

}  // namespace

bool send_nas(Step& s, const nas::NasMessage& message, nas::SecurityHeaderType header) {
  auto plain = nas::encode_nas(message);
  if (!plain) {
    internal_error(s, plain.error().with_context(nas::message_name(message)));
    return false;
  }
  auto pdu = wrap(s, *plain, header);
  if (!pdu) {
    internal_error(s, pdu.error());
    return false;
  }
  s.out.nas.push_back(NasSend{s.id, std::move(*pdu)});
  ++s.cnn.stats.nas_sent;
  return true;
}

bool send_nas(Step& s, const nas::NasMessage& message) {
  return send_nas(s, message, default_header(s));
}

bool send_procedure_message(Step& s, const nas::NasMessage& message,
                            nas::SecurityHeaderType header, TimerKind timer) {
  auto plain = nas::encode_nas(message);
  if (!plain) {
    internal_error(s, plain.error().with_context(nas::message_name(message)));
    return false;
  }
  AttachProcedure& a = s.attach();
  a.last_downlink = std::move(*plain);
  a.last_header = header;
  auto pdu = wrap(s, a.last_downlink, header);
  if (!pdu) {
    internal_error(s, pdu.error());
    return false;
  }
  s.out.nas.push_back(NasSend{s.id, std::move(*pdu)});
  ++s.cnn.stats.nas_sent;
  a.expiries = 0;
  start_timer(s, timer, timer_duration(s.config(), timer));
  return true;
}

bool retransmit(Step& s) {
  AttachProcedure& a = s.attach();
  auto pdu = wrap(s, a.last_downlink, a.last_header);
  if (!pdu) {
    internal_error(s, pdu.error());
    return false;
  }
  s.out.nas.push_back(NasSend{s.id, std::move(*pdu)});
  ++s.cnn.stats.nas_sent;
  ++s.cnn.stats.retransmissions;
  start_timer(s, a.timer, timer_duration(s.config(), a.timer));
  return true;
}

void send_emm_status(Step& s, nas::EmmCause cause) {
  send_nas(s, nas::EmmStatus{cause});
}

void reject_attach(Step& s, nas::EmmCause cause, CnnEventKind kind, std::string detail,
                   bool with_t3346) {
  nas::AttachReject reject;
  reject.emm_cause = cause;
  if (with_t3346) reject.t3346_value = nas::GprsTimer::from_seconds(s.config().t3346_s);
  if (!send_nas(s, reject)) return;
  ++s.cnn.stats.attach_rejects;
  abort_ue(s, kind, std::move(detail), static_cast<std::uint8_t>(cause));
}

// --- timers and S6a ---------------------------------------------------------------------------

std::int64_t timer_duration(const CnnConfig& config, TimerKind kind) {
  switch (kind) {
    case TimerKind::kT3450: return config.t3450_ms;
    case TimerKind::kT3460: return config.t3460_ms;
    case TimerKind::kT3470: return config.t3470_ms;
    case TimerKind::kKmeGuard: return config.kme_guard_ms;
    case TimerKind::kS6aAnswer: return config.s6a_answer_timeout_ms;
    case TimerKind::kNone: break;
  }
  return 0;
}

void start_timer(Step& s, TimerKind kind, std::int64_t duration_ms) {
  stop_timer(s);
  AttachProcedure& a = s.attach();
  a.timer = kind;
  a.deadline = s.now + duration_ms;
  s.cnn.deadlines.insert({a.deadline, s.id});
}

void stop_timer(Step& s) {
  AttachProcedure& a = s.attach();
  if (a.timer == TimerKind::kNone) return;
  s.cnn.deadlines.erase({a.deadline, s.id});
  a.timer = TimerKind::kNone;
}

void send_s6a(Step& s, S6aRequest request, AttachStep waiting_step) {
  AttachProcedure& a = s.attach();
  if (a.txn != 0) s.cnn.txns.erase(a.txn);
  const TxnId txn = s.cnn.next_txn++;
  a.txn = txn;
  a.step = waiting_step;
  a.expiries = 0;
  s.cnn.txns.emplace(txn, s.id);
  s.out.s6a.push_back(S6aSend{txn, s.id, std::move(request)});
  ++s.cnn.stats.s6a_requests;
  start_timer(s, TimerKind::kS6aAnswer, s.config().s6a_answer_timeout_ms);
}

}  // namespace kmebind::cnn::detail
