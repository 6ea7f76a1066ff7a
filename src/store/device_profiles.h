// The device key algorithms a DeviceRecord names: the ECIES profile of its encryption key
// (TS 33.501 Annex C.3.4) and the algorithm of its signature key (DESIGN.md §4). They are the
// crypto layer's enums, so the HSS passes stored values straight to ecies_encrypt / verify.
#pragma once

#include "crypto/ecies.h"
#include "crypto/signature.h"

namespace kmebind::store {

using EncProfile = crypto::EciesProfile;            // kA (X25519) | kB (P-256)
using SigAlgorithm = crypto::SignatureAlgorithm;    // kEd25519 | kEcdsaP256Sha256

}  // namespace kmebind::store
