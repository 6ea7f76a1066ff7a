// Device signatures: Ed25519 (RFC 8032) and ECDSA P-256/SHA-256 (FIPS 186-4), raw r ‖ s.
#include "crypto/signature.h"

#include <gtest/gtest.h>

#include "vectors.h"

namespace kmebind::crypto {
namespace {

Bytes h(std::string_view hex) {
  return *from_hex(hex);
}

// RFC 8032 §7.1, TEST 1 (empty message) and TEST 2 (one octet 0x72).
TEST(Ed25519Rfc8032, SignsAndVerifiesSection71Vectors) {
  struct Vector {
    const char* secret;
    const char* pub;
    const char* message;
    const char* signature;
  };
  const Vector vectors[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701"
       "cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d"
       "0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
  };
  for (const auto& v : vectors) {
    const SecretBytes priv(h(v.secret));
    auto pub = signature_public_from_private(SignatureAlgorithm::kEd25519, priv);
    ASSERT_TRUE(pub);
    EXPECT_EQ(to_hex(*pub), v.pub);
    auto sig = sign(SignatureAlgorithm::kEd25519, priv, h(v.message));
    ASSERT_TRUE(sig) << sig.error().what();
    EXPECT_EQ(to_hex(*sig), v.signature);
    EXPECT_TRUE(verify(SignatureAlgorithm::kEd25519, h(v.pub), h(v.message), h(v.signature)));
  }
}

// RFC 6979 §A.2.5: P-256, SHA-256, message "sample" — a deterministic signature, which any
// valid ECDSA verifier must accept; also checks r ‖ s ordering and the public key derivation.
TEST(EcdsaP256Rfc6979, VerifiesSampleSignatureAndDerivesPublicKey) {
  const SecretBytes priv(h("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"));
  const Bytes uncompressed =
      h("0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
        "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
  auto pub = signature_public_from_private(SignatureAlgorithm::kEcdsaP256Sha256, priv);
  ASSERT_TRUE(pub) << pub.error().what();
  // Y is odd (…99), so the compressed prefix is 03.
  EXPECT_EQ(to_hex(*pub), "0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6");
  const Bytes sig =
      h("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
        "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
  const ByteView message = as_bytes("sample");
  EXPECT_TRUE(verify(SignatureAlgorithm::kEcdsaP256Sha256, *pub, message, sig));
  EXPECT_TRUE(verify(SignatureAlgorithm::kEcdsaP256Sha256, uncompressed, message, sig));
  auto wrong = verify(SignatureAlgorithm::kEcdsaP256Sha256, *pub, as_bytes("test"), sig);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code(), Code::kAuthFailed);
}

// The signer that parses the private key once gives RFC 8032's deterministic signatures.
TEST(Ed25519Rfc8032, SignerGivesSection71Signature) {
  const SecretBytes priv(h("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
  auto signer = Signer::create(SignatureAlgorithm::kEd25519, priv);
  ASSERT_TRUE(signer) << signer.error().what();
  EXPECT_EQ(signer->algorithm(), SignatureAlgorithm::kEd25519);
  auto pub = signer->public_key();
  ASSERT_TRUE(pub);
  EXPECT_EQ(to_hex(*pub), "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  for (int round = 0; round < 2; ++round) {
    auto sig = signer->sign(h("72"));
    ASSERT_TRUE(sig) << sig.error().what();
    EXPECT_EQ(to_hex(*sig),
              "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e4"
              "58f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  }
}

// RFC 6979 §A.2.5 key: the signer derives the compressed public key, and its (randomised) ECDSA
// signatures verify under it.
TEST(EcdsaP256Rfc6979, SignerDerivesPublicKeyAndSignsVerifiably) {
  const SecretBytes priv(h("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"));
  auto signer = Signer::create(SignatureAlgorithm::kEcdsaP256Sha256, priv);
  ASSERT_TRUE(signer) << signer.error().what();
  auto pub = signer->public_key();
  ASSERT_TRUE(pub);
  EXPECT_EQ(to_hex(*pub), "0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6");
  for (int i = 0; i < 5; ++i) {
    auto sig = signer->sign(as_bytes("sample"));
    ASSERT_TRUE(sig) << sig.error().what();
    ASSERT_EQ(sig->size(), kSignatureSize);
    EXPECT_TRUE(verify(SignatureAlgorithm::kEcdsaP256Sha256, *pub, as_bytes("sample"), *sig));
  }
}

TEST(Signer, BadPrivateKeyIsInvalidArgument) {
  EXPECT_EQ(Signer::create(SignatureAlgorithm::kEd25519, SecretBytes(Bytes(33, 1))).error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Signer::create(SignatureAlgorithm::kEcdsaP256Sha256, SecretBytes(Bytes(32, 0)))
                .error()
                .code(),
            Code::kInvalidArgument);
}

class SignatureTest : public ::testing::TestWithParam<SignatureAlgorithm> {};

TEST_P(SignatureTest, GeneratedKeySignsAndVerifies) {
  auto kp = signature_generate(GetParam());
  ASSERT_TRUE(kp) << kp.error().what();
  EXPECT_EQ(kp->private_key.size(), 32u);
  EXPECT_EQ(kp->public_key.size(), GetParam() == SignatureAlgorithm::kEd25519 ? 32u : 33u);
  auto pub = signature_public_from_private(GetParam(), kp->private_key);
  ASSERT_TRUE(pub);
  EXPECT_EQ(*pub, kp->public_key);
  const Bytes message(100, 0x3c);
  for (int i = 0; i < 20; ++i) {  // ECDSA r or s with leading zero octets still give 64 octets
    auto sig = sign(GetParam(), kp->private_key, message);
    ASSERT_TRUE(sig) << sig.error().what();
    ASSERT_EQ(sig->size(), kSignatureSize);
    EXPECT_TRUE(verify(GetParam(), kp->public_key, message, *sig));
  }
}

// Tamper test: one flipped bit in the signature or the message is refused with kAuthFailed.
TEST_P(SignatureTest, EveryFlippedBitIsRefused) {
  auto kp = signature_generate(GetParam());
  ASSERT_TRUE(kp);
  const Bytes message(24, 0x42);
  auto sig = sign(GetParam(), kp->private_key, message);
  ASSERT_TRUE(sig);
  auto verifier = SignatureVerifier::create(GetParam(), kp->public_key);
  ASSERT_TRUE(verifier);
  EXPECT_TRUE(verifier->verify(message, *sig));
  for (std::size_t bit = 0; bit < 8 * sig->size(); ++bit) {
    Bytes tampered = *sig;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto r = verifier->verify(message, tampered);
    ASSERT_FALSE(r) << "signature bit " << bit;
    EXPECT_EQ(r.error().code(), Code::kAuthFailed);
  }
  for (std::size_t bit = 0; bit < 8 * message.size(); ++bit) {
    Bytes tampered = message;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto r = verifier->verify(tampered, *sig);
    ASSERT_FALSE(r) << "message bit " << bit;
    EXPECT_EQ(r.error().code(), Code::kAuthFailed);
  }
}

TEST_P(SignatureTest, OtherKeyIsRefused) {
  auto a = signature_generate(GetParam());
  auto b = signature_generate(GetParam());
  ASSERT_TRUE(a && b);
  auto sig = sign(GetParam(), a->private_key, as_bytes("kme"));
  ASSERT_TRUE(sig);
  auto r = verify(GetParam(), b->public_key, as_bytes("kme"), *sig);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kAuthFailed);
}

TEST_P(SignatureTest, BadLengthsAreMalformedOrInvalidArgument) {
  auto kp = signature_generate(GetParam());
  ASSERT_TRUE(kp);
  auto sig = sign(GetParam(), kp->private_key, as_bytes("m"));
  ASSERT_TRUE(sig);
  EXPECT_EQ(
      verify(GetParam(), kp->public_key, as_bytes("m"), ByteView(*sig).first(63)).error().code(),
      Code::kMalformed);
  Bytes longer = *sig;
  longer.push_back(0);
  EXPECT_EQ(verify(GetParam(), kp->public_key, as_bytes("m"), longer).error().code(),
            Code::kMalformed);
  EXPECT_EQ(
      verify(GetParam(), ByteView(kp->public_key).first(31), as_bytes("m"), *sig).error().code(),
      Code::kMalformed);
  EXPECT_EQ(sign(GetParam(), SecretBytes(31), as_bytes("m")).error().code(),
            Code::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(BothAlgorithms, SignatureTest,
                         ::testing::Values(SignatureAlgorithm::kEd25519,
                                           SignatureAlgorithm::kEcdsaP256Sha256),
                         [](const auto& param_info) {
                           return param_info.param == SignatureAlgorithm::kEd25519 ? "Ed25519"
                                                                                   : "EcdsaP256";
                         });

TEST(EcdsaP256, InvalidPointAndZeroScalarAreRefused) {
  Bytes pub = h("0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6");
  pub[0] = 0x05;  // not a SEC 1 prefix
  EXPECT_EQ(SignatureVerifier::create(SignatureAlgorithm::kEcdsaP256Sha256, pub).error().code(),
            Code::kMalformed);
  EXPECT_EQ(signature_public_from_private(SignatureAlgorithm::kEcdsaP256Sha256, SecretBytes(32))
                .error()
                .code(),
            Code::kInvalidArgument);
  // r = s = 0 is never a valid signature.
  auto kp = signature_generate(SignatureAlgorithm::kEcdsaP256Sha256);
  ASSERT_TRUE(kp);
  auto r = verify(SignatureAlgorithm::kEcdsaP256Sha256, kp->public_key, as_bytes("m"), Bytes(64));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kAuthFailed);
}

// A P-256 public key off the curve is refused in both encodings, with the error of a bad peer
// key (kMalformed), not an internal one: the RFC 6979 key with Y changed (uncompressed), and
// an X with no square root of X³ - 3X + b (compressed; X = 0..63 holds several).
TEST(EcdsaP256, PublicKeyOffTheCurveIsMalformedInBothEncodings) {
  Bytes uncompressed =
      h("0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
        "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
  ASSERT_TRUE(SignatureVerifier::create(SignatureAlgorithm::kEcdsaP256Sha256, uncompressed));
  uncompressed.back() ^= 1;
  auto off = SignatureVerifier::create(SignatureAlgorithm::kEcdsaP256Sha256, uncompressed);
  ASSERT_FALSE(off);
  EXPECT_EQ(off.error().code(), Code::kMalformed);
  EXPECT_NE(off.error().message().find("not a valid curve point"), std::string::npos)
      << off.error().message();

  int refused = 0;
  int accepted = 0;
  for (std::uint8_t x = 0; x < 64; ++x) {
    Bytes compressed(33, 0);
    compressed[0] = 0x02;
    compressed[32] = x;
    auto r = SignatureVerifier::create(SignatureAlgorithm::kEcdsaP256Sha256, compressed);
    if (r) {
      ++accepted;
      continue;
    }
    EXPECT_EQ(r.error().code(), Code::kMalformed) << int{x} << ": " << r.error().message();
    ++refused;
  }
  // About half of all X are on the curve; both outcomes must occur.
  EXPECT_GT(refused, 8);
  EXPECT_GT(accepted, 8);
}

// Public keys are copies of one template with their own point: two verifiers alive at once
// each accept only their own key's signature (importing the second must not change the first).
TEST_P(SignatureTest, TwoVerifiersAliveAtOnceKeepTheirOwnKeys) {
  auto a = signature_generate(GetParam());
  auto b = signature_generate(GetParam());
  ASSERT_TRUE(a && b);
  auto va = SignatureVerifier::create(GetParam(), a->public_key);
  auto vb = SignatureVerifier::create(GetParam(), b->public_key);
  ASSERT_TRUE(va && vb);
  auto sa = sign(GetParam(), a->private_key, as_bytes("m"));
  auto sb = sign(GetParam(), b->private_key, as_bytes("m"));
  ASSERT_TRUE(sa && sb);
  EXPECT_TRUE(va->verify(as_bytes("m"), *sa));
  EXPECT_TRUE(vb->verify(as_bytes("m"), *sb));
  EXPECT_FALSE(va->verify(as_bytes("m"), *sb));
  EXPECT_FALSE(vb->verify(as_bytes("m"), *sa));
}

TEST(SignatureAlgorithmNames, RoundTrip) {
  for (auto alg : {SignatureAlgorithm::kEd25519, SignatureAlgorithm::kEcdsaP256Sha256}) {
    EXPECT_EQ(*signature_algorithm_from_string(to_string(alg)), alg);
  }
  EXPECT_EQ(to_string(SignatureAlgorithm::kEcdsaP256Sha256), "ecdsa-p256");
  auto bad = signature_algorithm_from_string("rsa");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("\"rsa\""), std::string::npos);
}

}  // namespace
}  // namespace kmebind::crypto
