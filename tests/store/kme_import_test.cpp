// Out-of-band KME import: the import key pair kept in the store, the file rows, and decryption
// that refuses KMEs encrypted to another key or altered.
#include <gtest/gtest.h>

#include <sstream>

#include "crypto/ecies.h"
#include "store/kme_import.h"
#include "store_test_util.h"

namespace kmebind::store {
namespace {

using testing::key_of;
using testing::TempDir;

TEST(KmeImportTest, ImportKeyIsCreatedOnceAndPrivateHalfIsSealed) {
  TempDir dir;
  auto s = testing::open_or_die(dir.file("i.db"));
  EXPECT_EQ(import_public_key(*s).error().code(), Code::kNotFound);
  auto pub = create_import_key(*s, false);
  ASSERT_TRUE(pub) << pub.error().what();
  EXPECT_EQ(pub->size(), 32u);
  EXPECT_EQ(create_import_key(*s, false).error().code(), Code::kAlreadyExists);
  EXPECT_EQ(*import_public_key(*s), *pub);
  auto priv = import_private_key(*s);
  ASSERT_TRUE(priv);
  EXPECT_EQ(*crypto::ecies_public_from_private(crypto::EciesProfile::kA, *priv), *pub);
  auto replaced = create_import_key(*s, true);
  ASSERT_TRUE(replaced);
  EXPECT_NE(*replaced, *pub);
}

TEST(KmeImportTest, SealedRowReadsBackAndDecrypts) {
  auto pair = crypto::ecies_generate(crypto::EciesProfile::kA);
  ASSERT_TRUE(pair);
  auto line = seal_kme_import_row(pair->public_key, "001010000000001", "352099001761481", key_of(5));
  ASSERT_TRUE(line) << line.error().what();
  std::istringstream in("# from the maker\nimsi,imei,kme_ecies_a\n" + *line + "\n");
  std::vector<KmeImportRow> rows;
  auto st = read_kme_import(in, {[&](std::size_t l, KmeImportRow&& r) -> Status {
                                   EXPECT_EQ(l, 3u);
                                   rows.push_back(std::move(r));
                                   return {};
                                 },
                                 nullptr});
  ASSERT_TRUE(st) << st.error().what();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].imei, "35209900176148");
  auto kme = open_imported_kme(pair->private_key, rows[0].scheme_output);
  ASSERT_TRUE(kme);
  EXPECT_EQ(*kme, key_of(5));
}

TEST(KmeImportTest, KmeForAnotherKeyOrAlteredIsRefused) {
  auto mine = crypto::ecies_generate(crypto::EciesProfile::kA);
  auto other = crypto::ecies_generate(crypto::EciesProfile::kA);
  ASSERT_TRUE(mine && other);
  auto sealed = crypto::ecies_encrypt(crypto::EciesProfile::kA, other->public_key, key_of(5).view());
  ASSERT_TRUE(sealed);
  EXPECT_EQ(open_imported_kme(mine->private_key, *sealed).error().code(), Code::kAuthFailed);
  auto good = crypto::ecies_encrypt(crypto::EciesProfile::kA, mine->public_key, key_of(5).view());
  ASSERT_TRUE(good);
  (*good)[40] ^= 0x01;
  EXPECT_EQ(open_imported_kme(mine->private_key, *good).error().code(), Code::kAuthFailed);
  auto short_kme = crypto::ecies_encrypt(crypto::EciesProfile::kA, mine->public_key, key_of(5, 16).view());
  ASSERT_TRUE(short_kme);
  EXPECT_EQ(open_imported_kme(mine->private_key, *short_kme).error().code(), Code::kInvalidArgument);
}

TEST(KmeImportTest, BadRowsAreReportedAndHeaderIsRequired) {
  const std::string hex72(144, 'a');
  std::istringstream in("imsi,imei,kme_ecies_a\n"
                        "001010000000001,35209900176148," + hex72 + "\n"   // 2 ok
                        "0010100,35209900176148," + hex72 + "\n"           // 3 bad imsi... 7 digits ok
                        "00101,35209900176148," + hex72 + "\n"             // 4 bad imsi
                        "001010000000001,35209900176149x," + hex72 + "\n"  // 5 bad imei
                        "001010000000001,35209900176148,abcd\n"            // 6 short
                        "001010000000001,35209900176148\n");               // 7 fields
  std::vector<std::size_t> ok, bad;
  ASSERT_TRUE(read_kme_import(in, {[&](std::size_t l, KmeImportRow&&) -> Status {
                                     ok.push_back(l);
                                     return {};
                                   },
                                   [&](RowError&& e) -> Status {
                                     bad.push_back(e.line);
                                     return {};
                                   }}));
  EXPECT_EQ(ok, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(bad, (std::vector<std::size_t>{4, 5, 6, 7}));
  std::istringstream no_header("001010000000001,35209900176148," + hex72 + "\n");
  EXPECT_EQ(read_kme_import(no_header, {}).error().code(), Code::kMalformed);
}

}  // namespace
}  // namespace kmebind::store
