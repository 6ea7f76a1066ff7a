// Internal: Update Location from the CNN side (TS 29.272 §5.2.1.1; seed steps 10-11):
// ULR with Terminal-Information and the KME-Confirm, and the ULA that ends the network part of
// the attach.
#pragma once

#include "cnn/cnn_state.h"
#include "s6a/messages.h"

namespace kmebind::cnn::detail::update_location {

// ULR {IMSI, Visited-PLMN-Id, Terminal-Information {IMEI (14), SV (2)} always, KME-Confirm after a
// provisioning: procedure 1 {KME, Cookie, version}, procedure 2 {Cookie, signature algorithm,
// signature, version}}. The KME is moved into the ULR, so the UE context holds it no longer. The
// GUTI and address of the Attach accept are reserved first (attach::reserve_guti_and_address).
void request(Step& s);

// ULA. Success → Attach accept (attach.h), after the events kKmeProvisioned (when a provisioning
// ran; the ULA must then report kme_version_stored equal to the issued version, else #17) and
// kDeviceAuthenticated (after a matched challenge). An error result rejects the attach per
// s6a_causes.h (KME_ERROR_BINDING_VIOLATION → #6 with kBindingViolation).
void on_ula(Step& s, s6a::UpdateLocationAnswer&& ula);

}  // namespace kmebind::cnn::detail::update_location
