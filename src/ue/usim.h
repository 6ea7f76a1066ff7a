// The USIM side of EPS AKA (TS 33.102 §6.3.3, TS 33.401 §6.1): checks AUTN, keeps SQN freshness
// (sqn_array.h) and returns RES, CK, IK and KASME, or the failure the ME reports to the network.
//
// authenticate(RAND, AUTN, SN id), in this order:
//   1. AK = f5(RAND); SQN = (SQN ⊕ AK) ⊕ AK; XMAC = f1(SQN, RAND, AMF); XMAC ≠ MAC → MacFailure
//      (TS 33.102 §6.3.3; the ME sends EMM cause #20).
//   2. AMF separation bit (bit 0, the most significant bit of AMF) = 0 → NonEpsUnacceptable
//      (TS 33.401 §6.1.1; the ME sends EMM cause #26). Checked after the MAC, so an unauthenticated
//      AUTN never draws anything but #20, and before SQN, so a refused vector consumes no SQN.
//   3. SQN not fresh (sqn_array.h) → SynchFailure with AUTS = (SQN_MS ⊕ AK*) ‖ MAC-S,
//      AK* = f5*(RAND), MAC-S = f1*(SQN_MS, RAND, AMF* = 0x0000) (TS 33.102 §6.3.3, §6.3.5;
//      the ME sends EMM cause #21 with AUTS).
//   4. Otherwise SQN is accepted and Success carries RES = f2 (8 octets), CK = f3, IK = f4 and
//      KASME = KDF(CK ‖ IK, SN id, SQN ⊕ AK) with SQN ⊕ AK as received in AUTN (TS 33.401 A.2).
// Only Success changes the USIM's state.
//
// Not thread-safe (one USIM, one caller). Move-only: it holds K (in the MILENAGE AES context) and
// OPc; neither is ever returned.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <variant>

#include "common/bytes.h"
#include "common/error.h"
#include "common/secret.h"
#include "crypto/milenage.h"
#include "ue/sqn_array.h"

namespace kmebind::ue {

inline constexpr std::size_t kAutnSize = 16;  // SQN ⊕ AK (6) ‖ AMF (2) ‖ MAC (8), TS 33.102 §6.3.2
inline constexpr std::size_t kAutsSize = 14;  // SQN_MS ⊕ AK* (6) ‖ MAC-S (8), TS 33.102 §6.3.3

// TS 33.102 §6.3.3 / TS 33.401 A.2: the successful outcome.
struct AkaSuccess {
  Bytes res;          // 8 octets (f2)
  SecretBytes ck;     // 16
  SecretBytes ik;     // 16
  SecretBytes kasme;  // 32
};
// TS 33.102 §6.3.3: SQN out of range; AUTS for the network's re-synchronisation.
struct AkaSynchFailure {
  std::array<std::uint8_t, kAutsSize> auts{};
};
// TS 33.102 §6.3.3: MAC in AUTN wrong.
struct AkaMacFailure {};
// TS 33.401 §6.1.1: AMF separation bit 0 — a UMTS/GSM vector, not acceptable for EPS.
struct AkaNonEpsUnacceptable {};

using AkaResult = std::variant<AkaSuccess, AkaSynchFailure, AkaMacFailure, AkaNonEpsUnacceptable>;

class Usim {
 public:
  // REQUIRES: imsi of 6..15 digits, k and opc of 16 octets; else kInvalidArgument.
  static Result<Usim> create(std::string imsi, const SecretBytes& k, const SecretBytes& opc,
                             SqnArray sqn = SqnArray{});

  // See the header comment. Fails (changing nothing) with kInvalidArgument when rand is not 16,
  // autn not 16 or sn_id not 3 octets, and kInternal if a MILENAGE/KDF call fails.
  Result<AkaResult> authenticate(ByteView rand, ByteView autn, ByteView sn_id);

  const std::string& imsi() const { return imsi_; }
  // The SQN store, e.g. to persist it across runs.
  const SqnArray& sqn_array() const { return sqn_; }

 private:
  Usim(std::string imsi, crypto::Milenage milenage, SqnArray sqn)
      : imsi_(std::move(imsi)), milenage_(std::move(milenage)), sqn_(sqn) {}

  Result<AkaSynchFailure> make_auts(ByteView rand);

  std::string imsi_;
  crypto::Milenage milenage_;
  SqnArray sqn_;
};

}  // namespace kmebind::ue
