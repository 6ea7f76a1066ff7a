// ECIES of TS 33.501 Annex C.3 (profiles A and B) against every entry of the Annex C.4 test
// data in tests/vectors/ecies.json, plus round trips and tamper tests.
#include "crypto/ecies.h"

#include <gtest/gtest.h>

#include "crypto/evp_keys.h"
#include "vectors.h"

namespace kmebind::crypto {
namespace {

using testing::entries;
using testing::hex;
using testing::secret;

EciesProfile profile_of(const nlohmann::json& e) {
  return e["profile"].get<std::string>().starts_with("A") ? EciesProfile::kA : EciesProfile::kB;
}

// TS 33.501 C.4.3.1 (A) and C.4.4.1 (B): the scheme output from the published ephemeral key.
TEST(EciesTs33501C4, EncryptWithPublishedEphemeralKeyGivesPublishedSchemeOutput) {
  const auto all = entries("ecies.json");
  ASSERT_EQ(all.size(), 2u);
  for (const auto& e : all) {
    SCOPED_TRACE(e["id"].get<std::string>());
    const SecretBytes eph = secret(e["eph_private_key"]);
    auto out = ecies_encrypt(profile_of(e), hex(e["home_network_public_key"]),
                             hex(e["plaintext_block"]), &eph);
    ASSERT_TRUE(out) << out.error().what();
    EXPECT_EQ(to_hex(*out), e["scheme_output"].get<std::string>());
    // The output's parts, as published.
    const std::size_t pub = ecies_eph_public_key_size(profile_of(e));
    EXPECT_EQ(to_hex(ByteView(*out).first(pub)), e["eph_public_key"].get<std::string>());
    EXPECT_EQ(to_hex(ByteView(*out).last(8)), e["mac_tag"].get<std::string>());
  }
}

// Profile B also accepts the home network key in compressed form (C.4.4 lists both).
TEST(EciesTs33501C4, ProfileBAcceptsCompressedPublicKey) {
  for (const auto& e : entries("ecies.json")) {
    if (!e.contains("home_network_public_key_compressed")) continue;
    const SecretBytes eph = secret(e["eph_private_key"]);
    auto out = ecies_encrypt(EciesProfile::kB, hex(e["home_network_public_key_compressed"]),
                             hex(e["plaintext_block"]), &eph);
    ASSERT_TRUE(out) << out.error().what();
    EXPECT_EQ(to_hex(*out), e["scheme_output"].get<std::string>());
  }
}

TEST(EciesTs33501C4, DecryptPublishedSchemeOutput) {
  for (const auto& e : entries("ecies.json")) {
    SCOPED_TRACE(e["id"].get<std::string>());
    auto plain = ecies_decrypt(profile_of(e), secret(e["home_network_private_key"]),
                               hex(e["scheme_output"]));
    ASSERT_TRUE(plain) << plain.error().what();
    EXPECT_EQ(plain->reveal_hex(), e["plaintext_block"].get<std::string>());
  }
}

// Intermediate values of C.4.3/C.4.4: shared key, EK, ICB, MK (X9.63 KDF, SharedInfo1 = eph pub).
TEST(EciesTs33501C4, IntermediateValuesMatch) {
  for (const auto& e : entries("ecies.json")) {
    SCOPED_TRACE(e["id"].get<std::string>());
    const auto curve =
        profile_of(e) == EciesProfile::kA ? detail::Curve::kX25519 : detail::Curve::kP256;
    auto hn_priv =
        detail::private_key(curve, hex(e["home_network_private_key"]), Code::kInvalidArgument);
    auto eph_pub = detail::public_key(curve, hex(e["eph_public_key"]), Code::kMalformed);
    ASSERT_TRUE(hn_priv && eph_pub);
    auto z = detail::shared_secret(hn_priv->get(), eph_pub->get());
    ASSERT_TRUE(z) << z.error().what();
    EXPECT_EQ(z->reveal_hex(), e["eph_shared_key"].get<std::string>());
    auto keys = detail::ecies_derive_keys(*z, hex(e["eph_public_key"]));
    ASSERT_TRUE(keys);
    EXPECT_EQ(keys->enc_key.reveal_hex(), e["eph_enc_key"].get<std::string>());
    EXPECT_EQ(to_hex(keys->icb), e["ICB"].get<std::string>());
    EXPECT_EQ(keys->mac_key.reveal_hex(), e["eph_mac_key"].get<std::string>());
  }
}

TEST(EciesTs33501C4, PublicFromPrivateMatchesPublishedKeys) {
  for (const auto& e : entries("ecies.json")) {
    SCOPED_TRACE(e["id"].get<std::string>());
    const bool b = profile_of(e) == EciesProfile::kB;
    auto hn = ecies_public_from_private(profile_of(e), secret(e["home_network_private_key"]));
    ASSERT_TRUE(hn) << hn.error().what();
    EXPECT_EQ(
        to_hex(*hn),
        e[b ? "home_network_public_key_compressed" : "home_network_public_key"].get<std::string>());
    auto eph = ecies_public_from_private(profile_of(e), secret(e["eph_private_key"]));
    ASSERT_TRUE(eph);
    EXPECT_EQ(to_hex(*eph), e["eph_public_key"].get<std::string>());
  }
}

// The decryptor that parses the private key once gives the published plaintext and key, and
// refuses a flipped bit as ecies_decrypt does.
TEST(EciesTs33501C4, DecryptorDecryptsPublishedSchemeOutput) {
  for (const auto& e : entries("ecies.json")) {
    SCOPED_TRACE(e["id"].get<std::string>());
    auto d = EciesDecryptor::create(profile_of(e), secret(e["home_network_private_key"]));
    ASSERT_TRUE(d) << d.error().what();
    EXPECT_EQ(d->profile(), profile_of(e));
    auto pub = d->public_key();
    ASSERT_TRUE(pub);
    const std::string published = e.contains("home_network_public_key_compressed")
                                      ? e["home_network_public_key_compressed"].get<std::string>()
                                      : e["home_network_public_key"].get<std::string>();
    EXPECT_EQ(to_hex(*pub), published);
    for (int round = 0; round < 2; ++round) {
      auto plain = d->decrypt(hex(e["scheme_output"]));
      ASSERT_TRUE(plain) << plain.error().what();
      EXPECT_EQ(plain->reveal_hex(), e["plaintext_block"].get<std::string>());
    }
    Bytes tampered = hex(e["scheme_output"]);
    tampered[tampered.size() / 2] ^= 0x01;
    auto bad = d->decrypt(tampered);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code(), Code::kAuthFailed);
    auto short_output = d->decrypt(ByteView(hex(e["scheme_output"])).first(8));
    ASSERT_FALSE(short_output);
    EXPECT_EQ(short_output.error().code(), Code::kMalformed);
  }
}

TEST(EciesDecryptor, BadPrivateKeyIsInvalidArgument) {
  EXPECT_EQ(EciesDecryptor::create(EciesProfile::kA, SecretBytes(Bytes(31, 1))).error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(EciesDecryptor::create(EciesProfile::kB, SecretBytes(Bytes(32, 0))).error().code(),
            Code::kInvalidArgument);
}

class EciesProfileTest : public ::testing::TestWithParam<EciesProfile> {};

TEST_P(EciesProfileTest, RoundTripsWithFreshKeys) {
  auto kp = ecies_generate(GetParam());
  ASSERT_TRUE(kp) << kp.error().what();
  EXPECT_EQ(kp->public_key.size(), ecies_eph_public_key_size(GetParam()));
  auto pub = ecies_public_from_private(GetParam(), kp->private_key);
  ASSERT_TRUE(pub);
  EXPECT_EQ(*pub, kp->public_key);
  for (std::size_t len : {0u, 1u, 16u, 17u, 100u}) {
    Bytes plain(len);
    for (std::size_t i = 0; i < len; ++i) plain[i] = static_cast<std::uint8_t>(i * 7);
    auto out = ecies_encrypt(GetParam(), kp->public_key, plain);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->size(), ecies_eph_public_key_size(GetParam()) + len + kEciesMacTagSize);
    auto back = ecies_decrypt(GetParam(), kp->private_key, *out);
    ASSERT_TRUE(back) << back.error().what();
    EXPECT_EQ(to_hex(back->view()), to_hex(plain));
  }
}

TEST_P(EciesProfileTest, TwoEncryptionsDifferByEphemeralKey) {
  auto kp = ecies_generate(GetParam());
  ASSERT_TRUE(kp);
  const Bytes plain(32, 0x55);
  auto a = ecies_encrypt(GetParam(), kp->public_key, plain);
  auto b = ecies_encrypt(GetParam(), kp->public_key, plain);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

// Tamper test: one flipped bit anywhere in the scheme output is refused. In the ephemeral key
// it is kAuthFailed (different shared secret) or kMalformed (not a point any more).
TEST_P(EciesProfileTest, EveryFlippedBitIsRefused) {
  auto kp = ecies_generate(GetParam());
  ASSERT_TRUE(kp);
  const Bytes plain(40, 0xa5);
  auto out = ecies_encrypt(GetParam(), kp->public_key, plain);
  ASSERT_TRUE(out);
  const std::size_t pub = ecies_eph_public_key_size(GetParam());
  for (std::size_t bit = 0; bit < 8 * out->size(); ++bit) {
    Bytes tampered = *out;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto r = ecies_decrypt(GetParam(), kp->private_key, tampered);
    ASSERT_FALSE(r) << "bit " << bit;
    if (bit / 8 >= pub) {
      EXPECT_EQ(r.error().code(), Code::kAuthFailed) << "bit " << bit;
    } else {
      EXPECT_TRUE(r.error().code() == Code::kAuthFailed || r.error().code() == Code::kMalformed)
          << "bit " << bit;
    }
  }
}

TEST_P(EciesProfileTest, WrongPrivateKeyIsAuthFailed) {
  auto kp = ecies_generate(GetParam());
  auto other = ecies_generate(GetParam());
  ASSERT_TRUE(kp && other);
  auto out = ecies_encrypt(GetParam(), kp->public_key, Bytes(32, 1));
  ASSERT_TRUE(out);
  auto r = ecies_decrypt(GetParam(), other->private_key, *out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kAuthFailed);
}

TEST_P(EciesProfileTest, EveryTruncationIsRefused) {
  auto kp = ecies_generate(GetParam());
  ASSERT_TRUE(kp);
  auto out = ecies_encrypt(GetParam(), kp->public_key, Bytes(20, 3));
  ASSERT_TRUE(out);
  const std::size_t min = ecies_eph_public_key_size(GetParam()) + kEciesMacTagSize;
  for (std::size_t n = 0; n < out->size(); ++n) {
    auto r = ecies_decrypt(GetParam(), kp->private_key, ByteView(*out).first(n));
    ASSERT_FALSE(r) << n;
    if (n < min) {
      EXPECT_EQ(r.error().code(), Code::kMalformed) << n;
    }
  }
}

TEST_P(EciesProfileTest, BadKeySizesAreInvalidArgument) {
  const Bytes plain(4);
  EXPECT_EQ(ecies_encrypt(GetParam(), Bytes(31, 9), plain).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(ecies_public_from_private(GetParam(), SecretBytes(31)).error().code(),
            Code::kInvalidArgument);
  auto kp = ecies_generate(GetParam());
  ASSERT_TRUE(kp);
  auto out = ecies_encrypt(GetParam(), kp->public_key, plain);
  ASSERT_TRUE(out);
  EXPECT_EQ(ecies_decrypt(GetParam(), SecretBytes(33), *out).error().code(),
            Code::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(BothProfiles, EciesProfileTest,
                         ::testing::Values(EciesProfile::kA, EciesProfile::kB),
                         [](const auto& param_info) {
                           return std::string(to_string(param_info.param));
                         });

// Profile B: a point not on P-256 is refused, as the peer key (kInvalidArgument) and as the
// ephemeral key in a scheme output (kMalformed). An uncompressed ephemeral key is refused too.
TEST(EciesProfileB, RejectsInvalidPoints) {
  const auto e = entries("ecies.json")[1];
  Bytes off_curve = hex(e["home_network_public_key"]);
  off_curve.back() ^= 1;
  auto enc = ecies_encrypt(EciesProfile::kB, off_curve, Bytes(5));
  ASSERT_FALSE(enc);
  EXPECT_EQ(enc.error().code(), Code::kInvalidArgument);

  // x = 0 has no square root mod p for P-256 with either sign (not a point).
  Bytes out = hex(e["scheme_output"]);
  bool found_invalid = false;
  for (std::uint8_t x0 = 0; x0 < 64 && !found_invalid; ++x0) {
    Bytes bad = out;
    std::fill(bad.begin() + 1, bad.begin() + 33, 0);
    bad[32] = x0;
    auto r = ecies_decrypt(EciesProfile::kB, secret(e["home_network_private_key"]), bad);
    ASSERT_FALSE(r);
    if (r.error().code() == Code::kMalformed) found_invalid = true;
  }
  EXPECT_TRUE(found_invalid);

  Bytes uncompressed = hex(e["eph_public_key_uncompressed"]);
  const Bytes tail(out.begin() + 33, out.end());
  uncompressed.insert(uncompressed.end(), tail.begin(), tail.end());
  auto r = ecies_decrypt(EciesProfile::kB, secret(e["home_network_private_key"]), uncompressed);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kMalformed);
}

// Profile A: small-order X25519 points give the all-zero shared secret and are refused
// (RFC 7748 §6.1): as peer key (kInvalidArgument) and as ephemeral key (kMalformed).
TEST(EciesProfileA, RejectsSmallOrderPoints) {
  const auto e = entries("ecies.json")[0];
  // u = 0 and u = 1 are points of small order on Curve25519.
  for (const std::uint8_t u : {std::uint8_t{0}, std::uint8_t{1}}) {
    Bytes point(32, 0);
    point[0] = u;
    auto enc = ecies_encrypt(EciesProfile::kA, point, Bytes(5));
    ASSERT_FALSE(enc);
    EXPECT_EQ(enc.error().code(), Code::kInvalidArgument);
    Bytes out = hex(e["scheme_output"]);
    std::copy(point.begin(), point.end(), out.begin());
    auto dec = ecies_decrypt(EciesProfile::kA, secret(e["home_network_private_key"]), out);
    ASSERT_FALSE(dec);
    EXPECT_EQ(dec.error().code(), Code::kMalformed);
  }
}

TEST(EciesProfile, ParsesAndPrints) {
  EXPECT_EQ(*ecies_profile_from_string("A"), EciesProfile::kA);
  EXPECT_EQ(*ecies_profile_from_string("b"), EciesProfile::kB);
  EXPECT_EQ(to_string(EciesProfile::kB), "B");
  auto bad = ecies_profile_from_string("C");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("\"C\""), std::string::npos);
}

}  // namespace
}  // namespace kmebind::crypto
