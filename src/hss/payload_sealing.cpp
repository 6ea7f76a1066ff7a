#include "hss/payload_sealing.h"

#include <algorithm>

#include "crypto/ecies.h"
#include "nas/kme_payload.h"

namespace kmebind::hss {

std::string imei_with_check_digit(std::string_view imei14) {
  // Luhn (TS 23.003 Annex B): from the rightmost digit of TAC ‖ SNR leftwards, every other digit
  // (starting with the rightmost) is doubled; the digits of all products and the other digits are
  // summed; the check digit brings the sum to a multiple of 10.
  int sum = 0;
  bool doubled = true;
  for (auto it = imei14.rbegin(); it != imei14.rend(); ++it) {
    int d = *it - '0';
    if (doubled) {
      d *= 2;
      d = d / 10 + d % 10;
    }
    sum += d;
    doubled = !doubled;
  }
  std::string out(imei14);
  out.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
  return out;
}

Checked<Bytes> seal_kme_payload(const store::DeviceRecord& device, s6a::KmeProcedure procedure,
                                std::string_view imei14, std::uint32_t kme_version,
                                const SecretBytes& kme, std::optional<ByteView> nonce) {
  nas::KmePayload payload;
  payload.procedure = procedure == s6a::KmeProcedure::kHiddenFromCnn
                          ? nas::KmeProcedure::kNotSharedWithCnn
                          : nas::KmeProcedure::kSharedWithCnn;
  payload.imei = imei_with_check_digit(imei14);
  payload.kme_version = kme_version;
  payload.kme = kme.clone();
  if (nonce) {
    if (nonce->size() != nas::kKmeNonceSize) {
      return refuse(s6a::kUnableToComply, "payload Nonce is not 16 octets");
    }
    nas::KmeNonce n{};
    std::ranges::copy(*nonce, n.begin());
    payload.nonce = n;
  }
  auto plaintext = nas::encode_kme_payload(payload);
  if (!plaintext) {
    return refuse(s6a::kUnableToComply, "KME payload: " + plaintext.error().what());
  }
  auto sealed = crypto::ecies_encrypt(device.enc_profile, device.enc_public_key,
                                      plaintext->view());
  if (!sealed) {
    if (sealed.error().code() == Code::kInvalidArgument) {
      return refuse(s6a::kErrorNoDeviceKey, "device encryption public key unusable for ECIES");
    }
    return refuse(s6a::kUnableToComply, "ECIES: " + sealed.error().what());
  }
  return std::move(*sealed);
}

}  // namespace kmebind::hss
