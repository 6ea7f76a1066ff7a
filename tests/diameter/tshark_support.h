// tshark for the Diameter interop tests: Diameter messages written to a classic pcap (DLT USER0,
// which the tshark command line maps to the Diameter dissector) and tshark's output read back.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace kmebind::diameter::testing {

// Classic pcap, DLT USER0 (147), one Diameter message per record.
inline void write_pcap(const std::filesystem::path& path, const std::vector<Bytes>& messages) {
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&](std::uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](std::uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  u32(0xa1b2c3d4);
  u16(2);
  u16(4);
  u32(0);
  u32(0);
  u32(65535);
  u32(147);
  std::uint32_t t = 0;
  for (const Bytes& m : messages) {
    u32(++t);
    u32(0);
    u32(static_cast<std::uint32_t>(m.size()));
    u32(static_cast<std::uint32_t>(m.size()));
    out.write(reinterpret_cast<const char*>(m.data()), static_cast<std::streamsize>(m.size()));
  }
}

inline std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  pclose(pipe);
  return output;
}

// `prefix` goes before tshark on the command line (e.g. "env WIRESHARK_DATA_DIR=... ").
inline std::string tshark(const std::filesystem::path& pcap, const std::string& extra,
                          const std::string& prefix = "") {
  return run(prefix + "tshark -r '" + pcap.string() +
             "' -o 'uat:user_dlts:\"User 0 (DLT=147)\",\"diameter\",\"0\",\"\",\"0\",\"\"' " +
             extra + " 2>&1");
}

}  // namespace kmebind::diameter::testing
