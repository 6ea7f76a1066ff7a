#include "net/pcap_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "net/pcap_format.h"

namespace kmebind::net {
namespace {

// Writes all of `data`; on failure returns errno's text.
std::optional<std::string> write_all(int fd, ByteView data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::string(std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return std::nullopt;
}

Status same_family(const IpEndpoint& a, const IpEndpoint& b) {
  if ((a.is_v4() && b.is_v4()) || (a.is_v6() && b.is_v6())) return {};
  return fail(Code::kInvalidArgument, "pcap record: endpoints " + a.to_string() + " and " +
                                          b.to_string() + " are not both IPv4 or both IPv6");
}

}  // namespace

Result<std::unique_ptr<PcapWriter>> PcapWriter::create(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    return fail(Code::kIo,
                "cannot create pcap file " + path.string() + ": " + std::strerror(errno));
  }
  if (auto err = write_all(fd, pcap::file_header())) {
    ::close(fd);
    return fail(Code::kIo, "cannot write pcap file " + path.string() + ": " + *err);
  }
  return std::unique_ptr<PcapWriter>(new PcapWriter(path, fd));
}

PcapWriter::~PcapWriter() {
  ::close(fd_);
}

std::uint64_t PcapWriter::records() const {
  std::lock_guard lock(mutex_);
  return records_;
}

Status PcapWriter::append(TimePoint time, ByteView exported_pdu) {
  const Bytes rec = pcap::record(time, exported_pdu);
  std::lock_guard lock(mutex_);
  const off_t before = ::lseek(fd_, 0, SEEK_CUR);
  if (auto err = write_all(fd_, rec)) {
    // Cut a partial record off so the file stays readable.
    if (before >= 0 && ::ftruncate(fd_, before) == 0) ::lseek(fd_, before, SEEK_SET);
    return fail(Code::kIo, "cannot write pcap file " + path_.string() + ": " + *err);
  }
  ++records_;
  return {};
}

Status PcapWriter::write_nas(ByteView pdu, bool uplink, TimePoint time,
                             const std::optional<NasLinkEndpoints>& link) {
  pcap::ExportedPdu exported(pcap::nas_dissector_for(pdu));
  if (link) {
    if (auto ok = same_family(link->ue_side, link->cnn_side); !ok) return ok;
    const IpEndpoint& source = uplink ? link->ue_side : link->cnn_side;
    const IpEndpoint& destination = uplink ? link->cnn_side : link->ue_side;
    exported.endpoints(source, destination, pcap::kPortTypeTcp);
  }
  return append(time, exported.finish(pdu));
}

Status PcapWriter::write_diameter(ByteView message, const IpEndpoint& source,
                                  const IpEndpoint& destination, TimePoint time) {
  if (auto ok = same_family(source, destination); !ok) return ok;
  pcap::ExportedPdu exported(pcap::kDissectorDiameter);
  exported.endpoints(source, destination, pcap::kPortTypeTcp);
  return append(time, exported.finish(message));
}

}  // namespace kmebind::net
