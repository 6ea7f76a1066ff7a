// Internal: what ends a UE's context from the UE side: UE-originating detach (TS 24.301 §5.5.2.2)
// and EMM status (§5.7).
#pragma once

#include "cnn/cnn_state.h"
#include "nas/emm_messages.h"

namespace kmebind::cnn::detail::detach {

// TS 24.301 §5.5.2.2.2: Detach accept unless the detach type says "switch off"; the context is
// released either way (any running attach is aborted).
void on_detach_request(Step& s, const nas::DetachRequestUeOriginating& request);

// TS 24.301 §5.7: the UE reports a protocol error; kmebind releases the context (kmebind's
// choice: an attach cannot go on, and a registered UE will attach again).
void on_emm_status(Step& s, const nas::EmmStatus& status);

}  // namespace kmebind::cnn::detail::detach
