// The Wireshark dictionary fragment for kmebind's S6a extension (diameter/wireshark_dictionary.h)
// and its installer (scripts/wireshark-dictionary.sh): the fragment lists every kmebind AVP that
// freeDiameter's dictionary holds, and tshark, given the fragment, names and decodes every kmebind
// AVP and the KME command with no "Unknown AVP", malformed or error report. The tshark tests are
// skipped when tshark is not installed.
#include "diameter/wireshark_dictionary.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "codec_fixture.h"
#include "diameter/fd_include.h"
#include "six_s6a_messages.h"
#include "tshark_support.h"

namespace kmebind::diameter {
namespace {

using namespace testing;
namespace fs = std::filesystem;

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WiresharkDictionary, ListsEveryKmebindAvpOfTheFreeDiameterDictionary) {
  auto xml = wireshark_dictionary_xml(kDefaultKmeCommandCode);
  ASSERT_TRUE(xml) << xml.error().message();
  // Every AVP of vendor 32473 that freeDiameter's dictionary holds, found by code, with its type.
  int found = 0;
  for (std::uint32_t code = 1; code < 256; ++code) {
    dict_avp_request request{s6a::kVendorKmebind, code, nullptr};
    dict_object* model = nullptr;
    if (fd_dict_search(dict().dict, DICT_AVP, AVP_BY_CODE_AND_VENDOR, &request, &model, ENOENT) !=
            0 ||
        model == nullptr) {
      continue;
    }
    dict_avp_data data{};
    ASSERT_EQ(fd_dict_getval(model, &data), 0);
    ++found;
    const std::string head = std::string("<avp name=\"") + data.avp_name + "\" code=\"" +
                             std::to_string(code) +
                             "\" vendor-id=\"kmebind\" mandatory=\"mustnot\"";
    const auto at = xml->find(head);
    ASSERT_NE(at, std::string::npos) << "missing " << head << "\n" << *xml;
    const std::string body = xml->substr(at, xml->find("</avp>", at) - at);
    switch (data.avp_basetype) {
      case AVP_TYPE_GROUPED:
        EXPECT_NE(body.find("<grouped>"), std::string::npos) << body;
        break;
      case AVP_TYPE_UNSIGNED32:
        EXPECT_NE(body.find("type-name=\"Unsigned32\""), std::string::npos) << body;
        break;
      case AVP_TYPE_INTEGER32:  // every kmebind Integer32 is Enumerated, with its values
        EXPECT_NE(body.find("type-name=\"Enumerated\""), std::string::npos) << body;
        EXPECT_NE(body.find("<enum "), std::string::npos) << body;
        break;
      case AVP_TYPE_OCTETSTRING:
        EXPECT_NE(body.find("type-name=\"OctetString\""), std::string::npos) << body;
        break;
      default:
        ADD_FAILURE() << data.avp_name << ": unexpected base type";
    }
  }
  EXPECT_EQ(found, 21);
  EXPECT_EQ(count_of(*xml, "<avp name="), found) << "the fragment lists AVPs freeDiameter lacks";
  EXPECT_NE(xml->find("<command name=\"KME\" code=\"16777214\""), std::string::npos) << *xml;
  EXPECT_NE(xml->find("<application id=\"16777251\""), std::string::npos) << *xml;
  EXPECT_NE(xml->find("<vendor vendor-id=\"kmebind\" code=\"32473\""), std::string::npos);
}

TEST(WiresharkDictionary, NamesTheConfiguredKmeCommandCode) {
  auto xml = wireshark_dictionary_xml(16777215);
  ASSERT_TRUE(xml) << xml.error().message();
  EXPECT_NE(xml->find("<command name=\"KME\" code=\"16777215\""), std::string::npos) << *xml;
  EXPECT_EQ(xml->find("16777214"), std::string::npos) << *xml;
}

TEST(WiresharkDictionary, RefusesACommandCodeThatIsNotFree) {
  for (std::uint32_t code : {0u, 257u, 316u, 318u, 1u << 24}) {
    auto xml = wireshark_dictionary_xml(code);
    ASSERT_FALSE(xml) << code;
    EXPECT_EQ(xml.error().code(), Code::kInvalidArgument);
    EXPECT_NE(xml.error().message().find(std::to_string(code)), std::string::npos)
        << xml.error().message();
  }
}

// Messages that between them carry all 21 kmebind AVPs: the six of the interop test (KME-Binding-
// Requirement, a procedure-2 KME-Confirm, KME-Stored-Version, KME-Supported-Procedures),
// KME-Answers with each action, a ULR with a KME-Device-Proof, and an AIA with KME-Prefetch.
std::vector<Bytes> kmebind_messages() {
  const S6aDictionary& d = dict();
  std::vector<Bytes> out = six_s6a_messages();
  auto answer = [&](const s6a::KmeAnswer& kma) {
    auto m = new_answer(d.kmr);
    EXPECT_TRUE(append_answer(d, kma, m.get()));
    out.push_back(to_wire(m.get()));
  };
  s6a::KmeProvisioning p1{s6a::KmeProcedure::kSharedWithCnn, 1,  1, pattern(80, 7),
                          SecretBytes(pattern(32, 8)),       {}, {}};
  answer(s6a::KmeAnswer{s6a::kSuccess, std::move(p1)});
  s6a::KmeProvisioning p2{s6a::KmeProcedure::kHiddenFromCnn,
                          2,
                          2,
                          pattern(81, 9),
                          SecretBytes(),
                          pattern(93, 10),
                          pattern(16, 11)};
  answer(s6a::KmeAnswer{s6a::kSuccess, std::move(p2)});
  answer(s6a::KmeAnswer{
      s6a::kSuccess, s6a::DeviceChallenge{3, pattern(16, 12), pattern(16, 13), pattern(61, 14)}});

  s6a::UpdateLocationRequest ulr;
  ulr.imsi = "001010123456789";
  ulr.visited_plmn_id = {0x00, 0xF1, 0x10};
  ulr.device_proof = s6a::DeviceProof{3, pattern(61, 14), pattern(16, 15)};
  auto m = new_request(d.ulr);
  EXPECT_TRUE(append_request(d, ulr, m.get()));
  out.push_back(to_wire(m.get()));

  s6a::AuthenticationInformationAnswer aia;
  aia.vectors.push_back(s6a::EutranVector{pattern(16, 1), pattern(8, 2), pattern(16, 3),
                                          SecretBytes(pattern(32, 4))});
  aia.binding = s6a::BindingRequirement::kKmeRequired;
  aia.kme_prefetch = std::make_shared<s6a::KmePrefetch>(
      s6a::KmePrefetch{"35693803564380",
                       s6a::DeviceChallenge{3, pattern(16, 12), pattern(16, 13), pattern(61, 14)}});
  m = new_answer(d.air);
  EXPECT_TRUE(append_answer(d, aia, m.get()));
  out.push_back(to_wire(m.get()));
  return out;
}

// A directory every user may read (tshark may run as nobody, below).
fs::path shared_temp_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / (name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0755);
  return dir;
}

