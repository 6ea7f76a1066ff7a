// `kmebind admin generate` and `kmebind sim` as a user runs them (issue "network" §3;
// docs/demo.md §3-4): the device file and its protection, configuration errors, the rate, the
// report, and the device state a run leaves for the next one.
#include <functional>

#include "network_harness.h"

namespace kmebind::test {
namespace {

std::vector<std::string> admin(const fs::path& dir, std::vector<std::string> args) {
  std::vector<std::string> all{"admin", "--store", (dir / "kmebind.db").string(), "--key-file",
                               (dir / "kmebind.key").string()};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

TEST(NetworkSim, AdminGenerateWritesStoreRowsAndAProtectedDeviceFile) {
  TempDir tmp;
  ASSERT_EQ(run_kmebind(tmp.path(), "init", admin(tmp.path(), {"init"})).code, 0);
  const fs::path file = tmp / "devices.json";
  CliResult r =
      run_kmebind(tmp.path(), "gen",
                  admin(tmp.path(), {"generate", "--ues", "6", "--violations", "2", "--procedure",
                                     "2", "--devices-out", file.string()}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "6 subscribers, 7 device keys"))
      << r.out;  // the cloned IMEI has no key
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto doc = parse_json(slurp(file));
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["format"], "kmebind-devices");
  const auto& devices = (*doc)["devices"];
  ASSERT_EQ(devices.size(), 8u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(devices[i]["role"], "normal");
    EXPECT_EQ(devices[i]["procedure"], 2);
    EXPECT_EQ(devices[i]["k"].get<std::string>().size(), 32u);
  }
  EXPECT_EQ(devices[6]["role"], "uicc-moved");
  EXPECT_EQ(devices[6]["imsi"], devices[0]["imsi"]);
  EXPECT_NE(devices[6]["imei"], devices[0]["imei"]);
  EXPECT_EQ(devices[7]["role"], "cloned-imei");
  EXPECT_EQ(devices[7]["imei"], devices[1]["imei"]);
  EXPECT_NE(devices[7]["signature_private_key"], devices[1]["signature_private_key"]);

  // The store holds the subscriptions: procedure 2 only, one allowed IMEI each.
  CliResult show = run_kmebind(
      tmp.path(), "show",
      admin(tmp.path(), {"subscriber", "show", "--imsi", devices[0]["imsi"].get<std::string>()}));
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_TRUE(contains(show.out, devices[0]["imei"].get<std::string>().substr(0, 14))) << show.out;
  EXPECT_TRUE(contains(show.out, "kme-required")) << show.out;

  // The same IMSIs again: refused before anything is written; the device file is untouched.
  const std::string before = slurp(file);
  CliResult again = run_kmebind(
      tmp.path(), "again",
      admin(tmp.path(), {"generate", "--ues", "2", "--devices-out", file.string(), "--overwrite"}));
  EXPECT_EQ(again.code, 1);
  EXPECT_TRUE(contains(again.err, "is in the store already")) << again.err;
  EXPECT_EQ(slurp(file), before);
  // An existing device file is not replaced without --overwrite.
  EXPECT_EQ(
      run_kmebind(tmp.path(), "exists",
                  admin(tmp.path(), {"generate", "--ues", "2", "--imsi-base", "001010000009001",
                                     "--imei-base", "500", "--devices-out", file.string()}))
          .code,
      2);
}

class NetworkSimRun : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(prepare_demo_dir(dir_, 10, 1)); }
  CliResult sim(const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args{"sim", "--config", (dir_ / "sim.yaml").string(), "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_kmebind(dir_, name, args, std::chrono::seconds(60));
  }
  TempDir tmp_;
  fs::path dir_ = tmp_ / "work";
};

TEST_F(NetworkSimRun, DeviceFileReadableByOthersIsRefused) {
  fs::permissions(dir_ / "devices.json", fs::perms::group_read, fs::perm_options::add);
  CliResult r = sim("sim", {"--ues", "1"});
  EXPECT_EQ(r.code, 3);
  EXPECT_TRUE(contains(r.err, "chmod 600")) << r.err;
}

TEST_F(NetworkSimRun, CorruptedDeviceFileIsRefusedNamingTheDeviceAndNoSecret) {
  const fs::path file = dir_ / "devices.json";
  const std::string good = slurp(file);
  auto doc = parse_json(good);
  ASSERT_TRUE(doc);
  const std::string k1 = (*doc)["devices"][1]["k"];
  auto refused = [&](const std::string& text, const std::string& message) {
    write_file(file, text);
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
    CliResult r = sim("sim", {"--ues", "1"});
    EXPECT_EQ(r.code, 3) << message;
    EXPECT_TRUE(contains(r.err, message)) << r.err;
    EXPECT_FALSE(contains(r.err, k1)) << "secret in the message: " << r.err;
  };
  // Cut anywhere: not a JSON document any more.
  for (std::size_t cut :
       {std::size_t{0}, std::size_t{10}, good.size() / 3, good.size() / 2, good.size() - 3}) {
    refused(good.substr(0, cut), "not a JSON document");
  }
  auto edited = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json d = *doc;
    edit(d);
    return d.dump();
  };
  refused(edited([&](nlohmann::json& d) { d["devices"][1]["k"] = k1.substr(0, 30); }),
          "device 1: k");
  refused(edited([](nlohmann::json& d) { d["devices"][1]["k"] = std::string(32, 'x'); }),
          "device 1: k");
  refused(edited([](nlohmann::json& d) {
            std::string imei = d["devices"][2]["imei"];
            imei.back() = imei.back() == '0' ? '1' : '0';  // wrong Luhn check digit
            d["devices"][2]["imei"] = imei;
          }),
          "device 2: imei");
  // Device 1 is a profile B device: 0 is not a P-256 private key.
  refused(edited([](nlohmann::json& d) {
            d["devices"][1]["ecies_private_key"] = std::string(64, '0');
          }),
          "device 1: ecies_private_key is not a valid key");
  refused(edited([](nlohmann::json& d) { d["devices"][0]["role"] = "mallory"; }), "role must be");
  refused(edited([](nlohmann::json& d) { d["devices"][0]["procedure"] = 3; }),
          "device 0: \"procedure\"");
  refused(edited([](nlohmann::json& d) { d["devices"][0].erase("opc"); }),
          "device 0: \"opc\" missing");
  refused(edited([](nlohmann::json& d) { d["format"] = "something-else"; }),
          "not a kmebind device file");
  refused(edited([](nlohmann::json& d) { d["devices"][10]["victim"] = 99; }),
          "device 10: \"victim\"");
}

