// Simulated devices: everything one UE needs (USIM secrets, IMEI, device key pairs) generated
// from OpenSSL's DRBG, plus the public values the HSS's store needs for it (DESIGN.md §1: the
// sim, `kmebind admin generate` and the demo use this).
//
//   K (16) random; OPc = OP ⊕ E_K(OP) (TS 35.206 §4.1) when an operator OP is given, else
//   random; SQN store of a new card; IMEI 14 digits (TAC ‖ SNR) with its check digit;
//   software version 2 digits; ECIES key pair of the profile; signature key pair of the algorithm.
//
// A UeProfile holds secrets (K, OPc, private keys) in SecretBytes; it is move-only (clone() copies
// explicitly). The store records are built by the caller from the public members (imsi, k, opc,
// imei14, ecies public key, signature public key): src/ue does not depend on src/store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/secret.h"
#include "crypto/ecies.h"
#include "crypto/signature.h"
#include "ue/mobile_equipment.h"
#include "ue/ue.h"
#include "ue/usim.h"

namespace kmebind::ue {

// The TAC of simulated devices: reporting body "00" (test), the rest ours. TS 23.003 §6.2.1.
inline constexpr std::string_view kSimulatedTac = "00101001";

struct UeProfile {
  std::string imsi;
  SecretBytes k;    // 16
  SecretBytes opc;  // 16
  std::string imei14;
  std::string imei15;
  std::string software_version;
  crypto::EciesProfile ecies_profile = crypto::EciesProfile::kA;
  crypto::EciesKeyPair ecies;  // private (secret) and public key
  crypto::SignatureAlgorithm signature_algorithm = crypto::SignatureAlgorithm::kEd25519;
  crypto::SigningKeyPair signature;

  UeProfile clone() const;
};

// The 14-digit IMEI of simulated device `index`: kSimulatedTac ‖ SNR, SNR = index as 6 digits.
// kInvalidArgument when index > 999999.
Result<std::string> simulated_imei14(std::uint64_t index);

// Generates a profile for `imsi` (6-15 digits) and `imei14` (14 digits; 15 with a correct check
// digit is accepted too). `op`, if given, is the operator's 16-octet OP from which OPc is derived.
// kInvalidArgument naming the bad input; kInternal if the DRBG or key generation fails.
Result<UeProfile> make_ue_profile(std::string_view imsi, std::string_view imei14, crypto::EciesProfile ecies_profile,
                                  crypto::SignatureAlgorithm signature_algorithm,
                                  std::string_view software_version = "01", const SecretBytes* op = nullptr);
// Same, with the IMEI of simulated device `device_index` (simulated_imei14).
Result<UeProfile> make_ue_profile(std::string_view imsi, std::uint64_t device_index, crypto::EciesProfile ecies_profile,
                                  crypto::SignatureAlgorithm signature_algorithm,
                                  std::string_view software_version = "01", const SecretBytes* op = nullptr);

// The USIM and ME of a profile (a new card: SQN store empty unless given), and a whole Ue.
Result<Usim> make_usim(const UeProfile& profile, SqnArray sqn = SqnArray{});
Result<MobileEquipment> make_mobile_equipment(const UeProfile& profile);
Result<Ue> make_ue(const UeProfile& profile, UeConfig config);

}  // namespace kmebind::ue
