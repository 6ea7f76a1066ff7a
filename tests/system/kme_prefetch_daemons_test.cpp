// KME material on the AIA between the real daemons (docs/protocol.md "KME material on the AIA";
// issue #5): over TLS and freeDiameter, with the daemons' defaults, an attach with KME binding
// costs an AIR and a ULR and no KME-Request — the first attach (procedure 2 provisioning) and the
// next (device challenge) alike — and the CNN's kmebind_cnn_kme_prefetch_total counts it. With
// `cnn.kme_prefetch: false` every such attach sends the KME-Request again.
#include "apps/network_harness.h"
#include "system/system_harness.h"

namespace kmebind::test {
namespace {

using namespace std::chrono_literals;

constexpr int kUes = 4;

class KmePrefetchDaemons : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_program("openssl")) GTEST_SKIP() << "needs the openssl command";
    ASSERT_TRUE(prepare_demo_dir(dir_, kUes, 0));
    for (const char* role : {"hss", "cnn"}) {
      std::ofstream(dir_ / (std::string(role) + ".yaml"), std::ios::app)
          << "metrics: {address: 127.0.0.1, port: 0}\n";
    }
  }

  void start() {
    std::string ready;
    hss_ = start_daemon(dir_, "hss", &ready);
    ASSERT_TRUE(hss_);
    hss_metrics_ = metrics_port_of(ready);
    ASSERT_NE(hss_metrics_, 0);
    cnn_ = start_daemon(dir_, "cnn", &ready);
    ASSERT_TRUE(cnn_);
    cnn_metrics_ = metrics_port_of(ready);
    ASSERT_NE(cnn_metrics_, 0);
  }

  // One `kmebind sim` run of every device; all must attach.
  void attach_all(const std::string& tag) {
    CliResult sim = run_kmebind(dir_, "sim-" + tag,
                                {"sim", "--config", (dir_ / "sim.yaml").string(), "--ues",
                                 std::to_string(kUes), "--json", "--quiet"},
                                60s);
    ASSERT_EQ(sim.code, 0) << sim.out << sim.err;
    auto report = parse_json(sim.out);
    ASSERT_TRUE(report) << sim.out << sim.err;
    ASSERT_EQ((*report)["attached"], kUes) << report->dump();
  }

  double cnn(const std::string& series) const {
    return metric_value(scrape_metrics(cnn_metrics_), series).value_or(0);
  }
  double hss(const std::string& series) const {
    return metric_value(scrape_metrics(hss_metrics_), series).value_or(0);
  }

  TempDir tmp_;
  fs::path dir_ = tmp_ / "work";
  std::unique_ptr<Process> hss_, cnn_;
  std::uint16_t hss_metrics_ = 0, cnn_metrics_ = 0;
};

TEST_F(KmePrefetchDaemons, AttachesWithKmeBindingSendNoKmeRequest) {
  start();
  attach_all("provisioning");
  EXPECT_EQ(cnn("kmebind_cnn_s6a_requests_total{command=\"air\"}"), kUes);
  EXPECT_EQ(cnn("kmebind_cnn_s6a_requests_total{command=\"kme\"}"), 0);
  EXPECT_EQ(cnn("kmebind_cnn_s6a_requests_total{command=\"ulr\"}"), kUes);
  EXPECT_EQ(cnn("kmebind_cnn_kme_prefetch_total{result=\"used\"}"), kUes);
  EXPECT_EQ(hss("kmebind_hss_kme_prefetch_total"), kUes);
  EXPECT_EQ(cnn("kmebind_cnn_kme_provisioned_total{procedure=\"2\"}") +
                cnn("kmebind_cnn_kme_provisioned_total{procedure=\"1\"}"),
            kUes);

  attach_all("challenge");  // the KMEs are stored now: device challenges from the AIA
  EXPECT_EQ(cnn("kmebind_cnn_s6a_requests_total{command=\"kme\"}"), 0);
  EXPECT_EQ(cnn("kmebind_cnn_s6a_requests_total{command=\"ulr\"}"), 2 * kUes);
  EXPECT_EQ(cnn("kmebind_cnn_kme_prefetch_total{result=\"used\"}"), 2 * kUes);
  EXPECT_EQ(cnn("kmebind_cnn_device_authenticated_total"), kUes);
  EXPECT_EQ(cnn("kmebind_cnn_kme_prefetch_total{result=\"unused\"}") +
                cnn("kmebind_cnn_kme_prefetch_total{result=\"unusable\"}"),
            0);
}

TEST_F(KmePrefetchDaemons, WithPrefetchOffEveryAttachSendsTheKmeRequest) {
  ASSERT_TRUE(replace_in_file(dir_ / "cnn.yaml", "cnn: {plmn:", "cnn: {kme_prefetch: false, plmn:"));
  start();
  attach_all("provisioning");
  EXPECT_EQ(cnn("kmebind_cnn_s6a_requests_total{command=\"kme\"}"), kUes);
  EXPECT_EQ(cnn("kmebind_cnn_s6a_requests_total{command=\"ulr\"}"), kUes);
  EXPECT_EQ(cnn("kmebind_cnn_kme_prefetch_total{result=\"used\"}"), 0);
  EXPECT_EQ(hss("kmebind_hss_kme_prefetch_total"), 0);
}

}  // namespace
}  // namespace kmebind::test
