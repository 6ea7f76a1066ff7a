#include "cnn/s6a_causes.h"

namespace kmebind::cnn::detail {

RejectDecision reject_for(const s6a::ResultCode& rc) {
  using nas::EmmCause;
  if (rc.vendor_id == s6a::kVendorKmebind) {
    // docs/protocol.md §3: every refusal of the IMSI/IMEI pair or of the KME confirm is #6.
    return {EmmCause::kIllegalMe,
            rc == s6a::kErrorBindingViolation ? CnnEventKind::kBindingViolation
                                              : CnnEventKind::kAttachRejected,
            false};
  }
  // TS 29.272 Annex A (mapping of S6a results to NAS causes during attach).
  if (rc == s6a::kErrorUserUnknown) return {EmmCause::kEpsAndNonEpsServicesNotAllowed};
  if (rc == s6a::kErrorUnknownEpsSubscription) return {EmmCause::kNoSuitableCellsInTrackingArea};
  if (rc == s6a::kErrorRoamingNotAllowed) return {EmmCause::kPlmnNotAllowed};
  if (rc == s6a::kErrorRatNotAllowed) return {EmmCause::kNoSuitableCellsInTrackingArea};
  if (rc == s6a::kErrorEquipmentUnknown) return {EmmCause::kIllegalMe};
  // RFC 6733 §7.1.3: DIAMETER_UNABLE_TO_DELIVER (3002), DIAMETER_TOO_BUSY (3004):
  // docs/protocol.md §3 "HSS overloaded / unreachable" → #22 with T3346.
  if (rc == s6a::kTooBusy || (rc.vendor_id == 0 && rc.code == 3002)) {
    return {EmmCause::kCongestion, CnnEventKind::kAttachRejected, true};
  }
  return {EmmCause::kNetworkFailure};
}

}  // namespace kmebind::cnn::detail
