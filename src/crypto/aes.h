// AES block and CTR primitives (FIPS 197, NIST SP 800-38A) through OpenSSL EVP, shared by
// Milenage (TS 35.206), 128-EEA2/128-EIA2 (TS 33.401 B.1.3/B.2.3) and ECIES (TS 33.501 C.3).
#pragma once

#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "common/secret.h"
#include "crypto/openssl_util.h"

namespace kmebind::crypto {

inline constexpr std::size_t kAesBlockSize = 16;

// AES-ECB encryption under one key with one reused EVP context, so each further block costs
// one cipher call and no allocation. Not thread-safe: one instance per thread. Move-only.
class AesEcb {
 public:
  // key: 16 (AES-128) or 32 (AES-256) octets, else kInvalidArgument.
  static Result<AesEcb> create(ByteView key);

  // Encrypts whole blocks from `in` into `out` (may be the same memory).
  // REQUIRES: in.size() == out.size() and a multiple of 16 (else kInvalidArgument).
  Status encrypt(ByteView in, std::span<std::uint8_t> out);

 private:
  explicit AesEcb(detail::CipherCtxPtr ctx) : ctx_(std::move(ctx)) {}
  detail::CipherCtxPtr ctx_;
};

// AES-CTR with the given 16-octet initial counter block, incremented as one 128-bit big-endian
// integer per block (SP 800-38A B.1 standard increment). key: 16 or 32 octets.
// Output has data.size() octets.
Result<Bytes> aes_ctr(ByteView key, ByteView icb, ByteView data);

}  // namespace kmebind::crypto
