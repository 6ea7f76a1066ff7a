// The octets of a classic pcap file (not pcapng) whose records use link type 252,
// LINKTYPE_WIRESHARK_UPPER_PDU ("exported PDU"): each record is a list of TLV tags telling
// Wireshark which dissector to run and which addresses to show, then the PDU itself. Sans-IO;
// PcapWriter puts these octets in a file. docs/operations.md §2 describes the layout.
//
// Tag numbers and values are those of Wireshark's epan/exported_pdu.h, checked against the value
// strings of the installed tshark 4.0 (`tshark -G values | grep exported_pdu`): tags are 2 octets,
// lengths 2 octets, both big-endian; strings are NUL-padded to a multiple of 4 octets.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "net/ip_endpoint.h"

namespace kmebind::net::pcap {

inline constexpr std::uint32_t kLinkTypeUpperPdu = 252;  // LINKTYPE_WIRESHARK_UPPER_PDU
inline constexpr std::uint32_t kSnapLength = 262144;     // Wireshark's largest accepted record

// EXP_PDU_TAG_* (Wireshark epan/exported_pdu.h)
inline constexpr std::uint16_t kTagEndOfOptions = 0;
inline constexpr std::uint16_t kTagDissectorName = 12;  // formerly EXP_PDU_TAG_PROTO_NAME
inline constexpr std::uint16_t kTagIpv4Source = 20;
inline constexpr std::uint16_t kTagIpv4Destination = 21;
inline constexpr std::uint16_t kTagIpv6Source = 22;
inline constexpr std::uint16_t kTagIpv6Destination = 23;
inline constexpr std::uint16_t kTagPortType = 24;
inline constexpr std::uint16_t kTagSourcePort = 25;
inline constexpr std::uint16_t kTagDestinationPort = 26;
// EXP_PDU_PT_* values of the port type tag
inline constexpr std::uint32_t kPortTypeSctp = 1;
inline constexpr std::uint32_t kPortTypeTcp = 2;

// Wireshark dissector names (register_dissector) kmebind records use.
inline constexpr std::string_view kDissectorNasEps = "nas-eps";  // security-protected NAS
inline constexpr std::string_view kDissectorNasEpsPlain = "nas-eps_plain";
inline constexpr std::string_view kDissectorDiameter = "diameter";  // one whole message

// The 24-octet global header: magic 0xa1b2c3d4 (microsecond timestamps) written little-endian,
// version 2.4, zone 0, snap length kSnapLength, link type 252.
Bytes file_header();

// The 16-octet record header followed by `data` (cut to kSnapLength; the original length is kept).
Bytes record(std::chrono::system_clock::time_point time, ByteView data);

// Builds the exported-PDU TLV list, then the PDU.
class ExportedPdu {
 public:
  explicit ExportedPdu(std::string_view dissector);
  // Source and destination addresses and TCP/SCTP ports. REQUIRES: both of the same family
  // (4 or 16 octets each); checked by the callers (PcapWriter).
  ExportedPdu& endpoints(const IpEndpoint& source, const IpEndpoint& destination,
                         std::uint32_t port_type);
  // The tags, the end-of-options tag and `pdu`. Call once.
  Bytes finish(ByteView pdu);

 private:
  void tag(std::uint16_t tag, ByteView value);
  void tag_u32(std::uint16_t tag, std::uint32_t value);
  ByteWriter out_;
};

// Which NAS-EPS dissector fits a NAS PDU (TS 24.301 §9.3.1): an EMM PDU (protocol discriminator 7)
// with a security header type other than 0 goes to "nas-eps" (which handles the security header,
// including the Service request's type 12); everything else — plain EMM, plain ESM (whose high
// nibble is the EPS bearer identity, not a security header) — to "nas-eps_plain", because the
// top-level "nas-eps" dissector flags a bare plain ESM message.
std::string_view nas_dissector_for(ByteView pdu);

}  // namespace kmebind::net::pcap
