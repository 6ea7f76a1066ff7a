// Interop check: the six messages as our codec puts them on the wire, dissected by tshark's
// Diameter dissector (Wireshark's own S6a dictionary, TGPP.xml). Nothing may be malformed or
// reported as an error, the standard AVPs must be known to Wireshark under the names we use,
// and Wireshark must name the S6a commands. Skipped when tshark is not installed.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "codec_fixture.h"
#include "tshark_support.h"

namespace kmebind::diameter {
namespace {

using namespace testing;
using namespace kmebind::diameter::test;

std::vector<Bytes> six_messages() {
  const S6aDictionary& d = dict();
  std::vector<Bytes> out;
  s6a::AuthenticationInformationRequest air;
  air.imsi = "001010123456789";
  air.visited_plmn_id = {0x00, 0xF1, 0x10};
  air.resync = s6a::ResyncInfo{pattern(16, 1), pattern(14, 2)};
  auto m = new_request(d.air);
  EXPECT_TRUE(append_request(d, air, m.get()));
  out.push_back(to_wire(m.get()));

  s6a::AuthenticationInformationAnswer aia;
  aia.vectors.push_back(
      s6a::EutranVector{pattern(16, 1), pattern(8, 2), pattern(16, 3), SecretBytes(pattern(32, 4))});
  aia.binding = s6a::BindingRequirement::kKmeRequired;
  m = new_answer(d.air);
  EXPECT_TRUE(append_answer(d, aia, m.get()));
  out.push_back(to_wire(m.get()));

  s6a::UpdateLocationRequest ulr;
  ulr.imsi = "001010123456789";
  ulr.visited_plmn_id = {0x00, 0xF1, 0x10};
  ulr.terminal = s6a::TerminalInformation{"35693803564380", "01"};
  s6a::KmeConfirm c;
  c.procedure = s6a::KmeProcedure::kHiddenFromCnn;
  c.kme_version = 2;
  c.cookie = pattern(93, 5);
  c.signature_algorithm = 1;
  c.signature = pattern(64, 6);
  ulr.kme_confirm = std::move(c);
  m = new_request(d.ulr);
  EXPECT_TRUE(append_request(d, ulr, m.get()));
  out.push_back(to_wire(m.get()));

  s6a::UpdateLocationAnswer ula;
  ula.msisdn = "4915123456789";
  ula.kme_version_stored = 2;
  m = new_answer(d.ulr);
  EXPECT_TRUE(append_answer(d, ula, m.get()));
  out.push_back(to_wire(m.get()));

  m = new_request(d.kmr);
  EXPECT_TRUE(append_request(d, s6a::KmeRequest{"001010123456789", "35693803564380", 3}, m.get()));
  out.push_back(to_wire(m.get()));

  s6a::KmeAnswer kma{s6a::kErrorBindingViolation, {}};
  m = new_answer(d.kmr);
  EXPECT_TRUE(append_answer(d, kma, m.get()));
  out.push_back(to_wire(m.get()));
  return out;
}

TEST(Wireshark, DissectsAllSixMessagesWithoutErrors) {
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark not installed";
  in_child([] {
    auto dir = std::filesystem::temp_directory_path() / ("kmebind-diam-ws-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    auto pcap = dir / "s6a.pcap";
    write_pcap(pcap, six_messages());
    std::string verbose = tshark(pcap, "-V");
    for (const char* bad : {"Malformed", "Expert Info (Error", "Exception", "Dissector bug"}) {
      EXPECT_EQ(verbose.find(bad), std::string::npos) << "tshark reported '" << bad << "':\n" << verbose;
    }
    // Wireshark knows the standard AVPs, with the values we meant.
    for (const char* known :
         {"User-Name: 001010123456789", "Visited-PLMN-Id", "Re-Synchronization-Info", "RAND:",
          "KASME:", "IMEI: 35693803564380", "Software-Version: 01", "ULR-Flags", "RAT-Type: EUTRAN",
          "MSISDN", "Subscriber-Status: SERVICE_GRANTED", "Network-Access-Mode: ONLY_PACKET",
          "Experimental-Result-Code: 5901", "Vendor-Id: 32473", "Auth-Session-State: NO_STATE_MAINTAINED"}) {
      EXPECT_NE(verbose.find(known), std::string::npos) << "missing '" << known << "':\n" << verbose;
    }
    std::string info = tshark(pcap, "-T fields -e diameter.cmd.code -e diameter.flags.request -e diameter.applicationId");
    EXPECT_NE(info.find("318\t1\t16777251"), std::string::npos) << info;
    EXPECT_NE(info.find("318\t0\t16777251"), std::string::npos) << info;
    EXPECT_NE(info.find("316\t1\t16777251"), std::string::npos) << info;
    EXPECT_NE(info.find("316\t0\t16777251"), std::string::npos) << info;
    EXPECT_NE(info.find("16777214\t1\t16777251"), std::string::npos) << info;
    if (std::getenv("KMEBIND_DIAMETER_TEST_LOGS")) std::fputs(verbose.c_str(), stderr);
    std::filesystem::remove_all(dir);
  }, 60);
}

}  // namespace
}  // namespace kmebind::diameter
