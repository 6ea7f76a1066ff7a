// HSS policy knobs the protocol core reads. Plain values: the role's YAML loader fills them in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"

namespace kmebind::hss {

// TS 33.102 Annex C.3.2 with C.1.1: SQN = SEQ ‖ IND, IND of 5 bits. The HSS issues the next SEQ
// for every vector, i.e. SQN + 2^5 = SQN + 32, and always uses IND = 0 for its vectors.
inline constexpr std::uint32_t kIndBits = 5;
inline constexpr std::uint64_t kDefaultSqnStep = std::uint64_t{1} << kIndBits;

struct HssConfig {
  // How long a procedure-2 Cookie is accepted after it is issued (DESIGN.md §4).
  std::int64_t cookie_lifetime_s = 300;
  // How long a device challenge's token is accepted in a ULR's KME-Device-Proof after it is
  // issued (docs/security.md §3.21): a challenge is one NAS round trip (at most 5 × T3460-like
  // guard expiries, 30 s), so a short window limits the replay of a seen token and Rsp.
  std::int64_t challenge_lifetime_s = 60;
  // SQN increment per authentication vector (TS 33.102 Annex C.3.2): 2^IND-bits. 1 means no IND.
  std::uint64_t sqn_step = kDefaultSqnStep;
  // Vectors one AIR may ask for; larger requests are answered with this many (TS 29.272
  // §5.2.3.1.3 lets the HSS return fewer than requested).
  std::uint32_t max_vectors_per_air = 5;
  // MSISDN sent in the ULA (TS 29.272 §7.3.2 Subscription-Data); none when absent.
  std::optional<std::string> msisdn;
  // Procedure 1 (TR 33.868 §5.4.4.2.3.3.1) puts KME on the S6a link. It is offered and its
  // confirm accepted only when this is true AND the call's link is confidential (LinkInfo).
  bool allow_procedure1 = false;
  // KME material on the AIA (docs/protocol.md): an AIR that asks for it (kme_prefetch_procedures)
  // gets what the KME-Request for the one IMEI a KME-binding subscription allows would be
  // answered with, saving the CNN that round trip. False: the AIA never carries any.
  bool kme_prefetch = true;

  // kInvalidArgument naming the first bad field: a lifetime <= 0, sqn_step not a power of two
  // in [1, 2^16], max_vectors_per_air outside [1, 32], MSISDN not 1-15 digits.
  Status validate() const;
};

// What the transport knows about the S6a link a request came on. Passed per call.
struct LinkInfo {
  // True when the Diameter peer link is encrypted and mutually authenticated (TLS or IPsec).
  bool confidential = false;
};

}  // namespace kmebind::hss
