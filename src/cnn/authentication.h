// Internal: EPS-AKA from the MME side (TS 33.401 §6.1, TS 24.301 §5.4.2): AIR/AIA
// (TS 29.272 §5.2.3.1), Authentication request with T3460, the response check, and
// re-synchronisation on Authentication failure #21 (TS 33.102 §6.3.5).
#pragma once

#include <optional>

#include "cnn/cnn_state.h"
#include "nas/emm_messages.h"
#include "s6a/messages.h"

namespace kmebind::cnn::detail::authentication {

// Sends AIR {IMSI, Visited-PLMN-Id, 1 vector, resync} and waits for the AIA.
void request_vectors(Step& s, std::optional<s6a::ResyncInfo> resync);

// AIA: an error result rejects the attach (s6a_causes.h); a vector of the wrong shape rejects with
// #17; otherwise the vector and the binding requirement are kept and Authentication request
// {KSI, RAND, AUTN} is sent with T3460.
void on_aia(Step& s, s6a::AuthenticationInformationAnswer&& aia);

// RES == XRES (constant time) → security mode control; otherwise Authentication reject.
void on_authentication_response(Step& s, const nas::AuthenticationResponse& response);

// TS 24.301 §5.4.2.6: #21 with AUTS, first time in this attach → AIR with Re-Synchronization-Info
// {RAND, AUTS}; a second #21, #21 without AUTS, #20, #26 or any other cause → Authentication
// reject (kmebind does not run the identification procedure the spec allows after #20/#26).
void on_authentication_failure(Step& s, const nas::AuthenticationFailure& failure);

}  // namespace kmebind::cnn::detail::authentication
