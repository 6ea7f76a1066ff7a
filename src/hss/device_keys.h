// Internal to src/hss: the device key algorithms (store/device_profiles.h, i.e. the crypto
// layer's enums) as the S6a KME messages number them (s6a/messages.h).
#pragma once

#include <cstdint>
#include <optional>

#include "store/device_profiles.h"

namespace kmebind::hss {

// KmeProvisioning::ecies_profile: 1 = Profile A (X25519), 2 = Profile B (P-256),
// TS 33.501 Annex C.3.4.
std::uint8_t to_s6a_profile(store::EncProfile profile);
// KmeConfirm::signature_algorithm: 1 = Ed25519, 2 = ECDSA P-256; nullopt for other values.
std::optional<store::SigAlgorithm> sig_algorithm_from_s6a(std::uint8_t code);

}  // namespace kmebind::hss