fs::path script() {
  return fs::path(KMEBIND_TEST_VECTORS_DIR).parent_path().parent_path() / "scripts" /
         "wireshark-dictionary.sh";
}

// tshark with `data_dir` as its data directory. Wireshark ignores WIRESHARK_DATA_DIR for root,
// so as root tshark runs as nobody. Empty when that is not possible.
std::string tshark_prefix(const fs::path& data_dir) {
  std::string env = "env WIRESHARK_DATA_DIR='" + data_dir.string() + "' HOME=/tmp ";
  if (::geteuid() != 0) return env;
  if (std::system("command -v runuser >/dev/null 2>&1 && id nobody >/dev/null 2>&1") != 0)
    return {};
  return "runuser -u nobody -- " + env;
}

// What a reader of the capture must see: every kmebind AVP by name, values decoded.
void expect_kmebind_decoded(const std::string& verbose) {
  for (const char* bad : {"Unknown AVP", "Malformed", "Expert Info (Error", "Exception",
                          "Dissector bug", "Unknown Request", "Unknown Answer"}) {
    EXPECT_EQ(verbose.find(bad), std::string::npos) << "tshark reported '" << bad << "':\n"
                                                    << verbose;
  }
  for (const char* known : {"AVP: KME-Binding-Requirement(1)",
                            "AVP: KME-Supported-Procedures(2)",
                            "AVP: KME-Procedure(3)",
                            "AVP: KME-Version(4)",
                            "AVP: KME-ECIES-Profile(5)",
                            "AVP: KME-Encrypted-Payload(6)",
                            "AVP: KME(7)",
                            "AVP: KME-Cookie(8)",
                            "AVP: KME-XRsp(9)",
                            "AVP: KME-Nonce(10)",
                            "AVP: KME-Signature-Algorithm(11)",
                            "AVP: KME-Signature(12)",
                            "AVP: KME-Provisioning(13)",
                            "AVP: KME-Device-Challenge(14)",
                            "AVP: KME-Confirm(15)",
                            "AVP: KME-Stored-Version(16)",
                            "AVP: KME-Challenge-Token(17)",
                            "AVP: KME-Rsp(18)",
                            "AVP: KME-Device-Proof(19)",
                            "AVP: KME-HXRsp(20)",
                            "AVP: KME-Prefetch(21)",
                            "KME-Binding-Requirement: KME_REQUIRED (2)",
                            "KME-Procedure: SHARED_WITH_CNN (1)",
                            "KME-Procedure: HIDDEN_FROM_CNN (2)",
                            "KME-ECIES-Profile: PROFILE_B (2)",
                            "KME-Signature-Algorithm: ED25519 (1)",
                            "KME-Stored-Version: 2",
                            "KME-Supported-Procedures: 3",
                            "KME-Nonce: 0c0d0e0f",
                            "Command Code: KME (16777214)"}) {
    EXPECT_NE(verbose.find(known), std::string::npos) << "missing '" << known << "':\n" << verbose;
  }
}

