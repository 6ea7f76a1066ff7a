// The mobile equipment (ME) of a simulated UE: its identities (IMEI, IMEISV), the device key
// pairs the HSS knows the public halves of (TR 33.868 §5.4.4.2.3.3 step 0), and its KME store.
//
//  - IMEI: 15 digits with the Luhn check digit (TS 23.003 §6.2.1, Annex B) for the KME payload
//    and Identity response; imei14() = TAC ‖ SNR for the signed KME transcript (crypto/kme.h) and
//    S6a. IMEISV = TAC ‖ SNR ‖ SVN (16 digits) for Security mode complete (TS 24.301 §5.4.3.3).
//  - ECIES key pair, profile A (X25519) or B (P-256), TS 33.501 Annex C.3: decrypts the KME payload.
//  - Signature key pair, Ed25519 or ECDSA P-256/SHA-256 (DESIGN.md §4): signs the procedure-2
//    transcript.
// The private keys never leave this object (no accessor returns them); the public keys do.
// Not thread-safe. Move-only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"
#include "common/secret.h"
#include "crypto/ecies.h"
#include "crypto/signature.h"
#include "ue/kme_store.h"

namespace kmebind::ue {

class MobileEquipment {
 public:
  // `imei`: 14 digits (the check digit is computed) or 15 with a correct check digit;
  // `software_version`: 2 digits. Each private key is checked by deriving its public key.
  // kInvalidArgument naming the first bad value.
  static Result<MobileEquipment> create(std::string_view imei, std::string_view software_version,
                                        crypto::EciesProfile ecies_profile, SecretBytes ecies_private_key,
                                        crypto::SignatureAlgorithm signature_algorithm,
                                        SecretBytes signature_private_key);

  const std::string& imei() const { return imei15_; }  // 15 digits
  std::string imei14() const { return imei15_.substr(0, 14); }
  const std::string& software_version() const { return software_version_; }
  const std::string& imeisv() const { return imeisv_; }  // 16 digits

  crypto::EciesProfile ecies_profile() const { return ecies_profile_; }
  const Bytes& ecies_public_key() const { return ecies_public_key_; }
  crypto::SignatureAlgorithm signature_algorithm() const { return signature_algorithm_; }
  const Bytes& signature_public_key() const { return signature_public_key_; }

  // ECIES decryption with the device's private key and profile (crypto/ecies.h errors:
  // kMalformed, kAuthFailed).
  Result<SecretBytes> ecies_decrypt(ByteView scheme_output) const;
  // 64-octet signature of `message` with the device's signature key.
  Result<Bytes> sign(ByteView message) const;

  KmeStore& kmes() { return kmes_; }
  const KmeStore& kmes() const { return kmes_; }

 private:
  MobileEquipment() = default;

  std::string imei15_;
  std::string software_version_;
  std::string imeisv_;
  crypto::EciesProfile ecies_profile_ = crypto::EciesProfile::kA;
  // The private keys, parsed once at create() (always set afterwards).
  std::optional<crypto::EciesDecryptor> decryptor_;
  Bytes ecies_public_key_;
  crypto::SignatureAlgorithm signature_algorithm_ = crypto::SignatureAlgorithm::kEd25519;
  std::optional<crypto::Signer> signer_;
  Bytes signature_public_key_;
  KmeStore kmes_;
};

}  // namespace kmebind::ue
