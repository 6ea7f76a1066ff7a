// `kmebind demo` end to end with real processes (issue "network" §4, §5; docs/demo.md): hss and
// cnn as child processes over mutual TLS on loopback, the sim in the demo process; the counts of
// its JSON report, the clean-up, and the pcap of the cnn decoded by tshark.
#include <dirent.h>

#include "network_harness.h"

namespace kmebind::test {
namespace {

// Processes whose command line mentions `needle` (daemons left behind).
std::vector<std::string> processes_mentioning(const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = slurp(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (contains(cmdline, needle)) found.push_back(name + ": " + cmdline);
  }
  return found;
}

TEST(NetworkDemo, RunsBothProceduresThroughTheDaemonsAndCountsEveryOutcome) {
  TempDir tmp;
  // TMPDIR: the demo's working directory goes under the test directory, so that what it leaves
  // behind (files, processes whose command line names it) can be checked.
  CliResult r = run_kmebind(tmp.path(), "demo", demo_args({"--ues", "20", "--json"}),
                            std::chrono::seconds(90), {"TMPDIR=" + tmp.path().string()});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  // 20 devices, even ones procedure 1 and odd ones procedure 2; later attach of all 20 with
  // device authentication; devices 0, 4, 8, 12, 16 (procedure 1) re-provisioned after kme renew;
  // max(2, 20/10) = 2 binding violations.
  EXPECT_EQ((*j)["ues"], 20);
  EXPECT_EQ((*j)["attached"], 20 + 20 + 5);
  EXPECT_EQ((*j)["rejected"], 2);
  EXPECT_EQ((*j)["kme_provisioned_procedure1"], 10 + 5);
  EXPECT_EQ((*j)["kme_provisioned_procedure2"], 10);
  EXPECT_EQ((*j)["device_authenticated"], 20);
  EXPECT_EQ((*j)["binding_violations_rejected"], 2);
  EXPECT_EQ((*j)["errors"], 0);
  for (const char* key :
       {"ues", "attached", "rejected", "kme_provisioned_procedure1", "kme_provisioned_procedure2",
        "device_authenticated", "binding_violations_rejected", "errors"}) {
    EXPECT_TRUE((*j)[key].is_number_integer()) << key;
  }
  EXPECT_GT((*j)["procedures_per_second"].get<double>(), 0.0);
  EXPECT_GT((*j)["latency_ms_p99"].get<double>(), 0.0);
  EXPECT_FALSE(j->contains("work_dir"));

  // Without --keep nothing is left: no working directory, no daemon.
  for (const auto& entry : fs::directory_iterator(tmp.path())) {
    EXPECT_FALSE(entry.path().filename().string().starts_with("kmebind-demo-")) << entry.path();
  }
  EXPECT_TRUE(processes_mentioning(tmp.path().string() + "/kmebind-demo-").empty());
}

TEST(NetworkDemo, KeepLeavesTheWorkingDirectoryWithSecretsProtected) {
  TempDir tmp;
  CliResult r = run_kmebind(tmp.path(), "demo",
                            demo_args({"--ues", "4", "--violations", "2", "--json", "--keep"}),
                            std::chrono::seconds(60), {"TMPDIR=" + tmp.path().string()});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  ASSERT_TRUE(j->contains("work_dir"));
  const fs::path dir = (*j)["work_dir"].get<std::string>();
  EXPECT_EQ(dir.parent_path(), tmp.path());
  for (const char* name : {"ca.pem", "hss.pem", "cnn.pem", "kmebind.db", "hss.yaml", "cnn.yaml",
                           "sim.yaml", "hss.log", "cnn.log"}) {
    EXPECT_TRUE(fs::exists(dir / name)) << name;
  }
  for (const char* secret :
       {"kmebind.key", "cookie-1.key", "devices.json", "ca.key", "hss.key", "cnn.key"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir / secret).c_str(), &st), 0) << secret;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << secret;
  }
  // The daemons stopped on SIGTERM and said so in their logs.
  EXPECT_TRUE(processes_mentioning(dir.string()).empty());
}

TEST(NetworkDemo, InProcessScenarioStaysAvailable) {
  TempDir tmp;
  CliResult r = run_kmebind(tmp.path(), "demo", {"demo", "--in-process", "--ues", "8", "--json"},
                            std::chrono::seconds(60), {"TMPDIR=" + tmp.path().string()});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ((*j)["ues"], 8);
  EXPECT_EQ((*j)["errors"], 0);
  EXPECT_EQ((*j)["device_authenticated"], 8);
}

TEST(NetworkDemo, BadArgumentsAreUsageErrors) {
  TempDir tmp;
  EXPECT_EQ(run_kmebind(tmp.path(), "a", {"demo", "--ues", "0"}).code, 2);
  EXPECT_EQ(run_kmebind(tmp.path(), "b", {"demo", "--in-process", "--pcap", "x.pcap"}).code, 2);
}

