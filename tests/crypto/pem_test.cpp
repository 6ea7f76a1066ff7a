// PEM import/export (SubjectPublicKeyInfo, PKCS #8) for X25519, P-256 and Ed25519 keys.
#include "crypto/pem.h"

#include <gtest/gtest.h>
#include <openssl/encoder.h>
#include <openssl/pem.h>

#include "crypto/ecies.h"
#include "crypto/signature.h"
#include "vectors.h"

namespace kmebind::crypto {
namespace {

struct Generated {
  SecretBytes priv;
  Bytes pub;
};

Generated generate(KeyType type) {
  switch (type) {
    case KeyType::kX25519: {
      auto kp = ecies_generate(EciesProfile::kA);
      return {std::move(kp->private_key), kp->public_key};
    }
    case KeyType::kP256: {
      auto kp = ecies_generate(EciesProfile::kB);
      return {std::move(kp->private_key), kp->public_key};
    }
    case KeyType::kEd25519: {
      auto kp = signature_generate(SignatureAlgorithm::kEd25519);
      return {std::move(kp->private_key), kp->public_key};
    }
  }
  return {};
}

class PemTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(PemTest, PublicKeyRoundTrips) {
  const Generated g = generate(GetParam());
  auto pem = public_key_to_pem(GetParam(), g.pub);
  ASSERT_TRUE(pem) << pem.error().what();
  EXPECT_TRUE(pem->starts_with("-----BEGIN PUBLIC KEY-----\n"));
  auto parsed = public_key_from_pem(*pem);
  ASSERT_TRUE(parsed) << parsed.error().what();
  EXPECT_EQ(parsed->type, GetParam());
  EXPECT_EQ(parsed->raw, g.pub);
}

TEST_P(PemTest, PrivateKeyRoundTrips) {
  const Generated g = generate(GetParam());
  auto pem = private_key_to_pem(GetParam(), g.priv);
  ASSERT_TRUE(pem) << pem.error().what();
  EXPECT_TRUE(pem->starts_with("-----BEGIN PRIVATE KEY-----\n"));
  auto parsed = private_key_from_pem(*pem);
  ASSERT_TRUE(parsed) << parsed.error().what();
  EXPECT_EQ(parsed->type, GetParam());
  EXPECT_TRUE(parsed->raw == g.priv);
}

TEST_P(PemTest, PublicReaderRefusesPrivateOnlyTextAndViceVersa) {
  const Generated g = generate(GetParam());
  auto priv_pem = private_key_to_pem(GetParam(), g.priv);
  auto pub_pem = public_key_to_pem(GetParam(), g.pub);
  ASSERT_TRUE(priv_pem && pub_pem);
  EXPECT_EQ(public_key_from_pem(*priv_pem).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(private_key_from_pem(*pub_pem).error().code(), Code::kInvalidArgument);
}

TEST_P(PemTest, CorruptedBodyIsRefused) {
  const Generated g = generate(GetParam());
  auto pem = public_key_to_pem(GetParam(), g.pub);
  ASSERT_TRUE(pem);
  std::string bad = *pem;
  bad.replace(bad.find('\n') + 1, 8, "AAAAAAAA");  // break the ASN.1 header
  EXPECT_FALSE(public_key_from_pem(bad));
  EXPECT_FALSE(public_key_from_pem(pem->substr(0, pem->size() / 2)));
}

INSTANTIATE_TEST_SUITE_P(AllKeyTypes, PemTest,
                         ::testing::Values(KeyType::kX25519, KeyType::kP256, KeyType::kEd25519),
                         [](const auto& param_info) {
                           return std::string(to_string(param_info.param));
                         });

// An uncompressed P-256 input key comes back compressed (raw format of this layer).
TEST(Pem, P256UncompressedInputComesBackCompressed) {
  const auto e = testing::entries("ecies.json")[1];
  auto pem = public_key_to_pem(KeyType::kP256, testing::hex(e["home_network_public_key"]));
  ASSERT_TRUE(pem);
  auto parsed = public_key_from_pem(*pem);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(to_hex(parsed->raw), e["home_network_public_key_compressed"].get<std::string>());
}

// The store's form of a device key (docs/admin.md): P-256 uncompressed from either form, the
// 32-octet keys unchanged; TS 33.501 Annex C.4.4's profile B home network key as the point.
TEST(Pem, StoredPublicKeyIsUncompressedForP256AndUnchangedOtherwise) {
  const auto e = testing::entries("ecies.json")[1];
  const Bytes uncompressed = testing::hex(e["home_network_public_key"]);
  const Bytes compressed = testing::hex(e["home_network_public_key_compressed"]);
  ASSERT_EQ(uncompressed.size(), 65u);
  auto from_compressed = stored_public_key(KeyType::kP256, compressed);
  ASSERT_TRUE(from_compressed) << from_compressed.error().what();
  EXPECT_EQ(*from_compressed, uncompressed);
  auto from_uncompressed = stored_public_key(KeyType::kP256, uncompressed);
  ASSERT_TRUE(from_uncompressed);
  EXPECT_EQ(*from_uncompressed, uncompressed);
  const Bytes x25519 = testing::hex(testing::entries("ecies.json")[0]["home_network_public_key"]);
  auto same = stored_public_key(KeyType::kX25519, x25519);
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, x25519);
}

TEST(Pem, StoredPublicKeyRefusesAPointOffTheCurveAndWrongSizes) {
  const auto e = testing::entries("ecies.json")[1];
  Bytes off_curve = testing::hex(e["home_network_public_key"]);
  off_curve.back() ^= 0x01;  // y changed: not on the curve
  EXPECT_EQ(stored_public_key(KeyType::kP256, off_curve).error().code(), Code::kInvalidArgument);
  EXPECT_FALSE(stored_public_key(KeyType::kP256, Bytes(32, 0x02)));
  EXPECT_FALSE(stored_public_key(KeyType::kP256, {}));
  EXPECT_FALSE(stored_public_key(KeyType::kEd25519, Bytes(33, 0x01)));
}

// RFC 8410 §10.3 example: an Ed25519 private key in PKCS #8.
TEST(Pem, ReadsRfc8410Ed25519PrivateKey) {
  const std::string pem =
      "-----BEGIN PRIVATE KEY-----\n"
      "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
      "-----END PRIVATE KEY-----\n";
  auto parsed = private_key_from_pem(pem);
  ASSERT_TRUE(parsed) << parsed.error().what();
  EXPECT_EQ(parsed->type, KeyType::kEd25519);
  EXPECT_EQ(parsed->raw.reveal_hex(),
            "d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842");
}

// An encrypted PKCS #8 key is refused without prompting for a passphrase.
TEST(Pem, RefusesEncryptedPrivateKeyWithoutPrompting) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  ASSERT_NE(key, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  char pass[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), pass, 6, nullptr, nullptr),
            1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(key);
  ASSERT_NE(pem.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  auto parsed = private_key_from_pem(pem);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), Code::kInvalidArgument);
}

