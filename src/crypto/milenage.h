// MILENAGE, the 3GPP authentication and key generation functions f1, f1*, f2, f3, f4, f5, f5*
// (TS 35.206 §4.1), with OPc derivation (TS 35.206 §4.1: OPc = OP ⊕ E_K(OP)).
// Inputs and outputs are big-endian octet strings exactly as printed in TS 35.208.
// Test data: tests/vectors/milenage.json (TS 35.208 §4.3).
#pragma once

#include "common/bytes.h"
#include "common/secret.h"
#include "crypto/aes.h"

namespace kmebind::crypto {

inline constexpr std::size_t kMilenageKeySize = 16;  // K, OP, OPc
inline constexpr std::size_t kRandSize = 16;
inline constexpr std::size_t kSqnSize = 6;
inline constexpr std::size_t kAmfSize = 2;
inline constexpr std::size_t kMacSize = 8;  // MAC-A, MAC-S
inline constexpr std::size_t kResSize = 8;  // RES/XRES
inline constexpr std::size_t kAkSize = 6;   // AK, AK*

// Every MILENAGE output for one (RAND, SQN, AMF). TS 35.206 §4.1.
struct MilenageOutput {
  Bytes mac_a;     // f1, 8 octets
  Bytes mac_s;     // f1*, 8 octets (resynchronisation)
  Bytes res;       // f2, 8 octets
  SecretBytes ck;  // f3, 16 octets
  SecretBytes ik;  // f4, 16 octets
  Bytes ak;        // f5, 6 octets
  Bytes ak_star;   // f5*, 6 octets (resynchronisation)
};

// OPc = OP ⊕ E_K(OP). TS 35.206 §4.1. REQUIRES k and op of 16 octets, else kInvalidArgument.
Result<SecretBytes> milenage_opc(const SecretBytes& k, const SecretBytes& op);

// f1..f5* in one call. REQUIRES sizes k 16, opc 16, rand 16, sqn 6, amf 2, else
// kInvalidArgument naming the input. Builds a fresh AES context: for many vectors under the
// same K use class Milenage.
Result<MilenageOutput> milenage(const SecretBytes& k, const SecretBytes& opc, ByteView rand,
                                ByteView sqn, ByteView amf);

// MILENAGE for one subscriber (K, OPc), reusing one AES-128-ECB context: one vector costs
// six block encryptions in two cipher calls. Not thread-safe (the context is mutated): use
// one instance per thread. Holds K inside the OpenSSL context and OPc in a SecretBytes.
class Milenage {
 public:
  // REQUIRES k and opc of 16 octets, else kInvalidArgument.
  static Result<Milenage> create(const SecretBytes& k, const SecretBytes& opc);

  // Same result as milenage(k, opc, rand, sqn, amf). REQUIRES rand 16, sqn 6, amf 2.
  Result<MilenageOutput> compute(ByteView rand, ByteView sqn, ByteView amf);

  // f5 alone: AK (6 octets), which the USIM needs first to unmask SQN in AUTN before it can
  // check MAC-A (TS 33.102 §6.3.3; TS 35.206 §4.1: AK = OUT2[0..47]). Two block encryptions
  // (TEMP, OUT2). REQUIRES rand 16.
  Result<Bytes> f5(ByteView rand);
  // f1* alone: MAC-S (8 octets), to check AUTS in resynchronisation (TS 33.102 §6.3.5, where
  // AMF is the dummy 0x0000). REQUIRES rand 16, sqn 6, amf 2.
  Result<Bytes> f1star(ByteView rand, ByteView sqn, ByteView amf);
  // f5* alone: AK* (6 octets), to unmask SQN_MS in AUTS. REQUIRES rand 16.
  Result<Bytes> f5star(ByteView rand);

 private:
  Milenage(AesEcb aes, SecretBytes opc) : aes_(std::move(aes)), opc_(std::move(opc)) {}
  Result<Bytes> anonymity_key(ByteView rand, std::size_t block);
  AesEcb aes_;
  SecretBytes opc_;
};

}  // namespace kmebind::crypto