// tshark fields of every packet: one line per frame, "<malformed>\t<protocols>\t<info>".
std::vector<std::string> tshark_lines(const fs::path& dir, const fs::path& pcap,
                                      const std::string& extra) {
  const fs::path out = dir / "tshark.out";
  // nas-eps.null_decipher is on by default (Wireshark 4.0): it then reads an EEA2-ciphered
  // message whose first octet happens to look like a protocol discriminator as a plain one, and
  // some of those come out malformed. Ciphered NAS is not decodable; say so.
  const std::string cmd =
      "tshark -o nas-eps.null_decipher:FALSE -r '" + pcap.string() +
      "' -T fields -E separator=/t -e _ws.malformed -e frame.protocols -e _ws.col.Info " + extra +
      " > '" + out.string() + "' 2>/dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::vector<std::string> lines;
  std::istringstream in(slurp(out));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(NetworkDemo, PcapOfTheCnnDecodesInTsharkWithoutMalformedPackets) {
  if (!have_program("tshark"))
    GTEST_SKIP() << "tshark not installed (scripts/setup.sh installs it)";
  TempDir tmp;
  const fs::path pcap = tmp / "demo.pcap";
  CliResult r =
      run_kmebind(tmp.path(), "demo", demo_args({"--ues", "6", "--json", "--pcap", pcap.string()}),
                  std::chrono::seconds(60), {"TMPDIR=" + tmp.path().string()});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto lines = tshark_lines(tmp.path(), pcap, "");
  // 6 first attaches, 6 later, 2 re-provisionings, 2 violations: far more than 100 NAS PDUs.
  ASSERT_GT(lines.size(), 100u);
  std::size_t attach_requests = 0, authentication_requests = 0, authentication_responses = 0,
              security_mode_commands = 0, ciphered = 0;
  for (const std::string& line : lines) {
    EXPECT_TRUE(line.starts_with("\t")) << "malformed: " << line;
    EXPECT_TRUE(contains(line, "exported_pdu:nas-eps") || contains(line, "exported_pdu:diameter"))
        << line;
    if (contains(line, "Attach request")) ++attach_requests;
    if (contains(line, "Authentication request")) ++authentication_requests;
    if (contains(line, "Authentication response")) ++authentication_responses;
    if (contains(line, "Security mode command")) ++security_mode_commands;
    if (contains(line, "Ciphered message")) ++ciphered;
  }
  const std::size_t attaches = 6 + 6 + 2 + 2;
  EXPECT_EQ(attach_requests, attaches);
  EXPECT_EQ(authentication_requests, attaches);
  EXPECT_EQ(authentication_responses, attaches);
  EXPECT_EQ(security_mode_commands, attaches);
  EXPECT_GT(ciphered, attaches);  // Security mode complete onwards is ciphered (EEA2)
}

TEST(NetworkDemo, PcapOfTheCnnNamesTheDiameterCommands) {
  if (!have_program("tshark"))
    GTEST_SKIP() << "tshark not installed (scripts/setup.sh installs it)";
  TempDir tmp;
  const fs::path pcap = tmp / "demo.pcap";
  CliResult r =
      run_kmebind(tmp.path(), "demo",
                  demo_args({"--ues", "2", "--violations", "2", "--json", "--pcap", pcap.string()}),
                  std::chrono::seconds(60), {"TMPDIR=" + tmp.path().string()});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto diameter =
      tshark_lines(tmp.path(), pcap, "-Y diameter -e diameter.cmd.code -e diameter.flags.request");
  // docs/daemons.md §4: the cnn's Diameter message tap writes every S6a message it sends and
  // receives (CER/CEA and DWR/DWA included).
  ASSERT_FALSE(diameter.empty()) << "the cnn's capture holds no Diameter message";
  std::size_t air = 0, aia = 0, ulr = 0, ula = 0, kme = 0;
  for (const std::string& line : diameter) {
    EXPECT_TRUE(line.starts_with("\t")) << "malformed: " << line;
    if (contains(line, "\t318\t1")) ++air;
    if (contains(line, "\t318\t0")) ++aia;
    if (contains(line, "\t316\t1")) ++ulr;
    if (contains(line, "\t316\t0")) ++ula;
    if (contains(line, "\t16777214\t")) ++kme;
  }
  EXPECT_GE(air, 4u);
  EXPECT_EQ(air, aia);
  EXPECT_GE(ulr, 4u);
  EXPECT_EQ(ulr, ula);
  EXPECT_GE(kme, 1u) << "no KME-Request/Answer in the capture";

  // The tap blanks KASME (and KME) values: every KASME Wireshark finds is present but all zeros.
  const auto kasme = tshark_lines(tmp.path(), pcap, "-Y diameter.KASME -e diameter.KASME");
  ASSERT_GE(kasme.size(), 4u) << "no KASME AVP decoded in the AIAs";
  for (const std::string& line : kasme) {
    const std::string value = line.substr(line.rfind('\t') + 1);
    EXPECT_FALSE(value.empty()) << line;
    EXPECT_EQ(value.find_first_not_of("0:,"), std::string::npos) << "KASME not blanked: " << line;
  }
}

}  // namespace
}  // namespace kmebind::test
