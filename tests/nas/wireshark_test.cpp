// Interop check: every reference PDU, the same messages security-protected, and every KME
// message inside Generic NAS Transport, written to a pcap and dissected by tshark (Wireshark's
// NAS-EPS dissector). Nothing may be reported malformed, with an error, or with extraneous
// octets, and Wireshark must name each message as we do. Skipped when tshark is not installed
// (Debian package "tshark").
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "nas/kme_messages.h"
#include "nas/security_context.h"
#include "nas_test_util.h"

namespace kmebind::nas::test {
namespace {

constexpr std::uint32_t kDltUser0 = 147;

// Classic pcap (not pcapng), one record per PDU, DLT USER0; tshark maps it to a dissector.
void write_pcap(const std::filesystem::path& path, const std::vector<Bytes>& pdus) {
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&](std::uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](std::uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  u32(0xa1b2c3d4);
  u16(2);
  u16(4);
  u32(0);
  u32(0);
  u32(65535);
  u32(kDltUser0);
  std::uint32_t t = 0;
  for (const Bytes& p : pdus) {
    u32(++t);
    u32(0);
    u32(static_cast<std::uint32_t>(p.size()));
    u32(static_cast<std::uint32_t>(p.size()));
    out.write(reinterpret_cast<const char*>(p.data()), static_cast<std::streamsize>(p.size()));
  }
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

// `null_decipher`: let Wireshark dissect messages of header type 2/4 as if EEA0 was used.
std::string tshark(const std::filesystem::path& pcap, std::string_view dissector, std::string_view extra,
                   bool null_decipher = false) {
  return run("tshark -r '" + pcap.string() + "' -o 'uat:user_dlts:\"User 0 (DLT=147)\",\"" + std::string(dissector) +
             "\",\"0\",\"\",\"0\",\"\"' -o nas-eps.null_decipher:" + (null_decipher ? "TRUE " : "FALSE ") +
             std::string(extra) + " 2>&1");
}

void expect_clean(const std::string& verbose) {
  for (const char* bad : {"Malformed", "Expert Info (Error", "Extraneous", "Exception", "Dissector bug", "Expert Info (Warning"}) {
    EXPECT_EQ(verbose.find(bad), std::string::npos) << "tshark reported '" << bad << "':\n" << verbose;
  }
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    std::string line = s.substr(start, end - start);
    if (line.rfind("Running as user", 0) != 0 && !line.empty()) out.push_back(line);
    start = end + 1;
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class Wireshark : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark not installed";
    dir_ = std::filesystem::temp_directory_path() / ("kmebind-nas-ws-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

TEST_F(Wireshark, DissectsEveryPlainReferencePduWithoutErrors) {
  std::vector<Bytes> pdus;
  std::vector<std::string> names;
  for (const auto& r : reference_pdus()) {
    pdus.push_back(r.pdu);
    names.emplace_back(message_name(r.message));
  }
  const auto pcap = dir_ / "plain.pcap";
  write_pcap(pcap, pdus);
  expect_clean(tshark(pcap, "nas-eps_plain", "-V"));
  const auto info = lines(tshark(pcap, "nas-eps_plain", "-T fields -e _ws.col.Info"));
  ASSERT_EQ(info.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string ours = lower(names[i].substr(0, names[i].find(" (")));
    EXPECT_NE(lower(info[i]).find(ours), std::string::npos) << "frame " << i + 1 << ": Wireshark says '" << info[i]
                                                            << "', we say '" << names[i] << "'";
  }
}

TEST_F(Wireshark, DissectsProtectedPdusOfEveryHeaderType) {
  for (auto ciphering : {CipheringAlgorithm::kEea0, CipheringAlgorithm::kEea2}) {
    auto ctx = NasSecurityContext::create({ciphering, IntegrityAlgorithm::kEia2}, SecretBytes(Bytes(16, 1)),
                                          SecretBytes(Bytes(16, 2)));
    ASSERT_TRUE(ctx);
    std::vector<Bytes> pdus;
    for (const auto& r : reference_pdus()) {
      if ((r.pdu[0] & 0x0f) != 7) continue;  // ESM travels inside EMM containers
      for (auto type : {SecurityHeaderType::kIntegrityProtected, SecurityHeaderType::kIntegrityProtectedCiphered,
                        SecurityHeaderType::kIntegrityProtectedNewContext,
                        SecurityHeaderType::kIntegrityProtectedCipheredNewContext}) {
        auto p = ctx->protect(r.pdu, type, r.direction);
        ASSERT_TRUE(p);
        pdus.push_back(*p);
      }
    }
    const auto pcap = dir_ / ("protected-" + to_string(ciphering) + ".pcap");
    write_pcap(pcap, pdus);
    const bool null = ciphering == CipheringAlgorithm::kEea0;
    const std::string verbose = tshark(pcap, "nas-eps", "-V", null);
    expect_clean(verbose);
    EXPECT_NE(verbose.find("Message authentication code"), std::string::npos);
    // Every inner message is dissected: all of them with EEA0, the integrity-only ones with EEA2.
    EXPECT_NE(verbose.find("Security mode complete"), std::string::npos);
    EXPECT_NE(verbose.find("Attach request"), std::string::npos);
    if (!null) {
      EXPECT_NE(verbose.find("Ciphered message"), std::string::npos);
    }
  }
}

TEST_F(Wireshark, DissectsEveryKmeMessageInGenericNasTransport) {
  KmeProvisioningCommand cmd;
  cmd.ecies_scheme_output = Bytes(94, 0x5a);
  cmd.nonce = KmeNonce{};
  KmeProvisioningResponse rsp;
  rsp.signature_algorithm = SignatureAlgorithm::kEcdsaP256;
  rsp.signature = KmeSignature{};
  const std::vector<std::pair<KmeMessage, Direction>> messages = {
      {cmd, Direction::kDownlink},
      {rsp, Direction::kUplink},
      {KmeProvisioningReject{KmeProvisioningRejectCause::kDecryptionFailed, std::nullopt},
       Direction::kUplink},
      {KmeProvisioningReject{KmeProvisioningRejectCause::kVersionNotNewer, 7}, Direction::kUplink},
      {DeviceAuthenticationRequest{KmeNonce{}, 1}, Direction::kDownlink},
      {DeviceAuthenticationResponse{KmeRsp{}}, Direction::kUplink},
      {DeviceAuthenticationReject{DeviceAuthenticationRejectCause::kNoKme}, Direction::kUplink}};
  std::vector<Bytes> pdus;
  for (const auto& [m, dir] : messages) {
    auto container = encode_kme(m);
    ASSERT_TRUE(container);
    Result<Bytes> pdu = dir == Direction::kDownlink
                            ? encode_nas(DownlinkGenericNasTransport{GenericMessageContainerType::kKme, Octets{*container}, {}})
                            : encode_nas(UplinkGenericNasTransport{GenericMessageContainerType::kKme, Octets{*container}, {}});
    ASSERT_TRUE(pdu);
    pdus.push_back(*pdu);
  }
  const auto pcap = dir_ / "kme.pcap";
  write_pcap(pcap, pdus);
  const std::string verbose = tshark(pcap, "nas-eps_plain", "-V");
  expect_clean(verbose);
  EXPECT_NE(verbose.find("Container type: Reserved (129)"), std::string::npos) << verbose;
}

}  // namespace
}  // namespace kmebind::nas::test
