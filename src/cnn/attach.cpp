#include "cnn/attach.h"

#include <algorithm>

#include "cnn/authentication.h"
#include "cnn/identity.h"
#include "nas/esm_messages.h"

namespace kmebind::cnn::detail::attach {
namespace {

template <class Alg>
std::optional<Alg> select(const std::vector<Alg>& preference,
                          const nas::UeNetworkCapability& cap) {
  for (Alg a : preference) {
    if (cap.supports(a)) return a;
  }
  return std::nullopt;
}

std::string dotted(std::uint32_t address) {
  const auto o = Ipv4Pool::octets(address);
  return std::to_string(o[0]) + "." + std::to_string(o[1]) + "." + std::to_string(o[2]) + "." +
         std::to_string(o[3]);
}

// What the Attach request names as its IMSI without an identification procedure, and the other
// link's context its GUTI names (TS 24.301 §5.5.1.2.2, TS 23.003 §2.8).
struct Resolved {
  std::string imsi;
  std::optional<UeId> old_ue;
};

Resolved resolve_identity(const CnnState& cnn, UeId id, const nas::EpsMobileIdentity& identity) {
  Resolved r;
  if (const auto* imsi = std::get_if<nas::Imsi>(&identity.identity)) {
    if (imsi->digits.size() >= 6 && imsi->digits.size() <= 15) r.imsi = imsi->digits;
  } else if (const auto* guti = std::get_if<nas::Guti>(&identity.identity)) {
    if (guti->plmn == cnn.plmn && guti->mme_group_id == cnn.config.mme_group_id &&
        guti->mme_code == cnn.config.mme_code) {
      auto it = cnn.by_m_tmsi.find(guti->m_tmsi);
      if (it != cnn.by_m_tmsi.end()) {
        auto ue = cnn.ues.find(it->second);
        if (ue != cnn.ues.end() && !ue->second.imsi.empty()) {
          r.imsi = ue->second.imsi;
          if (it->second != id) r.old_ue = it->second;
        }
      }
    }
  }
  return r;
}

void handle_duplicate(Step& s) {
  if (s.attach().step == AttachStep::kAwaitAttachComplete) {
    // TS 24.301 §5.5.1.2.7 (e): the same Attach request after Attach accept → resend it.
    retransmit(s);
    return;
  }
  // §5.5.1.2.7 (d): the same Attach request before Attach accept → carry on with the first.
  discard(s, "Attach request repeated while its attach runs");
}

void reject_overload(CnnState& cnn, UeId id, std::int64_t now, CnnOutput& out,
                     const std::string& reason) {
  // TS 24.301 §5.5.1.2.5: congestion → #22 with T3346; the UE keeps no context here.
  UeContext transient;
  Step s{cnn, id, transient, out, now};
  ++cnn.stats.overload_rejects;
  reject_attach(s, nas::EmmCause::kCongestion, CnnEventKind::kAttachRejected,
                "overload: " + reason, true);
  out.released.push_back(id);
}

bool uses_reserved_m_tmsi(std::uint32_t m_tmsi) { return m_tmsi == 0xffffffffu; }

Result<std::uint32_t> allocate_m_tmsi(CnnState& cnn) {
  // TS 23.401 §5.3.2.1: the M-TMSI is chosen unpredictably; retry on the rare collision.
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::array<std::uint8_t, 4> b{};
    if (auto ok = cnn.random(b); !ok) return std::unexpected(ok.error());
    const std::uint32_t m_tmsi = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                                 (std::uint32_t{b[2]} << 8) | b[3];
    if (!uses_reserved_m_tmsi(m_tmsi) && !cnn.by_m_tmsi.contains(m_tmsi)) return m_tmsi;
  }
  return fail(Code::kUnavailable, "no free M-TMSI found");
}

}  // namespace

