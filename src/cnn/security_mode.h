// Internal: NAS security mode control from the MME side (TS 24.301 §5.4.3, TS 33.401 §7.2.4.4):
// the new EPS security context from KASME, Security mode command (header type 3) with the replayed
// UE security capabilities and the IMEISV request, and Security mode complete carrying the IMEISV.
#pragma once

#include "cnn/cnn_state.h"
#include "nas/emm_messages.h"

namespace kmebind::cnn::detail::security_mode {

// Derives KNASenc/KNASint (TS 33.401 A.7) for the algorithms chosen at Attach request, makes the
// NAS security context (both NAS COUNTs 0), wipes the vector (KASME is not needed again), and
// sends Security mode command {algorithms, KSI, replayed capabilities, IMEISV requested} as header
// type 3 with T3460.
void start(Step& s);

// Security mode complete, verified with the new context. It must have come as header type 4 or 2
// (anything else: discarded) and carry an IMEISV of 16 digits: IMEI = the first 14 (TAC ‖ SNR),
// software version = the last 2 (SVN); without it, Attach reject #96. Then the secure exchange
// of NAS messages is established and the attach goes on with the KME-Request (binding
// kKmeRequired) or the ULR.
void on_security_mode_complete(Step& s, const nas::SecurityModeComplete& complete,
                               nas::SecurityHeaderType header);

// TS 24.301 §5.4.3.7: the attach is aborted; nothing is sent.
void on_security_mode_reject(Step& s, const nas::SecurityModeReject& reject);

}  // namespace kmebind::cnn::detail::security_mode
