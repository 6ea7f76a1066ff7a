// Internal: the attach procedure from the MME side (TS 24.301 §5.5.1.2, TS 23.401 §5.3.2.1):
// Attach request, Attach accept with the default bearer (T3450), Attach complete, and the
// compact registered context that stays afterwards.
#pragma once

#include "cnn/cnn_state.h"
#include "cnn/uplink.h"
#include "nas/emm_messages.h"

namespace kmebind::cnn::detail::attach {

// An Attach request (the message in `m`) on link `id`:
//  - the same Attach request again while its attach runs → ignored, or Attach accept re-sent
//    after it was sent (TS 24.301 §5.5.1.2.7 d, e);
//  - a new UE while max_ues contexts exist → Attach reject #22 with T3346, no context;
//  - a PDN connectivity request that does not decode or asks for neither IPv4 nor IPv4v6 →
//    Attach reject #19 (ESM failure); no EEA/EIA of the preference lists in the UE network
//    capability → Attach reject #23 (kmebind's choice);
//  - otherwise any earlier context of this link is dropped (every attach is a new one) and the
//    attach starts: an IMSI, or a GUTI of this MME naming a known context, → AIR; any other
//    identity → identification procedure.
void on_attach_request(CnnState& cnn, UeId id, const UplinkMessage& m, std::int64_t now,
                       CnnOutput& out);

// Before the ULR: allocates the GUTI (random M-TMSI) and the IPv4 address the Attach accept will
// carry, so that nothing the CNN itself decides can fail after the HSS has stored a new KME (the
// device commits it only on Attach accept). No address left → Attach reject #19 and false.
bool reserve_guti_and_address(Step& s);

// After the ULA: sends Attach accept {EPS only, T3412, TAI list, GUTI, ESM: Activate default EPS
// bearer context request {EBI 5, the UE's PTI, QCI, APN, PDN address}} as header type 2 with
// T3450. REQUIRES: reserve_guti_and_address succeeded.
void send_attach_accept(Step& s);

// TS 24.301 §5.5.1.2.4: the UE is registered; the attach state (vector, cookies, procedure data)
// is freed, and a context an earlier GUTI named on another link is released.
void on_attach_complete(Step& s, const nas::AttachComplete& complete);

}  // namespace kmebind::cnn::detail::attach
