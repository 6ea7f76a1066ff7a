#include "hss/device_keys.h"

namespace kmebind::hss {

std::uint8_t to_s6a_profile(store::EncProfile profile) {
  return profile == store::EncProfile::kB ? 2 : 1;
}

std::optional<store::SigAlgorithm> sig_algorithm_from_s6a(std::uint8_t code) {
  switch (code) {
    case 1: return store::SigAlgorithm::kEd25519;
    case 2: return store::SigAlgorithm::kEcdsaP256Sha256;
    default: return std::nullopt;
  }
}

}  // namespace kmebind::hss
