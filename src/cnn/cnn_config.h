// What the CNN core is configured with. Plain values: the role's YAML loader fills them in, and
// Cnn's constructor takes them once. Timer defaults are those of TS 24.301 §10.2 (Table 10.2.2).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "nas/ie_security.h"

namespace kmebind::cnn {

// Fills the span with unpredictable octets (the core's only source of randomness: M-TMSI and
// the procedure-1 Nonce). Returns an error if it cannot; the core then aborts the UE it served.
using RandomSource = std::function<Status(std::span<std::uint8_t>)>;

struct CnnConfig {
  // Serving PLMN, "MCC-MNC" (e.g. "001-01"): Visited-PLMN-Id of AIR/ULR (TS 29.272 §7.3.9),
  // PLMN of the TAI list and GUTI.
  std::string plmn = "001-01";
  // GUTI = PLMN ‖ MME group id ‖ MME code ‖ M-TMSI (TS 23.003 §2.8).
  std::uint16_t mme_group_id = 0x8001;
  std::uint8_t mme_code = 0x01;
  // Tracking area codes served: the TAI list of Attach accept (1..16 TACs).
  std::vector<std::uint16_t> tacs = {1};

  // NAS algorithm preference, first supported by the UE wins (TS 33.401 §7.2.4.3). Only EEA0/EEA2
  // and EIA0/EIA2 are implemented; EEA0 and EIA0 are accepted in these lists only when
  // allow_null_algorithms is true (TS 33.401 §5.1.3.1, §5.1.4.1: EIA0 for unauthenticated
  // emergency calls only; kmebind allows it as a configured test mode).
  std::vector<nas::CipheringAlgorithm> ciphering_preference = {nas::CipheringAlgorithm::kEea2};
  std::vector<nas::IntegrityAlgorithm> integrity_preference = {nas::IntegrityAlgorithm::kEia2};
  bool allow_null_algorithms = false;

  // TS 24.301 §10.2 Table 10.2.2: T3450 (Attach accept), T3460 (Authentication request, Security
  // mode command), T3470 (Identity request), each 6 s; the message is retransmitted on each of the
  // first `max_retransmissions` expiries and the procedure aborted on the next one (the 5th).
  std::int64_t t3450_ms = 6000;
  std::int64_t t3460_ms = 6000;
  std::int64_t t3470_ms = 6000;
  // Guard timer of the KME procedures (KME Provisioning Command, Device Authentication Request).
  // No 3GPP timer exists for them; kmebind uses T3460's value and retransmission rule.
  std::int64_t kme_guard_ms = 6000;
  std::uint8_t max_retransmissions = 4;
  // How long the core waits for an S6a answer before it rejects the attach (#22 with T3346).
  std::int64_t s6a_answer_timeout_ms = 5000;

  // KME procedures this CNN can run (KME-Request supported_procedures): bit 0 procedure 1
  // (TR 33.868 §5.4.4.2.3.3.1), bit 1 procedure 2 (§5.4.4.2.3.3.2).
  std::uint8_t supported_kme_procedures = 0x03;
  // KME material on the AIA (docs/protocol.md "KME material on the AIA"): every AIR asks for it
  // (kme_prefetch_procedures = supported_kme_procedures), and the material is used instead of a
  // KME-Request when the IMEISV carries its IMEI. false: the AIR asks for none (0) and material
  // on an AIA is ignored, so every KME binding costs a KME-Request.
  bool kme_prefetch = true;
  // Material older than this at Security mode complete is dropped for a KME-Request. Its Cookie
  // or challenge token was issued at the AIR, and the HSS's lifetimes (hss.challenge_lifetime_s,
  // 60 s by default) were sized for the KME procedure's NAS round trip alone; authentication and
  // security mode take far less than this unless messages were lost and retransmitted.
  std::int64_t kme_prefetch_max_age_ms = 10'000;

  // Default bearer of the attach (TS 24.301 §6.4.1): APN, QCI 9, an IPv4 address from this pool
  // ("a.b.c.d/len", len 8..30; the network and broadcast addresses are never handed out).
  std::string apn = "internet";
  std::string ipv4_pool = "10.45.0.0/16";
  std::uint8_t default_qci = 9;

  // Periodic TAU timer T3412 sent in Attach accept (TS 24.301 §10.2 Table 10.2.1: 54 min default).
  std::uint32_t t3412_s = 54 * 60;
  // Overload: when max_ues contexts exist, a new UE's Attach request is rejected with #22
  // (congestion) and T3346 = t3346_s (TS 24.301 §5.5.1.2.5). T3346 is also sent when the HSS is
  // busy or does not answer.
  std::size_t max_ues = 1'000'000;
  std::uint32_t t3346_s = 60;
  // NAS level congestion control (TS 23.401 §4.3.7.4.2.4): at most this many contexts that are
  // not registered (attach procedures running) at a time; a new UE's Attach request beyond it is
  // rejected at once with #22 and T3346, before any S6a request, so that an attach storm is shed
  // by back-off rather than by T3410 expiries of attaches queued too long.
  std::size_t max_attaching = 1024;

  // Randomness; empty = OpenSSL's DRBG (crypto::random_fill). Tests inject a seeded source.
  RandomSource random;

  // kInvalidArgument naming the first bad field: PLMN syntax, no or more than 16 TACs,
  // duplicate TACs, empty preference lists, an algorithm other than EEA0/EEA2/EIA0/EIA2, EEA0/EIA0
  // without allow_null_algorithms, a timer <= 0, max_retransmissions > 10, no KME procedure bit
  // or bits beyond 0x03, APN not encodable, a bad pool, max_ues = 0,
  // max_attaching = 0.
  Status validate() const;
};

}  // namespace kmebind::cnn
