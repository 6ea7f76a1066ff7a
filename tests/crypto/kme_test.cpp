// KME procedure crypto (crypto/kme.h): Rsp/XRsp, the signed transcript, KME wrapped at rest.
#include "crypto/kme.h"

#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "vectors.h"

namespace kmebind::crypto {
namespace {

SecretBytes kme_of(std::uint8_t fill) {
  return SecretBytes(Bytes(kKmeSize, fill));
}

// Rsp = HMAC-SHA-256(KME, "kmebind rsp v1" ‖ Nonce)[0..15], checked against HMAC computed over the
// concatenated input (the label has no length prefix or terminator).
TEST(Rsp, IsTruncatedHmacOverLabelAndNonce) {
  const SecretBytes kme = kme_of(0x11);
  const Bytes nonce(kNonceSize, 0x22);
  Bytes input(kRspLabel.begin(), kRspLabel.end());
  input.insert(input.end(), nonce.begin(), nonce.end());
  auto full = hmac_sha256(kme.view(), {input});
  auto rsp = compute_rsp(kme, nonce);
  ASSERT_TRUE(full && rsp);
  ASSERT_EQ(rsp->size(), kRspSize);
  EXPECT_EQ(to_hex(*rsp), to_hex(full->view().first(kRspSize)));
}

TEST(Rsp, DependsOnKmeAndNonce) {
  const Bytes nonce(kNonceSize, 0x22);
  Bytes other_nonce = nonce;
  other_nonce[15] ^= 1;
  auto a = compute_rsp(kme_of(1), nonce);
  auto b = compute_rsp(kme_of(2), nonce);
  auto c = compute_rsp(kme_of(1), other_nonce);
  ASSERT_TRUE(a && b && c);
  EXPECT_NE(*a, *b);
  EXPECT_NE(*a, *c);
}

TEST(Rsp, MatchesOnlyExactSixteenOctets) {
  auto rsp = compute_rsp(kme_of(1), Bytes(kNonceSize, 3));
  ASSERT_TRUE(rsp);
  EXPECT_TRUE(rsp_matches(*rsp, *rsp));
  for (std::size_t bit = 0; bit < 8 * kRspSize; ++bit) {
    Bytes tampered = *rsp;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(rsp_matches(*rsp, tampered)) << bit;
  }
  EXPECT_FALSE(rsp_matches(*rsp, ByteView(*rsp).first(15)));
  EXPECT_FALSE(rsp_matches({}, {}));  // a missing XRsp never matches
}

TEST(Rsp, BadSizesAreInvalidArgument) {
  EXPECT_EQ(compute_rsp(SecretBytes(31), Bytes(16)).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(compute_rsp(kme_of(1), Bytes(15)).error().code(), Code::kInvalidArgument);
}

// Layout: label ‖ len ‖ IMSI ‖ len ‖ IMEI ‖ len ‖ Nonce ‖ SHA-256(KME).
// HXRsp = the 128 least significant bits of SHA-256(Nonce ‖ Rsp), as HXRES* (TS 33.501 A.5).
// Expected value from Python's hashlib: sha256(bytes(range(32))).hexdigest()[32:].
TEST(HxRsp, IsTheLowHalfOfSha256OverNonceAndRsp) {
  Bytes nonce(kNonceSize), rsp(kRspSize);
  for (std::size_t i = 0; i < kNonceSize; ++i) nonce[i] = static_cast<std::uint8_t>(i);
  for (std::size_t i = 0; i < kRspSize; ++i) rsp[i] = static_cast<std::uint8_t>(16 + i);
  auto hxrsp = compute_hxrsp(nonce, rsp);
  ASSERT_TRUE(hxrsp) << hxrsp.error().what();
  EXPECT_EQ(to_hex(*hxrsp), "f412a49c732db2c8abc1b8581bd710dd");
  rsp[0] ^= 1;
  EXPECT_NE(to_hex(compute_hxrsp(nonce, rsp).value_or(Bytes{})),
            "f412a49c732db2c8abc1b8581bd710dd");
  EXPECT_EQ(compute_hxrsp(Bytes(15, 0), rsp).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(compute_hxrsp(nonce, Bytes(17, 0)).error().code(), Code::kInvalidArgument);
}

TEST(KmeTranscript, HasTheDocumentedLayout) {
  const SecretBytes kme = kme_of(0x5a);
  const Bytes nonce(kNonceSize, 0xee);
  const Bytes t = kme_transcript("001010123456789", "35693803564380", nonce, kme);
  Bytes expected(kTranscriptLabel.begin(), kTranscriptLabel.end());
  expected.reserve(expected.size() + 3 + 15 + 14 + 16 + 32);  // no GCC 12 -Wstringop-overflow
  expected.push_back(15);
  for (char c : std::string_view("001010123456789"))
    expected.push_back(static_cast<std::uint8_t>(c));
  expected.push_back(14);
  for (char c : std::string_view("35693803564380"))
    expected.push_back(static_cast<std::uint8_t>(c));
  expected.push_back(16);
  expected.insert(expected.end(), nonce.begin(), nonce.end());
  auto digest = sha256({kme.view()});
  ASSERT_TRUE(digest);
  expected.insert(expected.end(), digest->begin(), digest->end());
  EXPECT_EQ(to_hex(t), to_hex(expected));
}

// Each input changes the transcript, and length prefixes keep field boundaries unambiguous.
TEST(KmeTranscript, BindsEveryInput) {
  const Bytes nonce(kNonceSize, 1);
  const Bytes base = kme_transcript("00101", "123", nonce, kme_of(1));
  EXPECT_NE(base, kme_transcript("00102", "123", nonce, kme_of(1)));
  EXPECT_NE(base, kme_transcript("00101", "124", nonce, kme_of(1)));
  EXPECT_NE(base, kme_transcript("00101", "123", Bytes(kNonceSize, 2), kme_of(1)));
  EXPECT_NE(base, kme_transcript("00101", "123", nonce, kme_of(2)));
  EXPECT_NE(kme_transcript("001011", "23", nonce, kme_of(1)), base);
}

TEST(KmeTranscript, OversizedFieldGivesEmptyOrError) {
  const std::string long_imei(256, '1');
  EXPECT_TRUE(kme_transcript("00101", long_imei, Bytes(16), kme_of(1)).empty());
  EXPECT_EQ(kme_transcript_checked("00101", long_imei, Bytes(16), kme_of(1)).error().code(),
            Code::kInvalidArgument);
}

class WrapKmeTest : public ::testing::Test {
 protected:
  SecretBytes master = *random_secret(kMasterKeySize);
  SecretBytes kme = *random_secret(kKmeSize);
};

TEST_F(WrapKmeTest, RoundTripsWithFreshIv) {
  auto a = wrap_kme(master, kme, "001010000000001", "490154203237518", 3);
  auto b = wrap_kme(master, kme, "001010000000001", "490154203237518", 3);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), kWrappedKmeSize);
  EXPECT_EQ((*a)[0], kWrappedKmeFormat);
  EXPECT_NE(*a, *b);
  auto back = unwrap_kme(master, *a, "001010000000001", "490154203237518", 3);
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_TRUE(*back == kme);
}

// Tamper test: every flipped bit, and a record moved to another IMSI, IMEI or version, or opened
// with another master key, is kCorruption.
TEST_F(WrapKmeTest, TamperedOrMovedRecordIsCorruption) {
  auto w = wrap_kme(master, kme, "001010000000001", "490154203237518", 3);
  ASSERT_TRUE(w);
  for (std::size_t bit = 0; bit < 8 * w->size(); ++bit) {
    Bytes t = *w;
    t[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto r = unwrap_kme(master, t, "001010000000001", "490154203237518", 3);
    ASSERT_FALSE(r) << bit;
    EXPECT_EQ(r.error().code(), Code::kCorruption);
  }
  EXPECT_EQ(unwrap_kme(master, *w, "001010000000002", "490154203237518", 3).error().code(),
            Code::kCorruption);
  EXPECT_EQ(unwrap_kme(master, *w, "001010000000001", "490154203237519", 3).error().code(),
            Code::kCorruption);
  EXPECT_EQ(unwrap_kme(master, *w, "001010000000001", "490154203237518", 4).error().code(),
            Code::kCorruption);
  auto other_master = random_secret(kMasterKeySize);
  ASSERT_TRUE(other_master);
  auto r = unwrap_kme(*other_master, *w, "001010000000001", "490154203237518", 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kCorruption);
  EXPECT_NE(r.error().message().find("wrong master key or corrupted record"), std::string::npos);
  for (std::size_t n = 0; n < w->size(); ++n) {
    EXPECT_EQ(unwrap_kme(master, ByteView(*w).first(n), "001010000000001", "490154203237518", 3)
                  .error()
                  .code(),
              Code::kCorruption);
  }
}

TEST_F(WrapKmeTest, BadSizesAreInvalidArgument) {
  EXPECT_EQ(wrap_kme(SecretBytes(16), kme, "1", "2", 1).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(wrap_kme(master, SecretBytes(16), "1", "2", 1).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(wrap_kme(master, kme, "", "2", 1).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(unwrap_kme(SecretBytes(31), Bytes(kWrappedKmeSize), "1", "2", 1).error().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace kmebind::crypto
