#include "cnn/detach.h"

namespace kmebind::cnn::detail::detach {

void on_detach_request(Step& s, const nas::DetachRequestUeOriginating& request) {
  if (!request.detach_type.switch_off && !send_nas(s, nas::DetachAccept{})) return;
  ++s.cnn.stats.detaches;
  abort_ue(s, CnnEventKind::kDetached,
           request.detach_type.switch_off ? "UE-originating detach (switch off)"
                                          : "UE-originating detach");
}

void on_emm_status(Step& s, const nas::EmmStatus& status) {
  const auto cause = static_cast<std::uint8_t>(status.emm_cause);
  abort_ue(s, CnnEventKind::kEmmStatusReceived,
           "EMM status #" + std::to_string(cause) + " (" + nas::to_string(status.emm_cause) + ")",
           cause);
}

}  // namespace kmebind::cnn::detail::detach
