// Secrets at rest: sealed under the master key and bound to their row, so moving or altering a
// sealed value in the database is detected instead of yielding a wrong key.
#include <gtest/gtest.h>

#include "store/key_wrap.h"
#include "store/sqlite_db.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::sample_subscriber;
using testing::TempDir;

constexpr const char* kA = "001010000000001";
constexpr const char* kB = "001010000000002";
constexpr const char* kImei = "35209900176148";

std::unique_ptr<sqlite::Connection> raw(const std::string& path) {
  auto c = sqlite::Connection::open(path, {});
  EXPECT_TRUE(c);
  return std::move(*c);
}

TEST(SealingTest, KeysAreNotStoredInTheClear) {
  TempDir dir;
  const std::string path = dir.file("s.db");
  {
    auto s = testing::open_or_die(path);
    ASSERT_TRUE(s->add_subscriber(sample_subscriber(kA)));
  }
  auto c = raw(path);
  auto q = c->prepare("SELECT k_sealed, opc_sealed FROM subscribers");
  ASSERT_TRUE(q);
  ASSERT_TRUE(*q->step());
  const SecretBytes k = key_of(1, 16);
  const ByteView sealed = q->column_blob(0);
  EXPECT_EQ(sealed.size(), 12u + 16u + 16u);  // IV ‖ ciphertext ‖ tag
  const std::string hay(sealed.begin(), sealed.end());
  const std::string needle(k.view().begin(), k.view().end());
  EXPECT_EQ(hay.find(needle), std::string::npos);
}

TEST(SealingTest, SealedKeyMovedToAnotherSubscriberDoesNotOpen) {
  TempDir dir;
  const std::string path = dir.file("s.db");
  auto s = testing::open_or_die(path);
  ASSERT_TRUE(s->add_subscriber(sample_subscriber(kA, 1)));
  ASSERT_TRUE(s->add_subscriber(sample_subscriber(kB, 50)));
  {
    auto c = raw(path);
    ASSERT_TRUE(c->exec("UPDATE subscribers SET k_sealed = (SELECT k_sealed FROM subscribers "
                        "WHERE imsi = '001010000000001') WHERE imsi = '001010000000002'"));
  }
  auto b = s->get_subscriber(kB);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code(), Code::kCorruption);
  EXPECT_NE(b.error().message().find("K of IMSI 001010000000002"), std::string::npos);
  EXPECT_TRUE(s->get_subscriber(kA));
}

TEST(SealingTest, KmeOfOtherVersionOrTamperedDoesNotOpen) {
  TempDir dir;
  const std::string path = dir.file("s.db");
  auto s = testing::open_or_die(path);
  ASSERT_TRUE(s->add_subscriber(sample_subscriber(kA)));
  ASSERT_TRUE(s->allow_binding(kA, kImei, "t"));
  ASSERT_TRUE(s->store_kme(kA, kImei, key_of(1), kKmeProcedure1, "hss", {}));
  {
    auto c = raw(path);
    ASSERT_TRUE(c->exec("UPDATE kme_records SET version = 2"));  // rolled forward by hand
  }
  auto kme = s->get_kme(kA, kImei);
  ASSERT_FALSE(kme);
  EXPECT_EQ(kme.error().code(), Code::kCorruption);
}

TEST(SealingTest, KeyWrapBindsLabels) {
  KeyWrap w(key_of(3));
  auto k = w.seal_k(kA, key_of(1, 16));
  ASSERT_TRUE(k);
  EXPECT_TRUE(w.open_k(kA, *k));
  EXPECT_EQ(w.open_opc(kA, *k).error().code(), Code::kCorruption);  // K is not OPc
  auto check = w.make_key_check();
  ASSERT_TRUE(check);
  EXPECT_TRUE(w.verify_key_check(*check));
  KeyWrap other(key_of(4));
  EXPECT_EQ(other.verify_key_check(*check).error().message(), "master key does not match this store");
  (*check)[20] ^= 1;
  EXPECT_FALSE(w.verify_key_check(*check));
}

}  // namespace
}  // namespace kmebind::store
