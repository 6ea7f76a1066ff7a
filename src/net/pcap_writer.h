// Writes what a CNN or simulator sends and receives to a pcap file that Wireshark/tshark decodes
// (DESIGN.md §5): NAS PDUs with the NAS-EPS dissectors, Diameter messages with the Diameter
// dissector, each record in Wireshark's "exported PDU" encapsulation (pcap_format.h,
// docs/operations.md §2).
//
// Every record reaches the kernel with one write(2) before the call returns, so a process killed
// at any moment leaves a file readable up to its last complete record. The file is created with
// mode 0640: it holds subscriber identities.
//
// Thread safety: all methods may be called from any thread; records never interleave.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "common/bytes.h"
#include "common/error.h"
#include "net/ip_endpoint.h"

namespace kmebind::net {

// The two ends of the TCP connection that carried a NAS PDU (NasServer on_connect peer and
// local_endpoint(), or NasClient local/remote_endpoint()).
struct NasLinkEndpoints {
  IpEndpoint ue_side;   // the simulator / eNodeB end
  IpEndpoint cnn_side;  // the CNN end
};

class PcapWriter {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // Creates or truncates `path` and writes the pcap header. Fails with kIo naming the path.
  static Result<std::unique_ptr<PcapWriter>> create(const std::filesystem::path& path);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // One NAS PDU (plain or security protected; the dissector is chosen from its first octet, see
  // pcap::nas_dissector_for). With `link`, the record shows the connection's addresses and TCP
  // ports, source and destination following `uplink`; without, it shows none.
  // Fails with kInvalidArgument if the link's two ends are of different families, kIo if the
  // write fails (the file is then left as it was before the call, or cut at a record boundary).
  Status write_nas(ByteView pdu, bool uplink, TimePoint time,
                   const std::optional<NasLinkEndpoints>& link = std::nullopt);

  // One whole Diameter message (RFC 6733 §3) sent from `source` to `destination` over TCP.
  // Same failures as write_nas.
  Status write_diameter(ByteView message, const IpEndpoint& source, const IpEndpoint& destination,
                        TimePoint time);

  const std::filesystem::path& path() const { return path_; }
  // Records written so far.
  std::uint64_t records() const;

 private:
  PcapWriter(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  Status append(TimePoint time, ByteView exported_pdu);

  std::filesystem::path path_;
  mutable std::mutex mutex_;
  int fd_;
  std::uint64_t records_ = 0;
};

}  // namespace kmebind::net