bool have_tshark() {
  return std::system("command -v tshark >/dev/null 2>&1") == 0;
}

TEST(WiresharkDictionary, TsharkWithTheOverlayNamesEveryKmebindAvpAndTheKmeCommand) {
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed";
  in_child(
      [] {
        const fs::path dir = shared_temp_dir("kmebind-ws-overlay");
        const fs::path pcap = dir / "kme.pcap";
        write_pcap(pcap, kmebind_messages());
        ::chmod(pcap.c_str(), 0644);
        const std::string prefix = tshark_prefix(dir / "data");
        if (prefix.empty()) {
          fs::remove_all(dir);
          GTEST_SKIP() << "root, and no runuser/nobody to run tshark as another user";
        }
        // Without the fragment tshark does not know them: the check below can fail.
        EXPECT_NE(tshark(pcap, "-V").find("Unknown AVP"), std::string::npos);
        const std::string out =
            run("'" + script().string() + "' overlay '" + (dir / "data").string() +
                "' --kmebind '" KMEBIND_BINARY "' 2>&1; echo \"exit=$?\"");
        ASSERT_NE(out.find("exit=0"), std::string::npos) << out;
        EXPECT_NE(out.find("export WIRESHARK_DATA_DIR=" + (dir / "data").string()),
                  std::string::npos)
            << out;
        expect_kmebind_decoded(tshark(pcap, "-V", prefix));
        fs::remove_all(dir);
      },
      120);
}

TEST(WiresharkDictionary, InstallIsRepeatableAndUninstallRestoresCustomXml) {
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed";
  in_child(
      [] {
        const fs::path dir = shared_temp_dir("kmebind-ws-install");
        const fs::path data = dir / "data";  // a copy standing in for /usr/share/wireshark
        fs::copy("/usr/share/wireshark", data, fs::copy_options::recursive);
        std::system(("chmod -R a+rX '" + data.string() + "'").c_str());
        const fs::path custom = data / "diameter" / "Custom.xml";
        const std::string original = read_file(custom);
        const std::string install = "'" + script().string() + "' install --data-dir '" +
                                    data.string() + "' --kmebind '" KMEBIND_BINARY "'";
        for (int i = 0; i < 2; ++i) {
          const std::string out = run(install + " 2>&1; echo \"exit=$?\"");
          ASSERT_NE(out.find("exit=0"), std::string::npos) << out;
        }
        const std::string installed = read_file(custom);
        EXPECT_EQ(count_of(installed, "<!-- kmebind begin"), 1) << installed;
        EXPECT_EQ(installed.find(original), 0u) << "what was in Custom.xml must stay";
        const fs::path pcap = dir / "kme.pcap";
        write_pcap(pcap, kmebind_messages());
        ::chmod(pcap.c_str(), 0644);
        const std::string prefix = tshark_prefix(data);
        if (!prefix.empty()) expect_kmebind_decoded(tshark(pcap, "-V", prefix));

        const std::string out = run("'" + script().string() + "' uninstall --data-dir '" +
                                    data.string() + "' 2>&1; echo \"exit=$?\"");
        ASSERT_NE(out.find("exit=0"), std::string::npos) << out;
        EXPECT_EQ(read_file(custom), original);
        fs::remove_all(dir);
      },
      120);
}

