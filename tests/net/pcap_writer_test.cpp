// pcap output (docs/operations.md §2): the file and record layout octet by octet, the choice of
// NAS dissector, and — when tshark is installed — Wireshark decoding every NAS PDU (plain EMM,
// plain ESM, security protected, Service request) and Diameter message (IPv4 and IPv6) without a
// malformed packet or an error, from a file whose writer was killed with SIGKILL.
#include "net/pcap_writer.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "net/pcap_format.h"

namespace kmebind::net {
namespace {

Bytes hex(std::string_view h) {
  std::string clean;
  for (char c : h)
    if (c != ' ') clean.push_back(c);
  return from_hex(clean).value();
}

// NAS PDUs from tests/nas/reference_pdus.h (TS 24.301 §8.2.4, §8.2.7, §8.2.8, §8.3.20) and
// security-protected ones built on them (TS 24.301 §9.1: header type | PD, MAC, SQN, message).
const Bytes kAttachRequest = hex(
    "07 41 71 08 09 10 10 10 32 54 76 98 02 e0 e0 00 0f 02 01 d0 11 28 09 08 69 6e 74 65 72 6e 65"
    " 74 52 00 f1 10 00 01 5c 0a 00 31 03 e5 e0 34 90 5d 01 00");
const Bytes kAuthenticationRequest =
    hex("07 52 00 23553cbe9637a89d218ae64dae47bf35 10 55f328b43577b9b94a9ffac354dfafb3");
const Bytes kAuthenticationResponse = hex("07 53 08 a54211d5e3ba50bf");
const Bytes kPdnConnectivityRequest = hex("02 01 d0 11 28 09 08 69 6e 74 65 72 6e 65 74");
// Integrity protected (type 1) Attach complete, SQN 3.
const Bytes kProtectedAttachComplete = hex("17 0a1b2c3d 03 07 43 00 03 52 00 c2");
// Integrity protected and ciphered (type 2): Wireshark shows "Ciphered message".
const Bytes kCipheredMessage = hex("27 11223344 04 9e4f01d2c3b4a59687");
// Service request (security header type 12): KSI 1, sequence number 5, short MAC.
const Bytes kServiceRequest = hex("c7 25 ab cd");

// Minimal Capabilities-Exchange-Request (RFC 6733 §5.3.1): Origin-Host, Origin-Realm,
// Host-IP-Address, Vendor-Id, Product-Name.
Bytes capabilities_exchange_request(bool answer) {
  ByteWriter avps;
  auto avp = [&](std::uint32_t code, std::uint8_t flags, ByteView data) {
    avps.u32(code);
    avps.u8(flags);
    avps.u24(static_cast<std::uint32_t>(8 + data.size()));
    avps.bytes(data);
    while (avps.size() % 4 != 0) avps.u8(0);
  };
  if (answer) avp(268, 0x40, hex("000007d1"));  // Result-Code DIAMETER_SUCCESS (2001)
  avp(264, 0x40, as_bytes("hss.kmebind.test"));
  avp(296, 0x40, as_bytes("kmebind.test"));
  avp(257, 0x40, hex("0001 7f000001"));  // Address: family IPv4, 127.0.0.1
  avp(266, 0x40, hex("00000000"));
  avp(269, 0x00, as_bytes("kmebind"));
  ByteWriter msg;
  msg.u8(1);
  msg.u24(static_cast<std::uint32_t>(20 + avps.size()));
  msg.u8(answer ? 0x00 : 0x80);  // R bit on the request
  msg.u24(257);
  msg.u32(0);           // Application-Id 0 (common messages)
  msg.u32(0x11111111);  // Hop-by-Hop
  msg.u32(0x22222222);  // End-to-End
  msg.bytes(avps.view());
  return msg.take();
}

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return output;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  pclose(pipe);
  return output;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Running as user", 0) == 0 || line.empty()) continue;
    out.push_back(line);
  }
  return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

Bytes read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

class PcapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("kmebind-net-pcap-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static bool have_tshark() { return std::system("command -v tshark >/dev/null 2>&1") == 0; }
  std::filesystem::path dir_;
};

const PcapWriter::TimePoint kT0 = PcapWriter::TimePoint(std::chrono::seconds(1'700'000'000));

TEST(PcapFormat, FileHeaderIsClassicPcapWithLinkType252) {
  EXPECT_EQ(to_hex(pcap::file_header()),
            "d4c3b2a1"
            "0200"
            "0400"
            "00000000"
            "00000000"
            "00000400"
            "fc000000");
}

TEST(PcapFormat, RecordCarriesMicrosecondTimeAndLengths) {
  const auto t = kT0 + std::chrono::microseconds(123456);
  EXPECT_EQ(to_hex(pcap::record(t, hex("aabb"))),
            "00f15365"
            "40e20100"
            "02000000"
            "02000000"
            "aabb");
}

TEST(PcapFormat, RecordAboveTheSnapLengthIsCutButKeepsItsLength) {
  const Bytes big(pcap::kSnapLength + 10, 0x11);
  const Bytes rec = pcap::record(kT0, big);
  EXPECT_EQ(rec.size(), 16 + pcap::kSnapLength);
  EXPECT_EQ(to_hex(ByteView(rec).subspan(8, 8)),
            "00000400"
            "0a000400");
}

TEST(PcapFormat, ExportedPduTagsAreBigEndianWithPaddedDissectorName) {
  const auto ue = parse_ip_endpoint("10.0.0.1", 40000).value();
  const auto cnn = parse_ip_endpoint("10.0.0.2", 36412).value();
  const Bytes out =
      pcap::ExportedPdu("diameter").endpoints(ue, cnn, pcap::kPortTypeTcp).finish(hex("0102"));
  EXPECT_EQ(to_hex(out),
            "000c000c"
            "6469616d657465720000"
            "0000"  // "diameter" + NULs to 12 octets
            "00140004"
            "0a000001"  // IPv4 source
            "00150004"
            "0a000002"  // IPv4 destination
            "00180004"
            "00000002"  // port type TCP
            "00190004"
            "00009c40"  // source port 40000
            "001a0004"
            "00008e3c"  // destination port 36412
            "00000000"  // end of options
            "0102");
}

TEST(PcapFormat, NasDissectorFollowsTheSecurityHeaderTypeOfEmmOnly) {
  EXPECT_EQ(pcap::nas_dissector_for(kAttachRequest), "nas-eps_plain");
  EXPECT_EQ(pcap::nas_dissector_for(kProtectedAttachComplete), "nas-eps");
  EXPECT_EQ(pcap::nas_dissector_for(kCipheredMessage), "nas-eps");
  EXPECT_EQ(pcap::nas_dissector_for(kServiceRequest), "nas-eps");
  // ESM: the high nibble is the EPS bearer identity (5), not a security header type.
  EXPECT_EQ(pcap::nas_dissector_for(hex("52 01 c1")), "nas-eps_plain");
  EXPECT_EQ(pcap::nas_dissector_for(kPdnConnectivityRequest), "nas-eps_plain");
  EXPECT_EQ(pcap::nas_dissector_for({}), "nas-eps_plain");
}

TEST_F(PcapTest, WriterProducesHeaderThenOneRecordPerCall) {
  auto w = PcapWriter::create(dir_ / "a.pcap");
  ASSERT_TRUE(w) << w.error().what();
  ASSERT_TRUE((*w)->write_nas(kAuthenticationResponse, true, kT0));
  EXPECT_EQ((*w)->records(), 1u);
  const Bytes file = read_file(dir_ / "a.pcap");  // readable before close: nothing is buffered
  Bytes expected = pcap::file_header();
  const Bytes rec =
      pcap::record(kT0, pcap::ExportedPdu("nas-eps_plain").finish(kAuthenticationResponse));
  expected.insert(expected.end(), rec.begin(), rec.end());
  EXPECT_EQ(to_hex(file), to_hex(expected));
  EXPECT_EQ(
      std::filesystem::status(dir_ / "a.pcap").permissions() & std::filesystem::perms::others_read,
      std::filesystem::perms::none);
}

TEST_F(PcapTest, RefusesMixedAddressFamiliesAndUnwritablePaths) {
  auto w = PcapWriter::create(dir_ / "b.pcap");
  ASSERT_TRUE(w);
  const auto v4 = parse_ip_endpoint("127.0.0.1", 3868).value();
  const auto v6 = parse_ip_endpoint("::1", 3868).value();
  auto mixed = (*w)->write_diameter(capabilities_exchange_request(false), v4, v6, kT0);
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().code(), Code::kInvalidArgument);
  EXPECT_EQ((*w)->records(), 0u);
  auto bad = PcapWriter::create(dir_ / "missing-dir" / "c.pcap");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kIo);
  EXPECT_NE(bad.error().message().find("missing-dir"), std::string::npos);
}

TEST_F(PcapTest, ConcurrentWritersNeverInterleaveRecords) {
  auto w = PcapWriter::create(dir_ / "d.pcap");
  ASSERT_TRUE(w);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) ASSERT_TRUE((*w)->write_nas(kAttachRequest, true, kT0));
    });
  }
  for (auto& t : threads) t.join();
  const Bytes file = read_file(dir_ / "d.pcap");
  const Bytes rec = pcap::record(kT0, pcap::ExportedPdu("nas-eps_plain").finish(kAttachRequest));
  ASSERT_EQ(file.size(), 24 + 1000 * rec.size());
  for (std::size_t i = 0; i < 1000; ++i) {
    ASSERT_TRUE(std::equal(rec.begin(), rec.end(),
                           file.begin() + static_cast<std::ptrdiff_t>(24 + i * rec.size())))
        << "record " << i;
  }
}

