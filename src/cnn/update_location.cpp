#include "cnn/update_location.h"

#include "cnn/attach.h"
#include "cnn/s6a_causes.h"

namespace kmebind::cnn::detail::update_location {
namespace {

void emit_kme_event(Step& s, CnnEventKind kind, std::uint8_t procedure, std::uint32_t version,
                    std::string detail) {
  CnnEvent e;
  e.ue = s.id;
  e.kind = kind;
  e.kme_procedure = procedure;
  e.kme_version = version;
  e.detail = std::move(detail);
  s.out.events.push_back(std::move(e));
}

}  // namespace

void request(Step& s) {
  if (!attach::reserve_guti_and_address(s)) return;
  AttachProcedure& a = s.attach();
  s6a::UpdateLocationRequest ulr;
  ulr.imsi = s.ue.imsi;
  ulr.visited_plmn_id = s.cnn.visited_plmn_id;
  ulr.terminal = s6a::TerminalInformation{a.imei, a.software_version};
  if (auto* p = std::get_if<KmeProvisioningState>(&a.kme)) {
    s6a::KmeConfirm confirm;
    confirm.procedure = p->procedure;
    confirm.kme_version = p->kme_version;
    if (p->procedure == s6a::KmeProcedure::kSharedWithCnn) {
      confirm.kme = std::move(p->kme);  // seed §…3.3.1 step 10; the context's copy is gone
      // kmebind: the KMA's procedure-1 Cookie, so that the HSS can tell it issued this KME
      // (docs/protocol.md §2 "Racing provisionings").
      confirm.cookie = std::move(p->cookie);
    } else {
      confirm.cookie = std::move(p->cookie);  // seed §…3.3.2 step 10
      confirm.signature_algorithm = p->signature_algorithm;
      confirm.signature = std::move(p->signature);
    }
    p->kme.wipe();
    p->xrsp.clear();
    ulr.kme_confirm = std::move(confirm);
  } else if (auto* c = std::get_if<DeviceChallengeState>(&a.kme); c && a.device_challenge_passed) {
    // docs/security.md §3.21: the HSS checks the device's Rsp itself.
    ulr.device_proof =
        s6a::DeviceProof{c->kme_version, std::move(c->challenge_token), std::move(c->rsp)};
  }
  send_s6a(s, std::move(ulr), AttachStep::kAwaitUla);
}

void on_ula(Step& s, s6a::UpdateLocationAnswer&& ula) {
  if (!ula.result.ok()) {
    const RejectDecision d = reject_for(ula.result);
    if (d.kind == CnnEventKind::kBindingViolation) ++s.cnn.stats.binding_violations;
    reject_attach(s, d.cause, d.kind, "ULA: " + std::string(s6a::describe(ula.result)),
                  d.with_t3346);
    return;
  }
  AttachProcedure& a = s.attach();
  if (const auto* p = std::get_if<KmeProvisioningState>(&a.kme)) {
    if (!ula.kme_version_stored || *ula.kme_version_stored != p->kme_version) {
      reject_attach(s, nas::EmmCause::kNetworkFailure, CnnEventKind::kS6aError,
                    "ULA does not confirm KME version " + std::to_string(p->kme_version));
      return;
    }
    ++s.cnn.stats.kme_provisioned;
    emit_kme_event(s, CnnEventKind::kKmeProvisioned, static_cast<std::uint8_t>(p->procedure),
                   p->kme_version,
                   "KME version " + std::to_string(p->kme_version) + " stored (procedure " +
                       std::to_string(static_cast<unsigned>(p->procedure)) + ")");
  }
  if (const auto* c = std::get_if<DeviceChallengeState>(&a.kme); c && a.device_challenge_passed) {
    ++s.cnn.stats.devices_authenticated;
    emit_kme_event(s, CnnEventKind::kDeviceAuthenticated, 0, c->kme_version,
                   "device answered the challenge for KME version " +
                       std::to_string(c->kme_version));
  }
  attach::send_attach_accept(s);
}

}  // namespace kmebind::cnn::detail::update_location
