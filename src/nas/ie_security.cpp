#include "nas/ie_security.h"

namespace kmebind::nas {
namespace {

std::string algorithm_list(std::uint8_t mask, std::string_view prefix) {
  std::string out;
  for (std::uint8_t id = 0; id < 8; ++id) {
    if (mask & algorithm_bit(id)) {
      if (!out.empty()) out += '+';
      out += std::string(prefix) + std::to_string(id);
    }
  }
  return out.empty() ? "none" : out;
}

}  // namespace

std::string to_string(CipheringAlgorithm a) { return "EEA" + std::to_string(static_cast<int>(a)); }
std::string to_string(IntegrityAlgorithm a) { return "EIA" + std::to_string(static_cast<int>(a)); }

// TS 24.301 §9.9.3.34
Status UeNetworkCapability::encode(ByteWriter& w) const {
  if (additional.size() > 11) return fail(Code::kInvalidArgument, "more than 13 octets");
  w.u8(eea);
  w.u8(eia);
  w.bytes(additional);
  return {};
}

Result<UeNetworkCapability> UeNetworkCapability::decode(ByteView in) {
  if (in.size() < 2) return fail(Code::kMalformed, "need EEA and EIA octets");
  return UeNetworkCapability{in[0], in[1], Bytes(in.begin() + 2, in.end())};
}

std::string UeNetworkCapability::describe() const {
  std::string s = algorithm_list(eea, "EEA") + " " + algorithm_list(eia, "EIA");
  if (!additional.empty()) s += " +0x" + to_hex(additional);
  return s;
}

// TS 24.301 §9.9.3.36, §5.4.3.2
UeSecurityCapability UeSecurityCapability::replay_of(const UeNetworkCapability& cap) {
  UeSecurityCapability out{cap.eea, cap.eia, {}};
  if (cap.additional.size() >= 2) {  // UEA octet, then UCS2|UIA1-7: UIA goes with bit 8 spare
    out.additional = {cap.additional[0], static_cast<std::uint8_t>(cap.additional[1] & 0x7f)};
  }
  return out;
}

Status UeSecurityCapability::encode(ByteWriter& w) const {
  if (additional.size() > 3) return fail(Code::kInvalidArgument, "more than 5 octets");
  w.u8(eea);
  w.u8(eia);
  w.bytes(additional);
  return {};
}

Result<UeSecurityCapability> UeSecurityCapability::decode(ByteView in) {
  if (in.size() < 2) return fail(Code::kMalformed, "need EEA and EIA octets");
  return UeSecurityCapability{in[0], in[1], Bytes(in.begin() + 2, in.end())};
}

std::string UeSecurityCapability::describe() const {
  std::string s = algorithm_list(eea, "EEA") + " " + algorithm_list(eia, "EIA");
  if (!additional.empty()) s += " +0x" + to_hex(additional);
  return s;
}

std::string NasKeySetIdentifier::describe() const {
  if (ksi == kNoKeyAvailable) return "no key available";
  return std::string(mapped ? "mapped" : "native") + " KSI " + std::to_string(ksi);
}

// TS 24.301 §9.9.3.23
Status NasSecurityAlgorithms::encode(ByteWriter& w) const {
  w.u8(static_cast<std::uint8_t>(((static_cast<std::uint8_t>(ciphering) & 0x07) << 4) |
                                 (static_cast<std::uint8_t>(integrity) & 0x07)));
  return {};
}

Result<NasSecurityAlgorithms> NasSecurityAlgorithms::decode(ByteView in) {
  if (in.empty()) return fail(Code::kMalformed, "need 1 octet");
  return NasSecurityAlgorithms{static_cast<CipheringAlgorithm>((in[0] >> 4) & 0x07),
                               static_cast<IntegrityAlgorithm>(in[0] & 0x07)};
}

std::string NasSecurityAlgorithms::describe() const { return to_string(ciphering) + "/" + to_string(integrity); }

std::string to_string(ImeisvRequest v) {
  return v == ImeisvRequest::kRequested ? "requested" : v == ImeisvRequest::kNotRequested ? "not requested" : "reserved";
}

}  // namespace kmebind::nas
