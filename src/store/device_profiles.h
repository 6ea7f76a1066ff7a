// The device key algorithms a DeviceRecord names: the ECIES profile of its encryption key
// (TS 33.501 Annex C.3.4) and the algorithm of its signature key (DESIGN.md §4).
#pragma once

namespace kmebind::store {

// ECIES Profile A (X25519) or Profile B (P-256), TS 33.501 Annex C.3.4.1 / C.3.4.2.
enum class EncProfile { kA, kB };
// Ed25519 (RFC 8032) or ECDSA P-256 with SHA-256 (FIPS 186-4).
enum class SigAlgorithm { kEd25519, kEcdsaP256Sha256 };

}  // namespace kmebind::store