TEST_F(NetworkSimRun, ConfigurationErrorsNameFileLineAndKey) {
  ASSERT_TRUE(replace_in_file(dir_ / "sim.yaml", "  connections: 2", "  conections: 2"));
  CliResult r = sim("sim", {"--ues", "1"});
  EXPECT_EQ(r.code, 3);
  EXPECT_TRUE(contains(r.err, "sim.yaml:4: nas.conections: unknown key")) << r.err;
}

TEST_F(NetworkSimRun, UnreachableCnnFailsWithItsAddress) {
  CliResult r = sim("sim", {"--ues", "1"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "cannot reach the CNN at 127.0.0.1:")) << r.err;
}

TEST_F(NetworkSimRun, TooFewDevicesForTheProcedureIsAUsageError) {
  CliResult r = sim("sim", {"--ues", "6", "--procedure", "1"});  // 5 of the 10 allow procedure 1
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "has 5 devices for procedure 1")) << r.err;
}

TEST_F(NetworkSimRun, RateSpacesTheAttachesAndTheDevicesKeepTheirKmeForTheNextRun) {
  auto hss = start_daemon(dir_, "hss", nullptr);
  ASSERT_TRUE(hss);
  auto cnn = start_daemon(dir_, "cnn", nullptr);
  ASSERT_TRUE(cnn);

  // 10 attaches at 20 per second: the last starts 9/20 s after the first.
  CliResult first = sim("first", {"--ues", "10", "--rate", "20", "--json"});
  ASSERT_EQ(first.code, 0) << first.out << first.err;
  auto j = parse_json(first.out);
  ASSERT_TRUE(j) << first.out;
  EXPECT_EQ((*j)["attached"], 10);
  EXPECT_EQ((*j)["kme_provisioned_procedure1"], 5);
  EXPECT_EQ((*j)["kme_provisioned_procedure2"], 5);
  EXPECT_GE((*j)["seconds"].get<double>(), 0.45);
  EXPECT_LE((*j)["procedures_per_second"].get<double>(), 22.5);
  const double p50 = (*j)["latency_ms_p50"], p90 = (*j)["latency_ms_p90"],
               p99 = (*j)["latency_ms_p99"], max = (*j)["latency_ms_max"];
  EXPECT_GT(p50, 0);
  EXPECT_LE(p50, p90);
  EXPECT_LE(p90, p99);
  EXPECT_LE(p99, max);

  // The run saved each device's KME and SQN store: the next one is a device authentication.
  const std::string devices = slurp(dir_ / "devices.json");
  EXPECT_TRUE(contains(devices, "\"kme\":{\"version\":1,")) << devices.substr(0, 300);
  CliResult later = sim("later", {"--ues", "10", "--json", "--no-save"});
  ASSERT_EQ(later.code, 0) << later.out << later.err;
  auto l = parse_json(later.out);
  ASSERT_TRUE(l);
  EXPECT_EQ((*l)["attached"], 10);
  EXPECT_EQ((*l)["device_authenticated"], 10);
  EXPECT_EQ((*l)["kme_provisioned_procedure1"], 0);

  // Text report: the rows a reader looks for.
  CliResult text = sim("text", {"--ues", "2", "--violations", "1", "--no-save"});
  ASSERT_EQ(text.code, 0) << text.out << text.err;
  for (const char* row : {"attached", "rejected #6 Illegal ME", "procedures per second",
                          "latency p50 / p90 / p99 / max"}) {
    EXPECT_TRUE(contains(text.out, row)) << row << "\n" << text.out;
  }
}

TEST_F(NetworkSimRun, ADeviceThatLostItsKmeIsRejectedAndTheRunFails) {
  auto hss = start_daemon(dir_, "hss", nullptr);
  ASSERT_TRUE(hss);
  auto cnn = start_daemon(dir_, "cnn", nullptr);
  ASSERT_TRUE(cnn);
  // First run without saving: the HSS stores KMEs the device file never learns of.
  ASSERT_EQ(sim("first", {"--ues", "2", "--no-save"}).code, 0);
  // The devices answer the HSS's challenge without a KME: #6, unexpected, exit 1.
  CliResult r = sim("second", {"--ues", "2", "--json"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ((*j)["failures"]["emm-cause-6"], 2);
  EXPECT_EQ((*j)["unexpected"], 2);
}

}  // namespace
}  // namespace kmebind::test
