// AES-256-GCM with associated data (NIST SP 800-38D) through OpenSSL EVP: the one AEAD that
// Cookies and stored keys (K, OPc, KME at rest) are sealed with. DESIGN.md §4.
#pragma once

#include "common/bytes.h"
#include "common/secret.h"

namespace kmebind::crypto {

inline constexpr std::size_t kAeadKeySize = 32;
inline constexpr std::size_t kAeadIvSize = 12;
inline constexpr std::size_t kAeadTagSize = 16;

// Returns IV(12) ‖ ciphertext ‖ tag(16). A fresh random IV is drawn unless `fixed_iv` is given
// (tests only). REQUIRES: key.size() == 32. Fails with kInvalidArgument on a wrong key size.
Result<Bytes> aead_seal(const SecretBytes& key, ByteView plaintext, ByteView aad,
                        ByteView fixed_iv = {});

// Opens IV ‖ ciphertext ‖ tag. Fails with kAuthFailed if the tag, the key or the associated data
// do not match (one flipped bit anywhere is refused) and kMalformed if the input is too short.
Result<SecretBytes> aead_open(const SecretBytes& key, ByteView sealed, ByteView aad);

}  // namespace kmebind::crypto
