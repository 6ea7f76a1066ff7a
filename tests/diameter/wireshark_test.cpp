// Interop check: the six messages as our codec puts them on the wire, dissected by tshark's
// Diameter dissector (Wireshark's own S6a dictionary, TGPP.xml). Nothing may be malformed or
// reported as an error, the standard AVPs must be known to Wireshark under the names we use,
// and Wireshark must name the S6a commands. Skipped when tshark is not installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "codec_fixture.h"
#include "six_s6a_messages.h"
#include "tshark_support.h"

namespace kmebind::diameter {
namespace {

using namespace testing;

TEST(Wireshark, DissectsAllSixMessagesWithoutErrors) {
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark not installed";
  in_child(
      [] {
        auto dir = std::filesystem::temp_directory_path() /
                   ("kmebind-diam-ws-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir);
        auto pcap = dir / "s6a.pcap";
        write_pcap(pcap, six_s6a_messages());
        std::string verbose = tshark(pcap, "-V");
        for (const char* bad : {"Malformed", "Expert Info (Error", "Exception", "Dissector bug"}) {
          EXPECT_EQ(verbose.find(bad), std::string::npos) << "tshark reported '" << bad << "':\n"
                                                          << verbose;
        }
        // Wireshark knows the standard AVPs, with the values we meant.
        for (const char* known :
             {"User-Name: 001010123456789", "Visited-PLMN-Id", "Re-Synchronization-Info",
              "RAND:", "KASME:", "IMEI: 35693803564380", "Software-Version: 01", "ULR-Flags",
              "RAT-Type: EUTRAN", "MSISDN", "Subscriber-Status: SERVICE_GRANTED",
              "Network-Access-Mode: ONLY_PACKET", "Experimental-Result-Code: 5901",
              "Vendor-Id: 32473", "Auth-Session-State: NO_STATE_MAINTAINED"}) {
          EXPECT_NE(verbose.find(known), std::string::npos) << "missing '" << known << "':\n"
                                                            << verbose;
        }
        std::string info = tshark(
            pcap,
            "-T fields -e diameter.cmd.code -e diameter.flags.request -e diameter.applicationId");
        EXPECT_NE(info.find("318\t1\t16777251"), std::string::npos) << info;
        EXPECT_NE(info.find("318\t0\t16777251"), std::string::npos) << info;
        EXPECT_NE(info.find("316\t1\t16777251"), std::string::npos) << info;
        EXPECT_NE(info.find("316\t0\t16777251"), std::string::npos) << info;
        EXPECT_NE(info.find("16777214\t1\t16777251"), std::string::npos) << info;
        if (std::getenv("KMEBIND_DIAMETER_TEST_LOGS")) std::fputs(verbose.c_str(), stderr);
        std::filesystem::remove_all(dir);
      },
      60);
}

}  // namespace
}  // namespace kmebind::diameter
