// The device-challenge token (crypto/challenge_token.h): sealing, binding to IMSI/IMEI, expiry,
// key rotation, and separation from the Cookie sealed under the same key ring.
#include "crypto/challenge_token.h"

#include <gtest/gtest.h>

#include "crypto/hss_token.h"
#include "crypto/kme.h"
#include "crypto/random.h"

namespace kmebind::crypto {
namespace {

constexpr std::string_view kImsi = "001010123456789";
constexpr std::string_view kImei = "35693803564380";
constexpr std::int64_t kNow = 1'700'000'000;

ChallengeTokenContent content(std::int64_t issued = kNow) {
  ChallengeTokenContent c;
  c.imsi = std::string(kImsi);
  c.imei = std::string(kImei);
  c.nonce = *random_bytes(kNonceSize);
  c.issued_at_unix_s = issued;
  c.kme_version = 3;
  return c;
}

class ChallengeTokenTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(ring.add_key(1, *random_secret(kCookieKeySize))); }

  Result<ChallengeTokenContent> open(ByteView token, std::int64_t now = kNow,
                                     std::string_view imei = kImei) {
    return open_challenge_token(ring, token, kImsi, imei, now, kCookieDefaultLifetimeS);
  }

  CookieKeyRing ring;
};

TEST_F(ChallengeTokenTest, RoundTripsEveryField) {
  const ChallengeTokenContent c = content();
  auto sealed = seal_challenge_token(ring, c);
  ASSERT_TRUE(sealed) << sealed.error().what();
  ASSERT_EQ(sealed->size(), kChallengeTokenSize);
  EXPECT_EQ((*sealed)[0], kChallengeTokenVersion);
  EXPECT_EQ(to_hex(ByteView(*sealed).subspan(1, 4)), "00000001");  // key id in the clear
  auto opened = open(*sealed);
  ASSERT_TRUE(opened) << opened.error().what();
  EXPECT_EQ(opened->imsi, kImsi);
  EXPECT_EQ(opened->imei, kImei);
  EXPECT_EQ(opened->nonce, c.nonce);
  EXPECT_EQ(opened->issued_at_unix_s, kNow);
  EXPECT_EQ(opened->kme_version, 3u);
}

TEST_F(ChallengeTokenTest, DoesNotOpenForAnotherImei) {
  auto sealed = seal_challenge_token(ring, content());
  ASSERT_TRUE(sealed);
  auto opened = open(*sealed, kNow, "35209900176148");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), Code::kAuthFailed);
}

TEST_F(ChallengeTokenTest, EveryFlippedBitIsRefused) {
  auto sealed = seal_challenge_token(ring, content());
  ASSERT_TRUE(sealed);
  for (std::size_t bit = 0; bit < sealed->size() * 8; ++bit) {
    Bytes tampered = *sealed;
    tampered[bit / 8] = static_cast<std::uint8_t>(tampered[bit / 8] ^ (1u << (bit % 8)));
    auto opened = open(tampered);
    ASSERT_FALSE(opened) << "bit " << bit;
    EXPECT_TRUE(opened.error().code() == Code::kAuthFailed ||
                opened.error().code() == Code::kMalformed)
        << "bit " << bit << ": " << opened.error().what();
  }
}

TEST_F(ChallengeTokenTest, TruncatedOrExtendedTokensAreMalformed) {
  auto sealed = seal_challenge_token(ring, content());
  ASSERT_TRUE(sealed);
  for (std::size_t n = 0; n < sealed->size(); ++n) {
    auto opened = open(ByteView(*sealed).first(n));
    ASSERT_FALSE(opened) << n;
    EXPECT_EQ(opened.error().code(), Code::kMalformed) << n;
  }
  Bytes longer = *sealed;
  longer.push_back(0);
  auto opened = open(longer);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), Code::kMalformed);
}

TEST_F(ChallengeTokenTest, ExpiresAfterTheLifetimeAndRefusesTheFarFuture) {
  auto sealed = seal_challenge_token(ring, content());
  ASSERT_TRUE(sealed);
  EXPECT_TRUE(open(*sealed, kNow + kCookieDefaultLifetimeS));
  auto late = open(*sealed, kNow + kCookieDefaultLifetimeS + 1);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code(), Code::kExpired);
  EXPECT_TRUE(open(*sealed, kNow - kCookieMaxClockSkewS));
  auto early = open(*sealed, kNow - kCookieMaxClockSkewS - 1);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code(), Code::kExpired);
}

TEST_F(ChallengeTokenTest, OpensUnderARetiringKeyUntilItIsRetired) {
  auto sealed = seal_challenge_token(ring, content());
  ASSERT_TRUE(sealed);
  ASSERT_TRUE(ring.add_key(2, *random_secret(kCookieKeySize)));
  ASSERT_TRUE(ring.set_active(2));
  EXPECT_TRUE(open(*sealed));
  ASSERT_TRUE(ring.retire(1));
  auto opened = open(*sealed);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), Code::kAuthFailed);
}

// A token of another kind under the same key, of the token's very size, does not open: the AAD
// label separates the kinds (a Cookie also differs in size and so is refused as malformed).
TEST_F(ChallengeTokenTest, ATokenSealedUnderTheCookieLabelDoesNotOpen) {
  const detail::HssTokenKind cookie_labelled{kCookieLabel, kChallengeTokenVersion,
                                             kChallengeTokenSize, "test"};
  const Bytes plaintext(kChallengeTokenSize - 33, 0x5a);
  auto sealed = detail::seal_hss_token(ring, cookie_labelled, plaintext, kImsi, kImei);
  ASSERT_TRUE(sealed) << sealed.error().what();
  auto opened = open(*sealed);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), Code::kAuthFailed);

  CookieContent cookie;
  cookie.imsi = std::string(kImsi);
  cookie.imei = std::string(kImei);
  cookie.kme = *random_secret(kKmeSize);
  cookie.nonce = *random_bytes(kNonceSize);
  cookie.issued_at_unix_s = kNow;
  auto sealed_cookie = seal_cookie(ring, cookie);
  ASSERT_TRUE(sealed_cookie);
  auto as_token = open(*sealed_cookie);
  ASSERT_FALSE(as_token);
  EXPECT_EQ(as_token.error().code(), Code::kMalformed);
}

TEST_F(ChallengeTokenTest, SealingNeedsAKeyAndA16OctetNonce) {
  CookieKeyRing empty;
  auto no_key = seal_challenge_token(empty, content());
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().code(), Code::kInvalidArgument);
  ChallengeTokenContent c = content();
  c.nonce.pop_back();
  auto short_nonce = seal_challenge_token(ring, c);
  ASSERT_FALSE(short_nonce);
  EXPECT_EQ(short_nonce.error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kmebind::crypto
