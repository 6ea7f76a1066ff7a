// Internal to src/hss: KME material on the AIA (kmebind extension, docs/protocol.md "KME material
// on the AIA"; s6a::KmePrefetch). At the AIR, the HSS answers the KME-Request the CNN would send
// next — for the one IMEI a KME-binding subscription allows — so that the CNN can skip it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "hss/hss_context.h"
#include "s6a/messages.h"
#include "store/subscriber_store.h"

namespace kmebind::hss {

// The material for the subscription's one allowed pair (its IMSI, sole.imei), made by exactly
// the KME-Request's checks and logic (answer_kme_pair) for KmeRequest{imsi, IMEI, procedures} at
// `now` on `link`. `sole` is the subscription's sole pair as the AIR's SubscriberStore::reserve_sqn
// read it. REQUIRES: the subscriber's binding mode is kKmeRequired and `procedures` != 0 (the
// AIR checks both; its reserve_sqn reads the pair only then). Null — the AIA
// then carries nothing, and the CNN sends the KME-Request and gets the refusal there — when the
// subscription allows no IMEI or more than one, or the KME-Request would be refused (pair,
// device keys, procedure, version counter). Reads and stores nothing. `note` gets a short,
// secret-free line on what was attached or why nothing was.
std::shared_ptr<s6a::KmePrefetch> prefetch_kme(const HssContext& ctx, store::SolePair sole,
                                               std::uint8_t procedures, std::int64_t now_unix_s,
                                               const LinkInfo& link, std::string& note);

}  // namespace kmebind::hss
