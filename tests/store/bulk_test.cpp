// Bulk import in batches, and the snapshot export.
#include <gtest/gtest.h>

#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::sample_device;
using testing::sample_subscriber;
using testing::TempDir;

std::string imsi_n(int i) {
  std::string s = std::to_string(i);
  return "00101" + std::string(10 - s.size(), '0') + s;
}
std::string imei_n(int i) {
  std::string s = std::to_string(i);
  return "35209900" + std::string(6 - s.size(), '0') + s;
}

TEST(BulkTest, ImportsInBatchesWithBindingsDevicesAndAudit) {
  TempDir dir;
  auto s = testing::open_or_die(dir.file("b.db"));
  auto bulk = s->begin_bulk_import(BulkImportOptions{7, "tester", "file.csv"});
  ASSERT_TRUE(bulk);
  for (int i = 0; i < 50; ++i) {
    const std::vector<std::string> imeis{imei_n(i), imei_n(1000 + i)};
    ASSERT_TRUE((*bulk)->add_subscriber(sample_subscriber(imsi_n(i), static_cast<std::uint8_t>(i)), imeis));
    ASSERT_TRUE((*bulk)->put_device(sample_device(imei_n(i))));
  }
  auto v = (*bulk)->store_kme(imsi_n(3), imei_n(3), key_of(9), kKmeImported);
  ASSERT_TRUE(v) << v.error().what();
  EXPECT_EQ(*v, 1u);
  EXPECT_EQ((*bulk)->store_kme(imsi_n(3), imei_n(4), key_of(9), kKmeImported).error().code(),
            Code::kNotAllowed);
  auto stats = (*bulk)->finish();
  ASSERT_TRUE(stats) << stats.error().what();
  EXPECT_EQ(stats->subscribers, 50u);
  EXPECT_EQ(stats->bindings, 100u);
  EXPECT_EQ(stats->devices, 50u);
  EXPECT_EQ(stats->kmes, 1u);
  EXPECT_EQ(stats->transactions, 15u);  // 101 rows in batches of 7
  auto n = s->counts();
  EXPECT_EQ(n->subscribers, 50u);
  EXPECT_EQ(n->bindings, 100u);
  EXPECT_EQ(n->devices, 50u);
  EXPECT_EQ(n->kmes, 1u);
  EXPECT_EQ(s->get_subscriber(imsi_n(17))->k, key_of(17, 16));
  EXPECT_EQ((*s->get_kme(imsi_n(3), imei_n(3)))->source, "file.csv");
  auto audit = s->list_audit(AuditQuery{imsi_n(5), 0, 10});
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "subscriber-import");
  EXPECT_EQ((*audit)[0].actor, "tester");
  EXPECT_EQ((*audit)[0].source, "file.csv");
  EXPECT_NE((*audit)[0].detail.find(imei_n(1005)), std::string::npos);
}

TEST(BulkTest, ExistingImsiIsRefusedAndTheBatchGoesOn) {
  TempDir dir;
  auto s = testing::open_or_die(dir.file("b.db"));
  ASSERT_TRUE(s->add_subscriber(sample_subscriber(imsi_n(2))));
  auto bulk = s->begin_bulk_import({});
  ASSERT_TRUE((*bulk)->add_subscriber(sample_subscriber(imsi_n(1)), {}));
  EXPECT_EQ((*bulk)->add_subscriber(sample_subscriber(imsi_n(2), 9), {}).error().code(),
            Code::kAlreadyExists);
  EXPECT_EQ((*bulk)->add_subscriber(sample_subscriber("12"), {}).error().code(),
            Code::kInvalidArgument);
  ASSERT_TRUE((*bulk)->add_subscriber(sample_subscriber(imsi_n(3)), {}));
  ASSERT_TRUE((*bulk)->finish());
  EXPECT_EQ(s->counts()->subscribers, 3u);
  EXPECT_EQ(s->get_subscriber(imsi_n(2))->k, key_of(1, 16));
}

TEST(BulkTest, AbandonedImportRollsBackItsOpenBatchOnly) {
  TempDir dir;
  auto s = testing::open_or_die(dir.file("b.db"));
  {
    auto bulk = s->begin_bulk_import(BulkImportOptions{3, "import", ""});
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*bulk)->add_subscriber(sample_subscriber(imsi_n(i)), {}));
  }  // destroyed without finish(): rows 3 and 4 were in the open batch
  EXPECT_EQ(s->counts()->subscribers, 3u);
  EXPECT_TRUE(s->advance_sqn(imsi_n(0), 32));  // the write lock was released
}

