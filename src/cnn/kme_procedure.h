// Internal: the KME procedures from the CNN side (TR 33.868 §5.4.4.2.3.3, docs/protocol.md steps
// 5-6): KME-Request to the HSS, then procedure 1 or 2 provisioning (KME Provisioning Command /
// Response) or a device challenge (Device Authentication Request / Response), all in Generic NAS
// Transport with container type kKme, under NAS security (type 2), with the KME guard timer.
#pragma once

#include "cnn/cnn_state.h"
#include "nas/emm_messages.h"
#include "s6a/messages.h"

namespace kmebind::cnn::detail::kme_procedure {

// Seed step 3: KME-Request {IMSI, IMEI (14 digits), supported procedures} — or, when the AIA
// brought material (AttachProcedure::kme_prefetch) for the IMEI of the IMEISV and it passes the
// checks a KMA's material gets, on_kma's handling of that material with no S6a request
// (docs/protocol.md "KME material on the AIA"). Material for another IMEI, older than
// CnnConfig::kme_prefetch_max_age_ms, or failing those checks, is dropped and the KME-Request
// sent. The material is released either way; counted in
// CnnStats::kme_prefetch_{used,unused,stale,unusable}.
void request(Step& s);

// Seed steps 4-6. An error result rejects the attach: a KME_ERROR_* with #6, or #17 for a version
// conflict or an expired Cookie (s6a_causes.h).
//  - KmeProvisioning, procedure 1: the CNN makes a 16-octet Nonce (seed step 5), keeps
//    XRsp = crypto::compute_rsp(KME, Nonce) and the KME, and sends KME Provisioning Command
//    {procedure 1, profile, ECIES output, Nonce, version};
//  - KmeProvisioning, procedure 2: keeps Cookie and XRsp, wipes any KME the answer carried (the
//    CNN must not hold it), and sends the Command {procedure 2, profile, ECIES output, version};
//  - DeviceChallenge: keeps HXRsp and the token and sends Device Authentication Request
//    {Nonce, version}; a Rsp whose hash is HXRsp goes to the HSS in the ULR's device proof.
// An answer this CNN cannot use (no action, a procedure it does not support, wrong sizes) → #17.
void on_kma(Step& s, s6a::KmeAnswer&& kma);

// Seed steps 8-9. The container must decode as a KME message fitting the step (else discarded):
//  - Provisioning Response: Rsp must match XRsp (crypto::rsp_matches); procedure 2 also needs the
//    signature and its algorithm; then the ULR. Otherwise Attach reject #6.
//  - Device Authentication Response: Rsp must match XRsp; then the ULR. Otherwise #6.
//  - Provisioning Reject / Device Authentication Reject from the UE: #6.
void on_uplink_transport(Step& s, const nas::UplinkGenericNasTransport& transport);

}  // namespace kmebind::cnn::detail::kme_procedure
