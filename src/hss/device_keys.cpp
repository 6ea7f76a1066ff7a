#include "hss/device_keys.h"

namespace kmebind::hss {

crypto::EciesProfile to_crypto(store::EncProfile profile) {
  return profile == store::EncProfile::kB ? crypto::EciesProfile::kB : crypto::EciesProfile::kA;
}

crypto::SignatureAlgorithm to_crypto(store::SigAlgorithm alg) {
  return alg == store::SigAlgorithm::kEcdsaP256Sha256 ? crypto::SignatureAlgorithm::kEcdsaP256Sha256
                                                      : crypto::SignatureAlgorithm::kEd25519;
}

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
