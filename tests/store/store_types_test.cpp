// Identifier checks (TS 23.003) and the text forms of the store's enums.
#include <gtest/gtest.h>

#include "store/store_types.h"

namespace kmebind::store {
namespace {

TEST(StoreTypesTest, ImsiIsSixToFifteenDigits) {
  EXPECT_TRUE(check_imsi("001010"));
  EXPECT_TRUE(check_imsi("001010123456789"));
  EXPECT_FALSE(check_imsi("00101"));
  EXPECT_FALSE(check_imsi("0010101234567890"));
  EXPECT_FALSE(check_imsi("00101012345678a"));
  EXPECT_FALSE(check_imsi(""));
}

TEST(StoreTypesTest, ImeiCheckDigitIsVerifiedAndDropped) {
  // TS 23.003 Annex B example: TAC 35209900, SNR 176148, check digit 1.
  EXPECT_EQ(*normalize_imei("352099001761481"), "35209900176148");
  EXPECT_EQ(*normalize_imei("35209900176148"), "35209900176148");
  for (char d = '0'; d <= '9'; ++d) {
    if (d == '1') continue;
    EXPECT_FALSE(normalize_imei(std::string("35209900176148") + d)) << d;
  }
  EXPECT_FALSE(normalize_imei("3520990017614"));      // 13 digits
  EXPECT_FALSE(normalize_imei("3520990017614812"));   // 16 digits (IMEISV)
  EXPECT_FALSE(normalize_imei("3520990017614x"));
}

TEST(StoreTypesTest, EnumTextFormsRoundTrip) {
  for (auto m : {BindingMode::kNone, BindingMode::kImeiCheck, BindingMode::kKmeRequired}) {
    EXPECT_EQ(*parse_binding_mode(to_string(m)), m);
  }
  EXPECT_FALSE(parse_binding_mode("strict"));
  EXPECT_EQ(*parse_enc_profile("B"), EncProfile::kB);
  EXPECT_FALSE(parse_enc_profile("C"));
  EXPECT_EQ(*parse_sig_algorithm("ecdsa-p256"), SigAlgorithm::kEcdsaP256Sha256);
  EXPECT_FALSE(parse_sig_algorithm("rsa"));
  for (int p : {kKmeProcedure1, kKmeProcedure2, kKmeImported, kKmeNoProcedure}) {
    EXPECT_EQ(*parse_kme_procedure(kme_procedure_name(p)), p);
  }
}

TEST(StoreTypesTest, PublicKeyEncodingsAreChecked) {
  EXPECT_TRUE(check_enc_public_key(EncProfile::kA, Bytes(32, 1)));
  EXPECT_FALSE(check_enc_public_key(EncProfile::kA, Bytes(33, 2)));
  Bytes p256(33, 5);
  p256[0] = 0x03;
  EXPECT_TRUE(check_enc_public_key(EncProfile::kB, p256));
  EXPECT_TRUE(check_sig_public_key(SigAlgorithm::kEcdsaP256Sha256, p256));
  p256[0] = 0x04;  // the uncompressed prefix on 33 octets
  EXPECT_FALSE(check_sig_public_key(SigAlgorithm::kEcdsaP256Sha256, p256));
  EXPECT_FALSE(check_sig_public_key(SigAlgorithm::kEd25519, Bytes(31, 1)));
}

// P-256 keys are also taken uncompressed (65 octets, 04 first), the form kmebind writes.
TEST(StoreTypesTest, UncompressedP256KeysAreAcceptedWithTheirPrefixOnly) {
  Bytes p256(65, 5);
  p256[0] = 0x04;
  EXPECT_TRUE(check_enc_public_key(EncProfile::kB, p256));
  EXPECT_TRUE(check_sig_public_key(SigAlgorithm::kEcdsaP256Sha256, p256));
  EXPECT_FALSE(check_enc_public_key(EncProfile::kA, p256));
  p256[0] = 0x02;  // a compressed prefix on 65 octets
  EXPECT_FALSE(check_enc_public_key(EncProfile::kB, p256));
  EXPECT_FALSE(check_sig_public_key(SigAlgorithm::kEcdsaP256Sha256, Bytes(64, 4)));
  p256[0] = 0x04;
  p256.push_back(0);
  EXPECT_FALSE(check_sig_public_key(SigAlgorithm::kEcdsaP256Sha256, p256));
}

TEST(StoreTypesTest, SamePublicKeyMatchesOnePointInBothEncodingsOnly) {
  Bytes uncompressed(65, 0x5a);
  uncompressed[0] = 0x04;
  uncompressed[64] = 0x07;  // Y odd
  Bytes compressed(uncompressed.begin(), uncompressed.begin() + 33);
  compressed[0] = 0x03;
  EXPECT_TRUE(same_public_key(compressed, uncompressed));
  EXPECT_TRUE(same_public_key(uncompressed, compressed));
  EXPECT_TRUE(same_public_key(uncompressed, uncompressed));
  compressed[0] = 0x02;  // the other Y
  EXPECT_FALSE(same_public_key(compressed, uncompressed));
  compressed[0] = 0x03;
  compressed[5] ^= 1;  // another X
  EXPECT_FALSE(same_public_key(compressed, uncompressed));
  EXPECT_FALSE(same_public_key(Bytes(32, 1), Bytes(32, 2)));
  EXPECT_TRUE(same_public_key(Bytes(32, 1), Bytes(32, 1)));
  Bytes not_uncompressed = uncompressed;
  not_uncompressed[0] = 0x05;
  compressed[5] ^= 1;
  EXPECT_FALSE(same_public_key(compressed, not_uncompressed));
}

}  // namespace
}  // namespace kmebind::store
