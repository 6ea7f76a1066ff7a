// Internal to src/hss: the KME payload for the device (src/nas/kme_payload.h: version ‖ procedure ‖
// IMEI ‖ KME version ‖ KME ‖ Nonce for procedure 2), ECIES-encrypted to the device's public key
// with its profile (TS 33.501 Annex C.3; seed step 4 "encrypts it with the public key of the
// received IMEI").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secret.h"
#include "hss/refusal.h"
#include "s6a/messages.h"
#include "store/subscriber_store.h"

namespace kmebind::hss {

// TS 23.003 §6.2.1 and Annex B: the 15-digit IMEI (TAC ‖ SNR ‖ Luhn check digit) of a 14-digit
// TAC ‖ SNR. REQUIRES: imei14 is 14 decimal digits (check_imei has normalised it).
std::string imei_with_check_digit(std::string_view imei14);

// The ECIES scheme output of the payload. `nonce` must be present exactly for procedure 2.
// A device key the ECIES layer refuses → KME_ERROR_NO_DEVICE_KEY (no usable key for the IMEI);
// anything else → DIAMETER_UNABLE_TO_COMPLY.
Checked<Bytes> seal_kme_payload(const store::DeviceRecord& device, s6a::KmeProcedure procedure,
                                std::string_view imei14, std::uint32_t kme_version,
                                const SecretBytes& kme, std::optional<ByteView> nonce);

}  // namespace kmebind::hss
