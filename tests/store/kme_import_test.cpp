// Out-of-band KME import: the import key pair kept in the store, the file rows, and decryption
// that refuses KMEs encrypted to another key or altered.
#include "store/kme_import.h"

#include <gtest/gtest.h>

#include <sstream>

#include "crypto/ecies.h"
#include "crypto/signature.h"
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

Bytes bytes_of(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

TEST(KmeImportSignatureTest, SignatureOverTheExactFileBytesVerifies) {
  auto maker = crypto::signature_generate(crypto::SignatureAlgorithm::kEd25519);
  ASSERT_TRUE(maker);
  const std::string file =
      "imsi,imei,kme_ecies_a\n001010000000001,35209900176148," + std::string(144, 'a') + "\n";
  auto sig = crypto::sign(crypto::SignatureAlgorithm::kEd25519, maker->private_key, bytes_of(file));
  ASSERT_TRUE(sig);
  EXPECT_TRUE(verify_import_signature(maker->public_key, bytes_of(file), *sig));
}

TEST(KmeImportSignatureTest, AlteredFileOrAnotherSendersKeyIsRefused) {
  auto maker = crypto::signature_generate(crypto::SignatureAlgorithm::kEd25519);
  auto other = crypto::signature_generate(crypto::SignatureAlgorithm::kEd25519);
  ASSERT_TRUE(maker && other);
  // Two rows whose ECIES outputs are swapped: each still decrypts, only the signature tells.
  const std::string a(144, 'a'), b(144, 'b');
  const std::string file = "imsi,imei,kme_ecies_a\n001010000000001,35209900176148," + a +
                           "\n001010000000002,35209900176148," + b + "\n";
  const std::string swapped = "imsi,imei,kme_ecies_a\n001010000000001,35209900176148," + b +
                              "\n001010000000002,35209900176148," + a + "\n";
  auto sig = crypto::sign(crypto::SignatureAlgorithm::kEd25519, maker->private_key, bytes_of(file));
  ASSERT_TRUE(sig);
  auto swapped_result = verify_import_signature(maker->public_key, bytes_of(swapped), *sig);
  ASSERT_FALSE(swapped_result);
  EXPECT_EQ(swapped_result.error().code(), Code::kAuthFailed);
  EXPECT_NE(swapped_result.error().message().find("altered"), std::string::npos);
  EXPECT_EQ(verify_import_signature(other->public_key, bytes_of(file), *sig).error().code(),
            Code::kAuthFailed);
  EXPECT_EQ(verify_import_signature(maker->public_key, bytes_of(file + "\n"), *sig).error().code(),
            Code::kAuthFailed);
  Bytes flipped = *sig;
  flipped[10] ^= 0x01;
  EXPECT_EQ(verify_import_signature(maker->public_key, bytes_of(file), flipped).error().code(),
            Code::kAuthFailed);
  // A key of the wrong size is not a verification failure but a malformed key.
  EXPECT_EQ(verify_import_signature(Bytes(31, 1), bytes_of(file), *sig).error().code(),
            Code::kMalformed);
}

TEST(KmeImportSignatureTest, SignatureFileIsRawOrHexAndNothingElse) {
  const Bytes raw(64, 0xab);
  EXPECT_EQ(*parse_import_signature(raw), raw);
  EXPECT_EQ(*parse_import_signature(bytes_of(std::string(128, 'a') + "\n")), Bytes(64, 0xaa));
  EXPECT_EQ(*parse_import_signature(bytes_of(std::string(128, 'A') + "\r\n")), Bytes(64, 0xaa));
  for (const std::string& bad : {std::string(), std::string(63, 'x'), std::string(126, 'a'),
                                 std::string(128, 'g'), std::string(130, 'a')}) {
    auto r = parse_import_signature(bytes_of(bad));
    ASSERT_FALSE(r) << bad.size();
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  }
}

TEST(KmeImportSignatureTest, FingerprintIsTheFirstEightOctetsOfTheKeysSha256) {
  // RFC 8032 §7.1 TEST 1 public key; SHA-256 of its 32 octets (sha256sum) starts 21fe31dfa154a261.
  auto pub = from_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "pub");
  ASSERT_TRUE(pub);
  EXPECT_EQ(*sender_key_fingerprint(*pub), "ed25519:21fe31dfa154a261");
}

}  // namespace
}  // namespace kmebind::store
