// Internal: the EMM cause an attach is rejected with when an S6a answer carries an error
// (docs/protocol.md §3; TS 29.272 Annex A for the 3GPP results; kmebind's choices documented in
// src/cnn/README.md).
#pragma once

#include "cnn/cnn.h"
#include "nas/ie_emm.h"
#include "s6a/result_code.h"

namespace kmebind::cnn::detail {

struct RejectDecision {
  nas::EmmCause cause = nas::EmmCause::kNetworkFailure;
  CnnEventKind kind = CnnEventKind::kAttachRejected;
  bool with_t3346 = false;
};

// REQUIRES: !rc.ok().
//  DIAMETER_ERROR_USER_UNKNOWN → #8; DIAMETER_ERROR_UNKNOWN_EPS_SUBSCRIPTION → #15;
//  DIAMETER_ERROR_ROAMING_NOT_ALLOWED → #11; DIAMETER_ERROR_RAT_NOT_ALLOWED → #15;
//  DIAMETER_ERROR_EQUIPMENT_UNKNOWN → #6; KME_ERROR_VERSION_CONFLICT and KME_ERROR_COOKIE_EXPIRED
//  → #17 (the UE retries after T3411); every other KME_ERROR_* (vendor 32473) → #6
//  (KME_ERROR_BINDING_VIOLATION as kBindingViolation); DIAMETER_TOO_BUSY (3004) and
//  DIAMETER_UNABLE_TO_DELIVER (3002) → #22 with T3346; anything else → #17 network failure.
RejectDecision reject_for(const s6a::ResultCode& rc);

}  // namespace kmebind::cnn::detail
