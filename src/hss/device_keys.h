// Internal to src/hss: the store's device key algorithms as the crypto layer and the S6a
// messages name them (TS 33.501 Annex C.3.4 profiles; DESIGN.md §4 signature algorithms).
#pragma once

#include <cstdint>
#include <optional>

#include "crypto/ecies.h"
#include "crypto/signature.h"
#include "store/device_profiles.h"

namespace kmebind::hss {

crypto::EciesProfile to_crypto(store::EncProfile profile);
crypto::SignatureAlgorithm to_crypto(store::SigAlgorithm alg);

// KmeProvisioning::ecies_profile: 1 = Profile A, 2 = Profile B.
std::uint8_t to_s6a_profile(store::EncProfile profile);
// KmeConfirm::signature_algorithm: 1 = Ed25519, 2 = ECDSA P-256; nullopt for other values.
std::optional<store::SigAlgorithm> sig_algorithm_from_s6a(std::uint8_t code);

}  // namespace kmebind::hss