TEST(WiresharkDictionary, ScriptRefusesBadArgumentsAndAWiresharkThatWouldNotReadTheFragment) {
  const fs::path dir = shared_temp_dir("kmebind-ws-bad");
  std::string out =
      run("'" + script().string() + "' overlay '" + (dir / "o").string() +
          "' --kme-command-code 318 --kmebind '" KMEBIND_BINARY "' 2>&1; echo \"exit=$?\"");
  EXPECT_NE(out.find("exit=2"), std::string::npos) << out;
  EXPECT_NE(out.find("KME command code 318"), std::string::npos) << out;
  out = run("'" + script().string() + "' install --data-dir '" + (dir / "none").string() +
            "' --kmebind '" KMEBIND_BINARY "' 2>&1; echo \"exit=$?\"");
  EXPECT_NE(out.find("exit=1"), std::string::npos) << out;
  EXPECT_NE(out.find("dictionary.xml not found"), std::string::npos) << out;
  out = run("'" + script().string() + "' frobnicate 2>&1; echo \"exit=$?\"");
  EXPECT_NE(out.find("exit=2"), std::string::npos) << out;
  // A Wireshark whose dictionary.xml does not include Custom.xml would never read the fragment.
  const fs::path other = dir / "other";
  fs::create_directories(other / "diameter");
  std::ofstream(other / "diameter" / "dictionary.xml") << "<dictionary></dictionary>\n";
  out = run("'" + script().string() + "' install --data-dir '" + other.string() +
            "' --kmebind '" KMEBIND_BINARY "' 2>&1; echo \"exit=$?\"");
  EXPECT_NE(out.find("exit=1"), std::string::npos) << out;
  EXPECT_NE(out.find("does not include Custom.xml"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(other / "diameter" / "Custom.xml")) << "nothing may be written";
  fs::remove_all(dir);
}

// Root's umask may be 077: a Custom.xml written 0600 would be unreadable to every other user, whose
// Wireshark then reports "Could not open file: 'Custom.xml'" and knows no kmebind AVP.
TEST(WiresharkDictionary, InstallAndUninstallLeaveCustomXmlReadableByEveryoneUnderUmask077) {
  const fs::path dir = shared_temp_dir("kmebind-ws-umask");
  const fs::path data = dir / "data";
  fs::create_directories(data / "diameter");
  {
    std::ofstream(data / "diameter" / "dictionary.xml") << "<dictionary>&Custom;</dictionary>\n";
    std::ofstream(data / "diameter" / "Custom.xml") << "<!-- site additions -->\n";
  }
  ::chmod((data / "diameter" / "Custom.xml").c_str(), 0644);
  const fs::path custom = data / "diameter" / "Custom.xml";
  auto mode = [&] {
    struct stat st {};
    return ::stat(custom.c_str(), &st) == 0 ? st.st_mode & 0777 : 0u;
  };
  for (const char* action : {"install", "uninstall"}) {
    const std::string out = run("umask 077; '" + script().string() + "' " + action +
                                " --data-dir '" + data.string() + "' --kmebind '" KMEBIND_BINARY
                                "' 2>&1; echo \"exit=$?\"");
    ASSERT_NE(out.find("exit=0"), std::string::npos) << out;
    EXPECT_EQ(mode() & 0444u, 0444u) << action << ": Custom.xml mode " << std::oct << mode();
  }
  fs::remove_all(dir);
}

// The overlay links over entries named as the data directory's (cfilters, colorfilters, dfilters,
// ...): given a directory that holds other things — a personal configuration directory, say —
// it changes nothing and says so; a new directory, or one it made before, is fine.
TEST(WiresharkDictionary, OverlayRefusesADirectoryItDidNotMake) {
  if (!fs::exists("/usr/share/wireshark/diameter/dictionary.xml"))
    GTEST_SKIP() << "no Wireshark data directory";
  const fs::path dir = shared_temp_dir("kmebind-ws-mine");
  const fs::path mine = dir / "personal";
  fs::create_directories(mine);
  std::ofstream(mine / "colorfilters") << "@my filter@tcp@[0,0,0][65535,0,0]\n";
  const std::string overlay = "'" + script().string() + "' overlay '";
  std::string out = run(overlay + mine.string() + "' --kmebind '" KMEBIND_BINARY
                        "' 2>&1; echo \"exit=$?\"");
  EXPECT_NE(out.find("exit=1"), std::string::npos) << out;
  EXPECT_NE(out.find("not an overlay made by this script"), std::string::npos) << out;
  EXPECT_FALSE(fs::is_symlink(mine / "colorfilters"));
  EXPECT_EQ(read_file(mine / "colorfilters"), "@my filter@tcp@[0,0,0][65535,0,0]\n");
  EXPECT_FALSE(fs::exists(mine / "diameter"));

  const fs::path fresh = dir / "with space" / "overlay";
  for (int i = 0; i < 2; ++i) {  // made, then made again over itself
    out = run(overlay + fresh.string() + "' --kmebind '" KMEBIND_BINARY
              "' 2>&1; echo \"exit=$?\"");
    ASSERT_NE(out.find("exit=0"), std::string::npos) << out;
  }
  // The line to paste is quoted for the shell (the path has a space).
  EXPECT_NE(out.find("export WIRESHARK_DATA_DIR=" + (dir / "with\\ space" / "overlay").string()),
            std::string::npos)
      << out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kmebind::diameter
