// Guard against received AVPs that freeDiameter 1.2.1 itself cannot survive (docs/diameter.md
// "Malformed messages from an admitted peer"). freeDiameter reads some AVPs of every received
// message before any callback of ours runs, and three malformed forms stop the daemon:
//   - a Session-Id AVP (RFC 6733 §8.8, code 263) with the V bit set and Vendor-Id 0:
//     fd_msg_sess_get asserts (SIGABRT) as soon as the message is dispatched or answered;
//   - a Session-Id whose value holds a NUL octet: fd_msg_sess_get fails on dispatch, and the
//     dispatch thread ends and shuts the whole core down;
//   - a Proxy-Info AVP (RFC 6733 §6.7.2, code 284) whose content does not parse: every answer
//     made from the request fails, and when freeDiameter's routing thread makes that answer
//     (e.g. no Destination-Realm) the thread ends and the whole core shuts down.
// The guard is a HOOK_MESSAGE_RECEIVED callback: it runs on the peer's thread right after the
// message was split into AVPs, before routing, dispatch or answer code reads them. It removes
// such AVPs from the message, counts them per kind (ReceiveGuardStats, for the metrics) and logs
// the removal with the message and the peer, never a value, at most 10 lines per kind and peer
// per 10 s (common/log_limiter.h: a peer sending such messages at line rate must not fill the
// disk). The message then goes on without them; a request left without a Session-Id is refused
// by the S6a server (DIAMETER_MISSING_AVP).
#pragma once

#include <cstdint>

#include "common/error.h"

struct msg;
struct dictionary;

namespace kmebind::diameter {

// AVPs the receive guard removed since the process started, per kind (docs/daemons.md metrics
// kmebind_diameter_received_avps_removed_total{reason}).
struct ReceiveGuardStats {
  std::uint64_t session_id_v_bit = 0;  // Session-Id with the V bit and Vendor-Id 0
  std::uint64_t session_id_nul = 0;    // Session-Id whose value holds a NUL octet
  std::uint64_t proxy_info = 0;        // Proxy-Info whose content does not parse
};

}  // namespace kmebind::diameter

namespace kmebind::diameter::detail {

// Registers the hook. REQUIRES: freeDiameter initialised, its dictionary holding the base
// protocol; called once per process (the core is one per process).
Status install_receive_guard();

// What the guard removed from `m` (a received message, top-level AVPs only), also added to the
// process totals; for the hook and tests. Removes nothing from a well-formed message.
struct GuardResult {
  unsigned session_ids = 0;           // Session-Id AVPs with the V bit and Vendor-Id 0
  unsigned session_ids_with_nul = 0;  // Session-Id AVPs whose value holds a NUL octet
  unsigned proxy_infos = 0;           // Proxy-Info AVPs whose content does not parse
};
GuardResult guard_received(struct msg* m);

// fd_msg_parse_dict on a received message or AVP (0 when it parses). On a failure freeDiameter may
// make a new AVP for the answer's Failed-AVP (fd_pei::pei_avp with pei_avp_free set) that the
// caller must free; this frees it, for callers that only want the verdict.
int parse_dict(void* msg_or_avp, struct dictionary* dict);

// Gives every AVP of the request `m` whose value is empty and was not parsed a 4-octet length,
// so that freeDiameter's Failed-AVP copy of it holds 4 zero octets and can be sent (the hook on
// HOOK_MESSAGE_PARSING_ERROR); returns how many. Changes nothing in an answer.
unsigned widen_empty_unparsed_avps(struct msg* m);

// The process totals of guard_received (relaxed atomic reads; any thread).
ReceiveGuardStats receive_guard_totals();

}  // namespace kmebind::diameter::detail
