// Internal: the identification procedure (TS 24.301 §5.4.4), run when an Attach request names a
// GUTI the CNN does not know: Identity request (IMSI) with T3470, Identity response → AIR.
#pragma once

#include "cnn/cnn_state.h"
#include "nas/emm_messages.h"

namespace kmebind::cnn::detail::identity {

// Sends Identity request (identity type IMSI) and starts T3470 (TS 24.301 §5.4.4.2).
void start(Step& s);

// TS 24.301 §5.4.4.4. An IMSI of 6..15 digits → authentication (AIR); any other identity →
// Attach reject #96 (invalid mandatory information; kmebind's choice).
void on_identity_response(Step& s, const nas::IdentityResponse& response);

}  // namespace kmebind::cnn::detail::identity
