// NAS security for EMM messages (TS 24.301 §4.4, §9.1, §9.3; TS 33.401 §8, Annex B).
//
// A security-protected NAS message is
//   octet 1: security header type (bits 8-5) | protocol discriminator 7 (bits 4-1)
//   octets 2-5: message authentication code (MAC)
//   octet 6: sequence number (the 8 least significant bits of NAS COUNT)
//   octets 7..: the plain NAS message, ciphered for header types 2 and 4
// The MAC is 128-EIA2 (or EIA0: 32 zero bits) over octets 6.. (sequence number ‖ the possibly
// ciphered message), with COUNT = NAS COUNT, BEARER = 0, DIRECTION = 0 uplink / 1 downlink.
// Ciphering (128-EEA2 or EEA0) covers octets 7.. only (TS 24.301 §4.4.5).
//
// NAS COUNT (TS 24.301 §4.4.3.1) is 24 bits: NAS overflow counter (16) ‖ NAS SQN (8), used as a
// 32-bit COUNT input with the top 8 bits zero. Each direction has its own COUNT.
//
// Receive rule (replay protection, TS 24.301 §4.4.3.2 / TS 33.401 §8.1): the context keeps,
// per direction, the next COUNT it expects (one more than the last COUNT it accepted). For a
// received SQN it estimates COUNT as the smallest value >= the expected one whose low 8 bits
// equal SQN (same overflow value if SQN >= expected SQN, otherwise overflow + 1). So every
// accepted COUNT is strictly greater than all earlier ones: a COUNT is never accepted twice,
// and a replayed or reordered message yields a wrong COUNT and fails the MAC check. When that
// MAC check fails, the context also tries the previous overflow value, only to name the
// failure "replayed" in the error (it never accepts on that path).
//
// Failures change no state: a message that fails leaves both COUNTs as they were.
// Not thread-safe: one context belongs to one UE's NAS connection.
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "common/error.h"
#include "common/secret.h"
#include "nas/ie_security.h"
#include "nas/nas_header.h"

namespace kmebind::nas {

// TS 24.301 §4.4.3.1 NAS COUNT.
struct NasCount {
  std::uint16_t overflow = 0;
  std::uint8_t sqn = 0;

  std::uint32_t value() const { return (std::uint32_t{overflow} << 8) | sqn; }
  static NasCount from_value(std::uint32_t v) {
    return {static_cast<std::uint16_t>(v >> 8), static_cast<std::uint8_t>(v & 0xff)};
  }
  bool operator==(const NasCount&) const = default;
};

inline constexpr std::uint32_t kNasCountLimit = 1u << 24;  // NAS COUNT is 24 bits
inline constexpr std::uint8_t kNasBearer = 0;              // TS 33.401 §8.1.1: BEARER for NAS
inline constexpr std::size_t kSecurityHeaderSize = 6;      // octet 1, MAC (4), SQN (1)

struct Unprotected {
  Bytes plain;                      // the plain NAS message (octets 7.., deciphered)
  SecurityHeaderType header_type = SecurityHeaderType::kPlain;
  NasCount count;                   // the NAS COUNT the message was accepted with
};

class NasSecurityContext {
 public:
  // Takes the 128-bit KNASint and KNASenc (the 16 least significant octets of the TS 33.401
  // A.7 KDF output). Fails with kInvalidArgument on a key that is not 16 octets or an
  // algorithm other than EIA0/EIA2, EEA0/EEA2. Both NAS COUNTs start at 0 (a new context,
  // TS 24.301 §4.4.3.1) unless given.
  static Result<NasSecurityContext> create(NasSecurityAlgorithms algorithms, SecretBytes k_nas_int,
                                           SecretBytes k_nas_enc, NasCount uplink = {}, NasCount downlink = {});

  // Wraps a plain NAS message travelling in `direction` with the next COUNT of that direction,
  // then advances that COUNT. `header_type` is 1-4; type 1 and 3 are integrity protected only,
  // 2 and 4 also ciphered. Fails (and changes nothing) with kInvalidArgument on a header type 0
  // or 12, a `plain_pdu` that is not a plain EMM message, or kNotAllowed when the COUNT would
  // pass 2^24 - 1 (a new EPS security context is needed).
  Result<Bytes> protect(ByteView plain_pdu, SecurityHeaderType header_type, Direction direction);

  // Checks and unwraps a security-protected NAS message received in `direction` (see the rule
  // above), then advances that direction's COUNT past the one accepted. Fails with kMalformed on
  // a PDU that is not a security-protected EMM message of header type 1-4 or too short, and
  // with kAuthFailed on a MAC mismatch (modified, replayed or out-of-order message); nothing
  // changes on failure.
  Result<Unprotected> unprotect(ByteView pdu, Direction direction);

  // The next COUNT this context will use (send) or expect (receive) in `direction`.
  NasCount next_count(Direction direction) const;
  const NasSecurityAlgorithms& algorithms() const { return algorithms_; }

 private:
  NasSecurityContext(NasSecurityAlgorithms algorithms, SecretBytes k_nas_int, SecretBytes k_nas_enc,
                     std::uint32_t uplink, std::uint32_t downlink)
      : algorithms_(algorithms), k_nas_int_(std::move(k_nas_int)), k_nas_enc_(std::move(k_nas_enc)),
        next_{uplink, downlink} {}

  Result<std::array<std::uint8_t, 4>> mac(std::uint32_t count, Direction direction, ByteView sqn_and_message) const;
  Result<Bytes> cipher(std::uint32_t count, Direction direction, ByteView message) const;

  NasSecurityAlgorithms algorithms_;
  SecretBytes k_nas_int_;
  SecretBytes k_nas_enc_;
  std::uint32_t next_[2];  // indexed by Direction
};

}  // namespace kmebind::nas