TEST(BulkTest, ExportGivesASortedSnapshotWithBindingsAndOptionalKeys) {
  TempDir dir;
  auto s = testing::open_or_die(dir.file("e.db"));
  ASSERT_TRUE(s->add_subscriber(sample_subscriber(imsi_n(2), 2)));
  ASSERT_TRUE(s->add_subscriber(sample_subscriber(imsi_n(1), 1)));
  ASSERT_TRUE(s->add_subscriber(sample_subscriber(imsi_n(3), 3)));
  ASSERT_TRUE(s->allow_binding(imsi_n(1), imei_n(11), "t"));
  ASSERT_TRUE(s->allow_binding(imsi_n(3), imei_n(31), "t"));
  ASSERT_TRUE(s->allow_binding(imsi_n(3), imei_n(30), "t"));
  ASSERT_TRUE(s->put_device(sample_device(imei_n(31))));
  ASSERT_TRUE(s->put_device(sample_device(imei_n(11))));
  for (bool with_keys : {false, true}) {
    std::vector<std::string> lines;
    ExportSink sink{
        [&](const SubscriberRecord& r, std::span<const std::string> imeis) -> Status {
          std::string line = r.imsi + ":" + (r.k.empty() ? "-" : r.k.reveal_hex().substr(0, 2));
          for (const auto& i : imeis) line += " " + i;
          lines.push_back(line);
          return {};
        },
        [&](const DeviceRecord& d) -> Status {
          lines.push_back("dev " + d.imei);
          return {};
        }};
    ASSERT_TRUE(s->export_all(sink, with_keys));
    const std::string k1 = with_keys ? "01" : "-";
    const std::string k2 = with_keys ? "02" : "-";
    const std::string k3 = with_keys ? "03" : "-";
    EXPECT_EQ(lines, (std::vector<std::string>{
                         imsi_n(1) + ":" + k1 + " " + imei_n(11), imsi_n(2) + ":" + k2,
                         imsi_n(3) + ":" + k3 + " " + imei_n(30) + " " + imei_n(31),
                         "dev " + imei_n(11), "dev " + imei_n(31)}));
  }
  // A sink error stops the export and is returned.
  ExportSink failing{[](const SubscriberRecord&, std::span<const std::string>) -> Status {
                       return fail(Code::kIo, "disk full");
                     },
                     nullptr};
  auto st = s->export_all(failing, false);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message(), "disk full");
}

}  // namespace
}  // namespace kmebind::store

namespace kmebind::store {
namespace {

TEST(BulkTest, NewDevicesAreAuditedPerBatchAndReplacedKeysPerDevice) {
  testing::TempDir dir;
  auto s = testing::open_or_die(dir.file("d.db"));
  ASSERT_TRUE(s->put_device(testing::sample_device("35209900000001")));
  auto bulk = s->begin_bulk_import(BulkImportOptions{100, "tester", "devices.csv"});
  ASSERT_TRUE(bulk);
  ASSERT_TRUE((*bulk)->put_device(testing::sample_device("35209900000002")));
  ASSERT_TRUE((*bulk)->put_device(testing::sample_device("35209900000003")));
  ASSERT_TRUE((*bulk)->put_device(testing::sample_device("35209900000001")));  // same keys
  auto changed = testing::sample_device("35209900000004");
  changed.imei = "35209900000001";
  changed.enc_public_key = Bytes(32, 0x44);
  ASSERT_TRUE((*bulk)->put_device(changed));
  auto stats = (*bulk)->finish();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->devices, 3u);  // two added, one replaced
  EXPECT_EQ(s->get_device("35209900000001")->enc_public_key, Bytes(32, 0x44));
  auto audit = s->list_audit(AuditQuery{std::nullopt, 0, 10});
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 3u);
  EXPECT_EQ((*audit)[0].action, "device-put");
  EXPECT_EQ((*audit)[0].detail.substr(0, 6), "added:");
  EXPECT_EQ((*audit)[1].action, "device-put");
  EXPECT_EQ((*audit)[1].detail.substr(0, 14), "keys replaced:");
  EXPECT_EQ((*audit)[1].source, "devices.csv");
  EXPECT_EQ((*audit)[2].action, "device-import");
  EXPECT_EQ((*audit)[2].detail, "2 devices added");
}

}  // namespace
}  // namespace kmebind::store
