#include "net/pcap_format.h"

#include <algorithm>

namespace kmebind::net::pcap {
namespace {

void le32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void le16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}

}  // namespace

Bytes file_header() {
  Bytes out;
  le32(out, 0xa1b2c3d4);
  le16(out, 2);
  le16(out, 4);
  le32(out, 0);  // thiszone
  le32(out, 0);  // sigfigs
  le32(out, kSnapLength);
  le32(out, kLinkTypeUpperPdu);
  return out;
}

Bytes record(std::chrono::system_clock::time_point time, ByteView data) {
  using namespace std::chrono;
  const auto since_epoch = duration_cast<microseconds>(time.time_since_epoch());
  const auto seconds = duration_cast<std::chrono::seconds>(since_epoch);
  const auto micros = since_epoch - duration_cast<microseconds>(seconds);
  const std::size_t captured = std::min<std::size_t>(data.size(), kSnapLength);
  Bytes out;
  out.reserve(16 + captured);
  le32(out, static_cast<std::uint32_t>(seconds.count()));
  le32(out, static_cast<std::uint32_t>(micros.count()));
  le32(out, static_cast<std::uint32_t>(captured));
  le32(out, static_cast<std::uint32_t>(data.size()));
  out.insert(out.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(captured));
  return out;
}

ExportedPdu::ExportedPdu(std::string_view dissector) {
  Bytes name(dissector.begin(), dissector.end());
  name.resize((name.size() + 1 + 3) / 4 * 4, 0);  // at least one NUL, padded to 4 octets
  tag(kTagDissectorName, name);
}

void ExportedPdu::tag(std::uint16_t tag, ByteView value) {
  out_.u16(tag);
  out_.u16(static_cast<std::uint16_t>(value.size()));
  out_.bytes(value);
}

void ExportedPdu::tag_u32(std::uint16_t tag, std::uint32_t value) {
  out_.u16(tag);
  out_.u16(4);
  out_.u32(value);
}

ExportedPdu& ExportedPdu::endpoints(const IpEndpoint& source, const IpEndpoint& destination,
                                    std::uint32_t port_type) {
  const bool v4 = source.is_v4();
  tag(v4 ? kTagIpv4Source : kTagIpv6Source, source.address);
  tag(v4 ? kTagIpv4Destination : kTagIpv6Destination, destination.address);
  tag_u32(kTagPortType, port_type);
  tag_u32(kTagSourcePort, source.port);
  tag_u32(kTagDestinationPort, destination.port);
  return *this;
}

Bytes ExportedPdu::finish(ByteView pdu) {
  out_.u16(kTagEndOfOptions);
  out_.u16(0);
  out_.bytes(pdu);
  return out_.take();
}

std::string_view nas_dissector_for(ByteView pdu) {
  if (pdu.empty()) return kDissectorNasEpsPlain;
  const std::uint8_t protocol_discriminator = pdu[0] & 0x0f;
  const std::uint8_t security_header_type = pdu[0] >> 4;
  if (protocol_discriminator == 7 && security_header_type != 0) return kDissectorNasEps;
  return kDissectorNasEpsPlain;
}

}  // namespace kmebind::net::pcap
