#include "nas/ie_esm.h"

#include <algorithm>
#include <cstdio>

namespace kmebind::nas {

// TS 24.301 §9.9.4.3
Status EpsQos::encode(ByteWriter& w) const {
  if (bit_rates.size() > 12) return fail(Code::kInvalidArgument, "more than 12 bit-rate octets");
  w.u8(qci);
  w.bytes(bit_rates);
  return {};
}

Result<EpsQos> EpsQos::decode(ByteView in) {
  if (in.empty()) return fail(Code::kMalformed, "QCI missing");
  return EpsQos{in[0], Bytes(in.begin() + 1, in.end())};
}

std::string EpsQos::describe() const {
  std::string s = "QCI " + std::to_string(qci);
  if (!bit_rates.empty()) s += " rates 0x" + to_hex(bit_rates);
  return s;
}

// TS 23.003 §9.1 label encoding
Status AccessPointName::encode(ByteWriter& w) const {
  if (name.empty()) return fail(Code::kInvalidArgument, "empty APN");
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    const std::size_t len = dot - start;
    if (len == 0 || len > 63) return fail(Code::kInvalidArgument, "APN label of " + std::to_string(len) + " octets");
    w.u8(static_cast<std::uint8_t>(len));
    w.bytes(as_bytes(std::string_view(name).substr(start, len)));
    start = dot + 1;
  }
  return {};
}

Result<AccessPointName> AccessPointName::decode(ByteView in) {
  std::string name;
  ByteReader r(in);
  while (!r.empty()) {
    const std::uint8_t len = *r.u8("label length");
    if (len == 0 || len > 63) return fail(Code::kMalformed, "APN label length " + std::to_string(len));
    auto label = r.take(len, "APN label");
    if (!label) return fail(Code::kMalformed, "APN label runs past the IE");
    if (!name.empty()) name.push_back('.');
    for (std::uint8_t c : *label) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return fail(Code::kMalformed, "APN label has a character outside [A-Za-z0-9-]");
      name.push_back(static_cast<char>(c));
    }
  }
  if (name.empty()) return fail(Code::kMalformed, "empty APN");
  return AccessPointName{std::move(name)};
}

std::string to_string(PdnType v) {
  switch (v) {
    case PdnType::kIpv4: return "IPv4";
    case PdnType::kIpv6: return "IPv6";
    case PdnType::kIpv4v6: return "IPv4v6";
    case PdnType::kNonIp: return "non-IP";
  }
  return "reserved (" + std::to_string(static_cast<int>(v)) + ")";
}

std::string to_string(RequestType v) {
  switch (v) {
    case RequestType::kInitialRequest: return "initial request";
    case RequestType::kHandover: return "handover";
    case RequestType::kEmergency: return "emergency";
  }
  return "reserved (" + std::to_string(static_cast<int>(v)) + ")";
}

// TS 24.301 §9.9.4.9
Status PdnAddress::encode(ByteWriter& w) const {
  w.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(type) & 0x07));
  switch (type) {
    case PdnType::kIpv4: w.bytes(ipv4); break;
    case PdnType::kIpv6: w.bytes(ipv6_interface_id); break;
    case PdnType::kIpv4v6: w.bytes(ipv6_interface_id); w.bytes(ipv4); break;
    default: return fail(Code::kInvalidArgument, "PDN address of type " + to_string(type));
  }
  return {};
}

Result<PdnAddress> PdnAddress::decode(ByteView in) {
  if (in.empty()) return fail(Code::kMalformed, "PDN type missing");
  PdnAddress out;
  out.type = static_cast<PdnType>(in[0] & 0x07);
  const ByteView info = in.subspan(1);
  auto need = [&](std::size_t n) -> Status {
    if (info.size() < n) return fail(Code::kMalformed, to_string(out.type) + " address needs " + std::to_string(n) + " octets");
    return {};
  };
  switch (out.type) {
    case PdnType::kIpv4:
      if (auto ok = need(4); !ok) return std::unexpected(ok.error());
      std::copy_n(info.begin(), 4, out.ipv4.begin());
      break;
    case PdnType::kIpv6:
      if (auto ok = need(8); !ok) return std::unexpected(ok.error());
      std::copy_n(info.begin(), 8, out.ipv6_interface_id.begin());
      break;
    case PdnType::kIpv4v6:
      if (auto ok = need(12); !ok) return std::unexpected(ok.error());
      std::copy_n(info.begin(), 8, out.ipv6_interface_id.begin());
      std::copy_n(info.begin() + 8, 4, out.ipv4.begin());
      break;
    default:
      return fail(Code::kMalformed, "unsupported PDN type " + std::to_string(in[0] & 0x07));
  }
  return out;
}

std::string PdnAddress::describe() const {
  char v4[20];
  std::snprintf(v4, sizeof v4, "%u.%u.%u.%u", ipv4[0], ipv4[1], ipv4[2], ipv4[3]);
  std::string v6 = "IID 0x" + to_hex(ipv6_interface_id);
  switch (type) {
    case PdnType::kIpv4: return v4;
    case PdnType::kIpv6: return v6;
    case PdnType::kIpv4v6: return v6 + " " + v4;
    default: return to_string(type);
  }
}

std::string to_string(EsmCause v) {
  const char* name = nullptr;
  switch (v) {
    case EsmCause::kOperatorDeterminedBarring: name = "Operator Determined Barring"; break;
    case EsmCause::kInsufficientResources: name = "Insufficient resources"; break;
    case EsmCause::kMissingOrUnknownApn: name = "Missing or unknown APN"; break;
    case EsmCause::kUnknownPdnType: name = "Unknown PDN type"; break;
    case EsmCause::kUserAuthenticationFailed: name = "User authentication or authorization failed"; break;
    case EsmCause::kRequestRejectedByGateway: name = "Request rejected by Serving GW or PDN GW"; break;
    case EsmCause::kRequestRejectedUnspecified: name = "Request rejected, unspecified"; break;
    case EsmCause::kServiceOptionNotSupported: name = "Service option not supported"; break;
    case EsmCause::kPdnTypeIpv4OnlyAllowed: name = "PDN type IPv4 only allowed"; break;
    case EsmCause::kPdnTypeIpv6OnlyAllowed: name = "PDN type IPv6 only allowed"; break;
    case EsmCause::kProtocolErrorUnspecified: name = "Protocol error, unspecified"; break;
  }
  return "#" + std::to_string(static_cast<int>(v)) + (name ? std::string(" ") + name : std::string(" (unlisted)"));
}

}  // namespace kmebind::nas
