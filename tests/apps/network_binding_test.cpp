// Binding violations over real processes (TR 33.868 §5.4.4.2.1.3; DESIGN.md §6; issue "network"
// §7): a subscriber's UICC moved into another registered device (pair not on the binding list),
// and a device that clones an allowed IMEI without its keys. The CNN sends Attach reject with EMM
// cause #6 (Illegal ME); the simulated UE takes it off the wire — integrity checked and deciphered
// with the NAS keys of the attach (it is sent after Security mode complete, so it is protected
// with EEA2, and a capture shows it only as a ciphered message) — and the sim reports the cause
// it decoded. The store keeps no KME for the attackers' pairs, and the victims still attach.
#include "network_harness.h"

namespace kmebind::test {
namespace {

TEST(NetworkBinding, ViolationsAreRejectedWithIllegalMeOnTheWire) {
  TempDir tmp;
  const fs::path dir = tmp / "work";
  // devices 0, 1: normal; 2: UICC of device 0 moved into another device; 3: clone of device 1.
  ASSERT_TRUE(prepare_demo_dir(dir, 2, 2));
  const std::string devices = slurp(dir / "devices.json");
  ASSERT_TRUE(contains(devices, "\"role\":\"uicc-moved\"")) << devices.substr(0, 200);
  ASSERT_TRUE(contains(devices, "\"role\":\"cloned-imei\""));
  std::string sim_yaml = slurp(dir / "sim.yaml");
  sim_yaml += "pcap: {file: \"" + (dir / "sim.pcap").string() + "\"}\n";
  write_file(dir / "sim.yaml", sim_yaml);

  auto hss = start_daemon(dir, "hss", nullptr);
  ASSERT_TRUE(hss);
  auto cnn = start_daemon(dir, "cnn", nullptr);
  ASSERT_TRUE(cnn);

  CliResult r =
      run_kmebind(dir, "sim",
                  {"sim", "--config", (dir / "sim.yaml").string(), "--ues", "2", "--violations",
                   "2", "--json", "--quiet", "--outcomes", (dir / "outcomes.jsonl").string()},
                  std::chrono::seconds(60));
  ASSERT_EQ(r.code, 0) << r.out << r.err;  // 0: every outcome as expected
  auto report = parse_json(r.out);
  ASSERT_TRUE(report) << r.out;
  EXPECT_EQ((*report)["attached"], 2);
  EXPECT_EQ((*report)["binding_violations_rejected"], 2);
  EXPECT_EQ((*report)["failures"]["emm-cause-6"], 2) << report->dump();
  EXPECT_GT((*report)["pcap_records"].get<int>(), 0);

  const auto outcomes = read_outcomes(dir / "outcomes.jsonl");
  ASSERT_EQ(outcomes.size(), 4u);
  std::string victim_imei_moved, moved_imei;
  for (const auto& o : outcomes) {
    if (o["role"] == "normal") {
      EXPECT_EQ(o["outcome"], "attached") << o.dump();
      continue;
    }
    EXPECT_EQ(o["outcome"], "rejected") << o.dump();
    EXPECT_EQ(o["emm_cause"], 6) << o.dump();
    EXPECT_EQ(o["kme_version"], 0) << o.dump();
    if (o["role"] == "uicc-moved") moved_imei = o["imei"].get<std::string>().substr(0, 14);
  }
  ASSERT_FALSE(moved_imei.empty());

  // The sim's own capture (UE side) decodes: every attach's Attach request by name, no
  // malformed packet; the rejects themselves are ciphered (EEA2), see docs/demo.md §6.
  if (have_program("tshark")) {
    const fs::path fields = dir / "sim-pcap.txt";
    const std::string cmd = "tshark -o nas-eps.null_decipher:FALSE -r '" +
                            (dir / "sim.pcap").string() +
                            "' -T fields -E separator=/t -e _ws.malformed -e _ws.col.Info > '" +
                            fields.string() + "' 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    std::istringstream in(slurp(fields));
    std::size_t frames = 0, attach_requests = 0;
    for (std::string line; std::getline(in, line); ++frames) {
      EXPECT_TRUE(line.starts_with("\t")) << "malformed: " << line;
      if (contains(line, "Attach request")) ++attach_requests;
    }
    EXPECT_EQ(frames, (*report)["pcap_records"].get<std::size_t>());
    EXPECT_EQ(attach_requests, 4u);
  }

  // What each side decided, in its own words.
  const std::string hss_log = slurp(dir / "hss.log");
  EXPECT_TRUE(contains(hss_log, "KME_ERROR_BINDING_VIOLATION")) << hss_log;
  const std::string cnn_log = slurp(dir / "cnn.log");
  EXPECT_TRUE(contains(cnn_log, "binding-violation")) << cnn_log;
  EXPECT_TRUE(contains(cnn_log, "cause=#6")) << cnn_log;

  // The moved UICC's pair got no KME; only the two genuine pairs have one.
  hss->signal(SIGTERM);
  ASSERT_EQ(hss->wait(std::chrono::seconds(15)), 0);
  CliResult status = run_kmebind(dir, "status",
                                 {"admin", "--store", (dir / "kmebind.db").string(), "--key-file",
                                  (dir / "kmebind.key").string(), "kme", "status"});
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_FALSE(contains(status.out, moved_imei)) << status.out;
  std::size_t stored = 0;
  for (std::size_t at = 0; (at = status.out.find(" stored", at)) != std::string::npos; ++at)
    ++stored;
  EXPECT_EQ(stored, 2u) << status.out;
}

}  // namespace
}  // namespace kmebind::test