// SEC 1 "EC PRIVATE KEY" (RFC 5915) is read too, as P-256.
TEST(Pem, ReadsSec1EcPrivateKey) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(key, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  OSSL_ENCODER_CTX* enc =
      OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_KEYPAIR, "PEM", "type-specific", nullptr);
  ASSERT_NE(enc, nullptr);
  ASSERT_EQ(OSSL_ENCODER_to_bio(enc, bio), 1);
  OSSL_ENCODER_CTX_free(enc);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  ASSERT_NE(pem.find("BEGIN EC PRIVATE KEY"), std::string::npos);
  auto parsed = private_key_from_pem(pem);
  ASSERT_TRUE(parsed) << parsed.error().what();
  EXPECT_EQ(parsed->type, KeyType::kP256);
  auto pub = signature_public_from_private(SignatureAlgorithm::kEcdsaP256Sha256, parsed->raw);
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->size(), 33u);
  EVP_PKEY_free(key);
}

TEST(Pem, RefusesGarbageAndWrongSizes) {
  EXPECT_EQ(public_key_from_pem("not a pem").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(private_key_from_pem("").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(public_key_to_pem(KeyType::kX25519, Bytes(31)).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(private_key_to_pem(KeyType::kP256, SecretBytes(32)).error().code(),
            Code::kInvalidArgument);  // zero scalar
}

}  // namespace
}  // namespace kmebind::crypto
