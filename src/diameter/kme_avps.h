// Internal to src/diameter: the grouped AVPs of kmebind's KME extension (docs/diameter.md §3):
// KME-Confirm and KME-Device-Proof (in the ULR), KME-Provisioning and KME-Device-Challenge (in the
// KME-Answer and, inside KME-Prefetch, in the AIA).
#pragma once

#include <variant>

#include "diameter/avp_io.h"
#include "s6a/messages.h"

namespace kmebind::diameter::detail {

// KME-Confirm ::= { KME-Procedure } { KME-Version } [ KME ] [ KME-Cookie ]
//                 [ KME-Signature-Algorithm ] [ KME-Signature ]
// Procedure 1 carries KME and the KMA's Cookie; procedure 2 Cookie, Signature-Algorithm and
// Signature.
Status add_kme_confirm(void* parent, const S6aDictionary& d, const s6a::KmeConfirm& confirm);
// The AVPs the procedure needs are mandatory; those of the other procedure are ignored.
Decoded<s6a::KmeConfirm> read_kme_confirm(const AvpReader& group, const S6aDictionary& d);

// KME-Provisioning ::= { KME-Procedure } { KME-ECIES-Profile } { KME-Version }
//                      { KME-Encrypted-Payload } [ KME ] [ KME-Cookie ] [ KME-XRsp ]
Status add_kme_provisioning(void* parent, const S6aDictionary& d, const s6a::KmeProvisioning& p);
Decoded<s6a::KmeProvisioning> read_kme_provisioning(const AvpReader& group, const S6aDictionary& d);

// KME-Device-Challenge ::= { KME-Version } { KME-Nonce } { KME-HXRsp } { KME-Challenge-Token }
Status add_kme_device_challenge(void* parent, const S6aDictionary& d, const s6a::DeviceChallenge& c);
Decoded<s6a::DeviceChallenge> read_kme_device_challenge(const AvpReader& group,
                                                        const S6aDictionary& d);

// What a KME-Answer carries besides its result: [ KME-Provisioning ] [ KME-Device-Challenge ], at
// most one of the two. read_kme_action: both present is INVALID_AVP_VALUE; neither is monostate.
using KmeAction = std::variant<std::monostate, s6a::KmeProvisioning, s6a::DeviceChallenge>;
Status add_kme_action(void* parent, const S6aDictionary& d, const KmeAction& action);
Decoded<KmeAction> read_kme_action(const AvpReader& r, const S6aDictionary& d);

// KME-Prefetch ::= { Terminal-Information } [ KME-Provisioning ] [ KME-Device-Challenge ]
// (in the AIA; exactly one of the last two: neither is MISSING_AVP KME-Provisioning).
Status add_kme_prefetch(void* parent, const S6aDictionary& d, const s6a::KmePrefetch& p);
Decoded<s6a::KmePrefetch> read_kme_prefetch(const AvpReader& group, const S6aDictionary& d);

// KME-Device-Proof ::= { KME-Version } { KME-Challenge-Token } { KME-Rsp }
Status add_kme_device_proof(void* parent, const S6aDictionary& d, const s6a::DeviceProof& p);
Decoded<s6a::DeviceProof> read_kme_device_proof(const AvpReader& group, const S6aDictionary& d);

}  // namespace kmebind::diameter::detail
