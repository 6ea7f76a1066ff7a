#include "ue/device_factory.h"

#include <cstdio>

#include "crypto/milenage.h"
#include "crypto/random.h"
#include "ue/imei.h"

namespace kmebind::ue {

UeProfile UeProfile::clone() const {
  UeProfile p;
  p.imsi = imsi;
  p.k = k.clone();
  p.opc = opc.clone();
  p.imei14 = imei14;
  p.imei15 = imei15;
  p.software_version = software_version;
  p.ecies_profile = ecies_profile;
  p.ecies = crypto::EciesKeyPair{ecies.private_key.clone(), ecies.public_key};
  p.signature_algorithm = signature_algorithm;
  p.signature = crypto::SigningKeyPair{signature.private_key.clone(), signature.public_key};
  return p;
}

Result<std::string> simulated_imei14(std::uint64_t index) {
  if (index > 999'999) return fail(Code::kInvalidArgument, "simulated IMEI: device index must be at most 999999");
  char snr[8];
  std::snprintf(snr, sizeof snr, "%06llu", static_cast<unsigned long long>(index));
  return std::string(kSimulatedTac) + snr;
}

Result<UeProfile> make_ue_profile(std::string_view imsi, std::string_view imei14, crypto::EciesProfile ecies_profile,
                                  crypto::SignatureAlgorithm signature_algorithm, std::string_view software_version,
                                  const SecretBytes* op) {
  UeProfile p;
  p.imsi = std::string(imsi);
  auto imei15 = imei15_of(imei14);
  if (!imei15) return std::unexpected(imei15.error());
  if (auto sv = imeisv_of(*imei15, software_version); !sv) return std::unexpected(sv.error());
  p.imei15 = *imei15;
  p.imei14 = imei15->substr(0, 14);
  p.software_version = std::string(software_version);

  auto k = crypto::random_secret(crypto::kMilenageKeySize);
  if (!k) return std::unexpected(k.error());
  p.k = std::move(*k);
  if (op != nullptr) {
    auto opc = crypto::milenage_opc(p.k, *op);
    if (!opc) return std::unexpected(opc.error().with_context("OP"));
    p.opc = std::move(*opc);
  } else {
    auto opc = crypto::random_secret(crypto::kMilenageKeySize);
    if (!opc) return std::unexpected(opc.error());
    p.opc = std::move(*opc);
  }
  // Checks the IMSI the way the USIM will.
  if (auto usim = Usim::create(p.imsi, p.k, p.opc); !usim) return std::unexpected(usim.error());

  p.ecies_profile = ecies_profile;
  auto ecies = crypto::ecies_generate(ecies_profile);
  if (!ecies) return std::unexpected(ecies.error());
  p.ecies = std::move(*ecies);
  p.signature_algorithm = signature_algorithm;
  auto signature = crypto::signature_generate(signature_algorithm);
  if (!signature) return std::unexpected(signature.error());
  p.signature = std::move(*signature);
  return p;
}

Result<UeProfile> make_ue_profile(std::string_view imsi, std::uint64_t device_index, crypto::EciesProfile ecies_profile,
                                  crypto::SignatureAlgorithm signature_algorithm, std::string_view software_version,
                                  const SecretBytes* op) {
  auto imei14 = simulated_imei14(device_index);
  if (!imei14) return std::unexpected(imei14.error());
  return make_ue_profile(imsi, *imei14, ecies_profile, signature_algorithm, software_version, op);
}

Result<Usim> make_usim(const UeProfile& profile, SqnArray sqn) {
  return Usim::create(profile.imsi, profile.k, profile.opc, sqn);
}

Result<MobileEquipment> make_mobile_equipment(const UeProfile& profile) {
  return MobileEquipment::create(profile.imei15, profile.software_version, profile.ecies_profile,
                                 profile.ecies.private_key.clone(), profile.signature_algorithm,
                                 profile.signature.private_key.clone());
}

Result<Ue> make_ue(const UeProfile& profile, UeConfig config) {
  auto usim = make_usim(profile);
  if (!usim) return std::unexpected(usim.error());
  auto me = make_mobile_equipment(profile);
  if (!me) return std::unexpected(me.error());
  return Ue::create(std::move(*usim), std::move(*me), std::move(config));
}

}  // namespace kmebind::ue
