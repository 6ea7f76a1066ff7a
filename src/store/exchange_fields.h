// Field parsers and printers shared by the CSV and JSON exchange files and the admin CLI.
// Every parser fails kInvalidArgument with a message that names the field (never a key value).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/exchange.h"

namespace kmebind::store::exchange {

std::vector<std::string_view> split(std::string_view text, char sep);

// K / OPc: 32 hex digits. Empty: "missing" with a hint about --reveal-keys.
Result<SecretBytes> parse_key_field(std::string_view text, std::string_view name);
Result<std::array<std::uint8_t, 2>> parse_amf(std::string_view hex4);
Result<std::uint64_t> parse_sqn(std::string_view decimal);
// "1;2", "1", "2" or "" (none) -> {procedure1, procedure2}.
Result<std::array<bool, 2>> parse_procedures(std::string_view text);
Result<bool> parse_flag(std::string_view text, std::string_view name);  // 0|1|true|false
Result<Bytes> parse_public_key_hex(std::string_view hex, std::string_view name);

std::string amf_hex(const std::array<std::uint8_t, 2>& amf);
std::string procedures_text(bool procedure1, bool procedure2);

// Row checks both readers apply after parsing: the IMSI, each IMEI (normalized in place,
// no repeats) and the device key encodings.
Status check_subscriber_row(ExchangeSubscriber& row);
Status check_device_row(DeviceRecord& device);

}  // namespace kmebind::store::exchange
