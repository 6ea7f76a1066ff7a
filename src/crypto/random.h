// Randomness from OpenSSL's DRBG (RAND_bytes). DESIGN.md §4.
#pragma once

#include "common/bytes.h"
#include "common/secret.h"

namespace kmebind::crypto {

// Fills `out` with random octets; kInternal if the DRBG fails (it should not).
Status random_fill(std::span<std::uint8_t> out);
Result<Bytes> random_bytes(std::size_t n);
Result<SecretBytes> random_secret(std::size_t n);

}  // namespace kmebind::crypto