void on_attach_request(CnnState& cnn, UeId id, const UplinkMessage& m, std::int64_t now,
                       CnnOutput& out) {
  const auto& request = std::get<nas::AttachRequest>(m.message);
  auto it = cnn.ues.find(id);
  if (it != cnn.ues.end() && it->second.attach && it->second.attach->attach_request == m.plain) {
    Step s{cnn, id, it->second, out, now};
    handle_duplicate(s);
    return;
  }
  if (it == cnn.ues.end() && cnn.ues.size() >= cnn.config.max_ues) {
    reject_overload(cnn, id, now, out, std::to_string(cnn.ues.size()) + " UE contexts");
    return;
  }
  // TS 23.401 §4.3.7.4.2.4: contexts not registered are attaches running (or ending this call).
  if (it == cnn.ues.end() && cnn.ues.size() - cnn.registered >= cnn.config.max_attaching) {
    reject_overload(cnn, id, now, out,
                    std::to_string(cnn.ues.size() - cnn.registered) + " attaches running");
    return;
  }
  ++cnn.stats.attach_requests;
  Resolved resolved = resolve_identity(cnn, id, request.eps_mobile_identity);

  UeContext& ue = it != cnn.ues.end() ? it->second : cnn.ues[id];
  cnn.clear_ue(id, ue);
  ue = UeContext{};
  ue.imsi = std::move(resolved.imsi);
  ue.attach = std::make_unique<AttachProcedure>();
  AttachProcedure& a = *ue.attach;
  a.attach_request = m.plain;
  a.ue_network_capability = request.ue_network_capability;
  a.ue_ksi = request.nas_key_set_identifier.ksi;
  a.combined_attach = request.eps_attach_type == nas::EpsAttachType::kCombinedEpsImsiAttach;
  a.old_ue = resolved.old_ue;
  Step s{cnn, id, ue, out, now};

  // TS 24.301 §6.5.1: the PDN connectivity request piggybacked on the attach.
  auto esm = nas::decode_nas(request.esm_message_container.value, nas::Direction::kUplink);
  const auto* pdn = esm ? std::get_if<nas::PdnConnectivityRequest>(&*esm) : nullptr;
  if (pdn == nullptr) {
    reject_attach(s, nas::EmmCause::kEsmFailure, CnnEventKind::kAttachRejected,
                  "ESM message container is not a PDN connectivity request");
    return;
  }
  if (pdn->pdn_type != nas::PdnType::kIpv4 && pdn->pdn_type != nas::PdnType::kIpv4v6) {
    reject_attach(s, nas::EmmCause::kEsmFailure, CnnEventKind::kAttachRejected,
                  "PDN type " + nas::to_string(pdn->pdn_type) + " not offered (IPv4 only)");
    return;
  }
  a.pti = pdn->procedure_transaction_identity;
  a.ipv4v6_requested = pdn->pdn_type == nas::PdnType::kIpv4v6;

  // TS 33.401 §7.2.4.3: the highest-priority algorithms the UE supports.
  const auto ciphering = select(cnn.config.ciphering_preference, a.ue_network_capability);
  const auto integrity = select(cnn.config.integrity_preference, a.ue_network_capability);
  if (!ciphering || !integrity) {
    reject_attach(s, nas::EmmCause::kUeSecurityCapabilitiesMismatch,
                  CnnEventKind::kAttachRejected,
                  "UE network capability has none of the configured NAS algorithms");
    return;
  }
  a.algorithms = nas::NasSecurityAlgorithms{*ciphering, *integrity};

  if (ue.imsi.empty()) {
    identity::start(s);
  } else {
    authentication::request_vectors(s, std::nullopt);
  }
}

bool reserve_guti_and_address(Step& s) {
  if (s.ue.has_guti && s.ue.ipv4 != 0) return true;
  auto m_tmsi = allocate_m_tmsi(s.cnn);
  if (!m_tmsi) {
    internal_error(s, m_tmsi.error());
    return false;
  }
  const auto address = s.cnn.pool.allocate();
  if (!address) {
    reject_attach(s, nas::EmmCause::kEsmFailure, CnnEventKind::kAttachRejected,
                  "IPv4 pool exhausted");
    return false;
  }
  s.ue.ipv4 = *address;
  s.ue.m_tmsi = *m_tmsi;
  s.ue.has_guti = true;
  s.cnn.by_m_tmsi[*m_tmsi] = s.id;
  return true;
}

void send_attach_accept(Step& s) {
  AttachProcedure& a = s.attach();
  if (!s.ue.has_guti || s.ue.ipv4 == 0) {
    internal_error(s, Error(Code::kInternal, "Attach accept without a reserved GUTI and address"));
    return;
  }

  // TS 24.301 §8.3.6, §6.4.1.2: the default bearer, EBI 5, answering the UE's PTI.
  nas::ActivateDefaultEpsBearerContextRequest bearer;
  bearer.eps_bearer_identity = 5;
  bearer.procedure_transaction_identity = a.pti;
  bearer.eps_qos.qci = s.config().default_qci;
  bearer.access_point_name.name = s.config().apn;
  bearer.pdn_address.type = nas::PdnType::kIpv4;
  bearer.pdn_address.ipv4 = Ipv4Pool::octets(s.ue.ipv4);
  if (a.ipv4v6_requested) bearer.esm_cause = nas::EsmCause::kPdnTypeIpv4OnlyAllowed;
  auto esm = nas::encode_nas(bearer);
  if (!esm) {
    internal_error(s, esm.error());
    return;
  }

  nas::AttachAccept accept;
  // TS 24.301 §5.5.1.3.4.3: a combined attach accepted for EPS services only carries #18.
  accept.eps_attach_result = nas::EpsAttachResult::kEpsOnly;
  if (a.combined_attach) accept.emm_cause = nas::EmmCause::kCsDomainNotAvailable;
  accept.t3412_value = nas::GprsTimer::from_seconds(s.config().t3412_s);
  accept.tai_list = s.cnn.tai_list;
  accept.esm_message_container.value = std::move(*esm);
  accept.guti = nas::EpsMobileIdentity{
      nas::Guti{s.cnn.plmn, s.config().mme_group_id, s.config().mme_code, s.ue.m_tmsi}};
  a.step = AttachStep::kAwaitAttachComplete;
  if (send_procedure_message(s, accept, nas::SecurityHeaderType::kIntegrityProtectedCiphered,
                             TimerKind::kT3450)) {
    ++s.cnn.stats.attach_accepts;
  }
}

void on_attach_complete(Step& s, const nas::AttachComplete&) {
  stop_timer(s);
  const std::optional<UeId> old_ue = s.attach().old_ue;
  s.ue.attach.reset();  // wipes what the attach held
  s.ue.state = EmmState::kRegistered;
  ++s.cnn.registered;
  ++s.cnn.stats.attach_completes;
  emit(s, CnnEventKind::kAttached,
       "registered, M-TMSI " + std::to_string(s.ue.m_tmsi) + ", IPv4 " + dotted(s.ue.ipv4));
  // TS 24.301 §5.5.1.2.7 (f): the UE's context on its earlier link is gone for good.
  if (old_ue && *old_ue != s.id) s.cnn.erase_ue(*old_ue, &s.out);
}

}  // namespace kmebind::cnn::detail::attach
