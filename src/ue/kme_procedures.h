// The device side of the KME procedures (TR 33.868 §5.4.4.2.3.3.1 steps 6-8, §5.4.4.2.3.3.2 steps
// 6-8; DESIGN.md §3-4; docs/nas.md §5): one KME container from a Downlink generic NAS transport
// in, the reply container and an event out. The caller (ue.h) has already checked that the NAS
// message passed the integrity check, and sends the reply in an Uplink generic NAS transport.
//
// KME Provisioning Command:
//   - procedure, ECIES profile unsupported, or a profile other than the device's  → Reject 3
//   - KME version not above the committed one (an old command replayed: the HSS issues
//     stored version + 1), or version 0                                            → Reject 4
//   - ECIES decryption fails (MAC tag, ephemeral key)                              → Reject 1
//   - the plaintext is not a KmePayload (nas/kme_payload.h)                        → Reject 4
//   - the payload's IMEI is not this device's 15-digit IMEI                        → Reject 2
//   - payload procedure or KME version differ from the command's                   → Reject 4
//   Otherwise Rsp = crypto::compute_rsp(KME, Nonce) with the Nonce of the command (procedure 1)
//   or of the payload (procedure 2); procedure 2 adds the signature over
//   kme_transcript(IMSI, 14-digit IMEI, Nonce, KME) with the device's signature key. The KME is
//   stored pending with its version → KME Provisioning Response.
// Device Authentication Request {Nonce, version}: Rsp with the KME of that version, committed or
// pending → Device Authentication Response; none → Device Authentication Reject 1 (no KME).
// A challenge of the committed version while another version is pending drops the pending KME
// (the HSS evidently never stored it).
// A container that does not decode is answered by the reject of its message type (octet 1) with
// cause 4 (provisioning) or 2 (device authentication); other message types, and any container
// when the caller does not allow provisioning, draw no reply (event kDiscarded).
#pragma once

#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "nas/kme_messages.h"
#include "ue/mobile_equipment.h"
#include "ue/ue_events.h"

namespace kmebind::ue {

struct KmeHandling {
  std::optional<nas::KmeMessage> reply;  // container content to send, if any
  UeEvent event;
  // True when the network has shown that it holds the pending KME in this attach: it was just
  // provisioned, or the network challenged its version.
  bool pending_confirmed = false;
};

// `provisioning_allowed`: false outside an attach (a KME Provisioning Command is then discarded;
// its confirm would have no ULR to ride in). Never fails: every outcome is a reply or a discard.
KmeHandling handle_kme_container(ByteView container, std::string_view imsi, MobileEquipment& me,
                                 bool provisioning_allowed);

}  // namespace kmebind::ue