TEST_F(PcapTest, TsharkDecodesEveryRecordOfAKilledWriterWithoutErrors) {
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed (Debian package tshark)";
  const auto path = dir_ / "killed.pcap";
  const auto ue = parse_ip_endpoint("127.0.0.1", 40001).value();
  const auto cnn = parse_ip_endpoint("127.0.0.2", 36412).value();
  const auto hss4 = parse_ip_endpoint("192.0.2.10", 3868).value();
  const auto cnn4 = parse_ip_endpoint("192.0.2.20", 50000).value();
  const auto hss6 = parse_ip_endpoint("2001:db8::10", 3868).value();
  const auto cnn6 = parse_ip_endpoint("2001:db8::20", 50001).value();
  const NasLinkEndpoints link{ue, cnn};

  // The writer runs in a child that SIGKILLs itself: no destructor, no close().
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto w = PcapWriter::create(path);
    if (!w) _exit(1);
    auto t = kT0;
    auto step = [&] { return t += std::chrono::milliseconds(1); };
    bool ok = (*w)->write_nas(kAttachRequest, true, step(), link) &&
              (*w)->write_diameter(capabilities_exchange_request(false), cnn4, hss4, step()) &&
              (*w)->write_diameter(capabilities_exchange_request(true), hss6, cnn6, step()) &&
              (*w)->write_nas(kAuthenticationRequest, false, step(), link) &&
              (*w)->write_nas(kAuthenticationResponse, true, step()) &&
              (*w)->write_nas(kProtectedAttachComplete, true, step(), link) &&
              (*w)->write_nas(kCipheredMessage, false, step(), link) &&
              (*w)->write_nas(kServiceRequest, true, step(), link) &&
              (*w)->write_nas(kPdnConnectivityRequest, true, step());
    if (!ok) _exit(2);
    raise(SIGKILL);
    _exit(3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;

  const std::string q = "'" + path.string() + "'";
  const auto rows = lines_of(run("tshark -r " + q +
                                 " -T fields -E separator=/t -e frame.protocols -e _ws.malformed"
                                 " -e _ws.expert.severity -e _ws.col.Source"
                                 " -e _ws.col.Destination -e _ws.col.Info 2>&1"));
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"exported_pdu:nas-eps", "Attach request"},
      {"exported_pdu:diameter", "Capabilities-Exchange Request"},
      {"exported_pdu:diameter", "Capabilities-Exchange Answer"},
      {"exported_pdu:nas-eps", "Authentication request"},
      {"exported_pdu:nas-eps", "Authentication response"},
      {"exported_pdu:nas-eps", "Attach complete"},
      {"exported_pdu:nas-eps", "Ciphered message"},
      {"exported_pdu:nas-eps", "Service request"},
      {"exported_pdu:nas-eps", "PDN connectivity request"}};
  ASSERT_EQ(rows.size(), expected.size()) << run("tshark -r " + q + " 2>&1");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto f = split_tabs(rows[i]);
    ASSERT_GE(f.size(), 6u) << rows[i];
    EXPECT_EQ(f[0], expected[i].first) << "frame " << i + 1;
    EXPECT_EQ(f[1], "") << "frame " << i + 1 << " malformed: " << rows[i];
    EXPECT_EQ(f[2], "") << "frame " << i + 1 << " has expert info: " << rows[i];
    EXPECT_NE(f[5].find(expected[i].second), std::string::npos)
        << "frame " << i + 1 << ": " << f[5];
  }
  // Addresses: the NAS link's, in the direction of the PDU; the Diameter peers'.
  EXPECT_EQ(split_tabs(rows[0])[3], "127.0.0.1");
  EXPECT_EQ(split_tabs(rows[0])[4], "127.0.0.2");
  EXPECT_EQ(split_tabs(rows[3])[3], "127.0.0.2");
  EXPECT_EQ(split_tabs(rows[1])[3], "192.0.2.20");
  EXPECT_EQ(split_tabs(rows[2])[3], "2001:db8::10");
  EXPECT_EQ(split_tabs(rows[4])[3], "");  // no link given

  const std::string verbose = run("tshark -r " + q + " -V 2>&1");
  for (const char* bad : {"Malformed", "Expert Info (Error", "Expert Info (Warning", "Exception",
                          "Dissector bug", "Extraneous"}) {
    EXPECT_EQ(verbose.find(bad), std::string::npos) << "tshark reported '" << bad << "':\n"
                                                    << verbose;
  }
  EXPECT_NE(verbose.find("Src Port: 40001"), std::string::npos) << verbose;
}

}  // namespace
}  // namespace kmebind::net
