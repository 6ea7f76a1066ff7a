// The master key file: created 0600, never overwritten by accident, refused when others may
// read it; the environment variable as the alternative.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "store/master_key.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::TempDir;

TEST(MasterKeyTest, WrittenFileIsPrivateAndReadsBack) {
  TempDir dir;
  const auto path = dir.path() / "kmebind.key";
  ASSERT_TRUE(write_master_key_file(path, key_of(3), false));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto k = read_master_key_file(path);
  ASSERT_TRUE(k) << k.error().what();
  EXPECT_EQ(*k, key_of(3));
}

TEST(MasterKeyTest, EmptyFileNameIsRefusedWithAHint) {
  auto k = read_master_key_file("");
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code(), Code::kInvalidArgument);
  EXPECT_NE(k.error().message().find("file name is empty"), std::string::npos)
      << k.error().message();
}

TEST(MasterKeyTest, ExistingFileIsNotOverwrittenUnlessAsked) {
  TempDir dir;
  const auto path = dir.path() / "kmebind.key";
  ASSERT_TRUE(write_master_key_file(path, key_of(3), false));
  auto again = write_master_key_file(path, key_of(4), false);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Code::kAlreadyExists);
  EXPECT_EQ(*read_master_key_file(path), key_of(3));
  ASSERT_TRUE(write_master_key_file(path, key_of(4), true));
  EXPECT_EQ(*read_master_key_file(path), key_of(4));
}

TEST(MasterKeyTest, FileReadableByOthersIsRefused) {
  TempDir dir;
  const auto path = dir.path() / "kmebind.key";
  ASSERT_TRUE(write_master_key_file(path, key_of(3), false));
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto k = read_master_key_file(path);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code(), Code::kNotAllowed);
  EXPECT_NE(k.error().message().find("chmod 600"), std::string::npos);
}

TEST(MasterKeyTest, MissingOrMalformedFileIsExplained) {
  TempDir dir;
  auto missing = read_master_key_file(dir.path() / "none.key");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_NE(missing.error().message().find("kmebind admin init"), std::string::npos);
  const auto bad = dir.path() / "bad.key";
  {
    std::ofstream(bad) << "abcd\n";
  }
  ::chmod(bad.c_str(), 0600);
  auto malformed = read_master_key_file(bad);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(malformed.error().message().find("abcd"), std::string::npos);  // never echoed
}

TEST(MasterKeyTest, ExplicitFileWinsThenEnvironmentThenDefaultFile) {
  TempDir dir;
  const auto file = dir.path() / "a.key";
  const auto dflt = dir.path() / "default.key";
  ASSERT_TRUE(write_master_key_file(file, key_of(1), false));
  ASSERT_TRUE(write_master_key_file(dflt, key_of(2), false));
  ::setenv(kMasterKeyEnv, key_of(3).reveal_hex().c_str(), 1);
  EXPECT_EQ(*resolve_master_key(file, dflt), key_of(1));
  EXPECT_EQ(*resolve_master_key(std::nullopt, dflt), key_of(3));
  ::setenv(kMasterKeyEnv, "zz", 1);
  EXPECT_EQ(resolve_master_key(std::nullopt, dflt).error().code(), Code::kInvalidArgument);
  ::unsetenv(kMasterKeyEnv);
  EXPECT_EQ(*resolve_master_key(std::nullopt, dflt), key_of(2));
}

TEST(MasterKeyTest, GeneratedKeysAreFreshAndFullSize) {
  auto a = generate_master_key();
  auto b = generate_master_key();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), kMasterKeySize);
  EXPECT_FALSE(*a == *b);
}

}  // namespace
}  // namespace kmebind::store
