#include "ue/mobile_equipment.h"

#include "ue/imei.h"

namespace kmebind::ue {

Result<MobileEquipment> MobileEquipment::create(std::string_view imei, std::string_view software_version,
                                                crypto::EciesProfile ecies_profile, SecretBytes ecies_private_key,
                                                crypto::SignatureAlgorithm signature_algorithm,
                                                SecretBytes signature_private_key) {
  MobileEquipment me;
  auto imei15 = imei15_of(imei);
  if (!imei15) return std::unexpected(imei15.error());
  auto imeisv = imeisv_of(*imei15, software_version);
  if (!imeisv) return std::unexpected(imeisv.error());
  auto decryptor = crypto::EciesDecryptor::create(ecies_profile, ecies_private_key);
  if (!decryptor) return std::unexpected(decryptor.error().with_context("ME ECIES private key"));
  auto ecies_public = decryptor->public_key();
  if (!ecies_public) return std::unexpected(ecies_public.error().with_context("ME ECIES private key"));
  auto signer = crypto::Signer::create(signature_algorithm, signature_private_key);
  if (!signer) return std::unexpected(signer.error().with_context("ME signature private key"));
  auto sig_public = signer->public_key();
  if (!sig_public) return std::unexpected(sig_public.error().with_context("ME signature private key"));

  me.imei15_ = std::move(*imei15);
  me.software_version_ = std::string(software_version);
  me.imeisv_ = std::move(*imeisv);
  me.ecies_profile_ = ecies_profile;
  me.decryptor_ = std::move(*decryptor);
  me.ecies_public_key_ = std::move(*ecies_public);
  me.signature_algorithm_ = signature_algorithm;
  me.signer_ = std::move(*signer);
  me.signature_public_key_ = std::move(*sig_public);
  return me;
}

Result<SecretBytes> MobileEquipment::ecies_decrypt(ByteView scheme_output) const {
  return decryptor_->decrypt(scheme_output);
}

Result<Bytes> MobileEquipment::sign(ByteView message) const {
  return signer_->sign(message);
}

}  // namespace kmebind::ue
