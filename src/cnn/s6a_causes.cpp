#include "cnn/s6a_causes.h"

namespace kmebind::cnn::detail {

RejectDecision reject_for(const s6a::ResultCode& rc) {
  using nas::EmmCause;
  // docs/protocol.md §3: a confirm that lost a race with another provisioning of the pair, or
  // whose Cookie expired on the way, says nothing against the device: #17, after which the UE
  // attaches again when T3411 expires (TS 24.301 §5.5.1.2.6 d). #6 would leave its USIM invalid
  // for EPS until it is switched off (§5.5.1.2.5), and the pair's next attach provisions anyway.
  if (rc == s6a::kErrorKmeVersionConflict || rc == s6a::kErrorCookieExpired) {
    return {EmmCause::kNetworkFailure};
  }
  if (rc.vendor_id == s6a::kVendorKmebind) {
    // docs/protocol.md §3: every other refusal of the IMSI/IMEI pair or of the KME confirm is #6.
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
