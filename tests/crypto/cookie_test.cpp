// The Cookie (crypto/cookie.h): sealing, binding to IMSI/IMEI and procedure, expiry, key rotation.
#include "crypto/cookie.h"

#include <gtest/gtest.h>

#include "crypto/kme.h"
#include "crypto/random.h"
#include "vectors.h"

namespace kmebind::crypto {
namespace {

constexpr std::string_view kImsi = "001010123456789";
constexpr std::string_view kImei = "35693803564380";
constexpr std::int64_t kNow = 1'700'000'000;

CookieContent content(std::int64_t issued = kNow) {
  CookieContent c;
  c.imsi = std::string(kImsi);
  c.imei = std::string(kImei);
  c.kme = *random_secret(kKmeSize);
  c.nonce = *random_bytes(kNonceSize);
  c.issued_at_unix_s = issued;
  c.kme_version = 7;
  return c;
}

class CookieTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(ring.add_key(1, *random_secret(kCookieKeySize))); }

  Result<CookieContent> open(ByteView cookie, std::int64_t now = kNow) {
    return open_cookie(ring, cookie, kImsi, kImei, now, kCookieDefaultLifetimeS);
  }

  CookieKeyRing ring;
};

TEST_F(CookieTest, RoundTripsEveryField) {
  const CookieContent c = content();
  auto sealed = seal_cookie(ring, c);
  ASSERT_TRUE(sealed) << sealed.error().what();
  ASSERT_EQ(sealed->size(), kCookieSize);
  EXPECT_EQ((*sealed)[0], kCookieVersion);
  EXPECT_EQ(to_hex(ByteView(*sealed).subspan(1, 4)), "00000001");  // key id in the clear
  auto opened = open(*sealed);
  ASSERT_TRUE(opened) << opened.error().what();
  EXPECT_EQ(opened->imsi, kImsi);
  EXPECT_EQ(opened->imei, kImei);
  EXPECT_TRUE(opened->kme == c.kme);
  EXPECT_EQ(opened->nonce, c.nonce);
  EXPECT_EQ(opened->issued_at_unix_s, kNow);
  EXPECT_EQ(opened->kme_version, 7u);
}

TEST_F(CookieTest, NegativeIssueTimeRoundTrips) {
  auto sealed = seal_cookie(ring, content(-5));
  ASSERT_TRUE(sealed);
  auto opened = open_cookie(ring, *sealed, kImsi, kImei, 0, 300);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->issued_at_unix_s, -5);
}

TEST_F(CookieTest, KmeIsNotVisibleInTheClear) {
  const CookieContent c = content();
  auto sealed = seal_cookie(ring, c);
  ASSERT_TRUE(sealed);
  const auto kme = c.kme.view();
  EXPECT_EQ(std::search(sealed->begin(), sealed->end(), kme.begin(), kme.end()), sealed->end());
}

// Tamper test: one flipped bit anywhere is refused (kAuthFailed; kMalformed if the version octet).
TEST_F(CookieTest, EveryFlippedBitIsRefused) {
  auto sealed = seal_cookie(ring, content());
  ASSERT_TRUE(sealed);
  for (std::size_t bit = 0; bit < 8 * sealed->size(); ++bit) {
    Bytes t = *sealed;
    t[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto r = open(t);
    ASSERT_FALSE(r) << bit;
    EXPECT_EQ(r.error().code(), bit < 8 ? Code::kMalformed : Code::kAuthFailed) << bit;
  }
}

TEST_F(CookieTest, OtherImsiOrImeiIsRefused) {
  auto sealed = seal_cookie(ring, content());
  ASSERT_TRUE(sealed);
  auto other_imsi = open_cookie(ring, *sealed, "001010123456788", kImei, kNow, 300);
  auto other_imei = open_cookie(ring, *sealed, kImsi, "35693803564381", kNow, 300);
  // Moving a digit between the two identities must not help (length-prefixed in the AAD).
  auto shifted = open_cookie(ring, *sealed, "00101012345678", "935693803564380", kNow, 300);
  for (const auto* r : {&other_imsi, &other_imei, &shifted}) {
    ASSERT_FALSE(*r);
    EXPECT_EQ(r->error().code(), Code::kAuthFailed);
  }
}

// A procedure-1 Cookie (kmebind, docs/protocol.md §2) round-trips under its own use and never
// opens as a procedure-2 one, nor the reverse: another AAD label, the same layout.
TEST_F(CookieTest, ProcedureOneAndTwoCookiesDoNotOpenAsEachOther) {
  const CookieContent c = content();
  auto p1 = seal_cookie(ring, c, CookieUse::kProcedure1);
  auto p2 = seal_cookie(ring, c, CookieUse::kProcedure2);
  ASSERT_TRUE(p1 && p2);
  EXPECT_EQ(p1->size(), kCookieSize);
  auto opened = open_cookie(ring, *p1, kImsi, kImei, kNow, 300, CookieUse::kProcedure1);
  ASSERT_TRUE(opened) << opened.error().what();
  EXPECT_TRUE(opened->kme == c.kme);
  EXPECT_EQ(opened->kme_version, 7u);
  auto as_two = open_cookie(ring, *p1, kImsi, kImei, kNow, 300, CookieUse::kProcedure2);
  auto as_one = open_cookie(ring, *p2, kImsi, kImei, kNow, 300, CookieUse::kProcedure1);
  for (const auto* r : {&as_two, &as_one}) {
    ASSERT_FALSE(*r);
    EXPECT_EQ(r->error().code(), Code::kAuthFailed);
  }
}

TEST_F(CookieTest, ExpiresAfterLifetimeAndRefusesFutureIssue) {
  auto sealed = seal_cookie(ring, content());
  ASSERT_TRUE(sealed);
  EXPECT_TRUE(open(*sealed, kNow + kCookieDefaultLifetimeS));  // the last valid second
  auto late = open(*sealed, kNow + kCookieDefaultLifetimeS + 1);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code(), Code::kExpired);
  EXPECT_TRUE(open(*sealed, kNow - kCookieMaxClockSkewS));  // issued 60 s "ahead": skew allowed
  auto early = open(*sealed, kNow - kCookieMaxClockSkewS - 1);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code(), Code::kExpired);
  auto extreme = open(*sealed, std::numeric_limits<std::int64_t>::min());
  ASSERT_FALSE(extreme);
  EXPECT_EQ(extreme.error().code(), Code::kExpired);
}

TEST_F(CookieTest, RotatedKeyStillOpensRetiredKeyIsRefused) {
  auto old_cookie = seal_cookie(ring, content());
  ASSERT_TRUE(old_cookie);
  ASSERT_TRUE(ring.add_key(2, *random_secret(kCookieKeySize)));
  EXPECT_EQ(ring.active_id(), 1u);  // adding does not activate
  ASSERT_TRUE(ring.set_active(2));
  auto new_cookie = seal_cookie(ring, content());
  ASSERT_TRUE(new_cookie);
  EXPECT_EQ(to_hex(ByteView(*new_cookie).subspan(1, 4)), "00000002");
  EXPECT_TRUE(open(*old_cookie));  // rotated, not retired: still accepted
  EXPECT_TRUE(open(*new_cookie));
  ASSERT_TRUE(ring.retire(1));
  auto refused = open(*old_cookie);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), Code::kAuthFailed);
  EXPECT_TRUE(open(*new_cookie));
}

TEST_F(CookieTest, UnknownKeyIdIsAuthFailed) {
  auto sealed = seal_cookie(ring, content());
  ASSERT_TRUE(sealed);
  CookieKeyRing other;
  ASSERT_TRUE(other.add_key(9, *random_secret(kCookieKeySize)));
  auto r = open_cookie(other, *sealed, kImsi, kImei, kNow, 300);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kAuthFailed);
  // Same id, different key (another HSS's ring): the tag fails.
  CookieKeyRing impostor;
  ASSERT_TRUE(impostor.add_key(1, *random_secret(kCookieKeySize)));
  EXPECT_EQ(open_cookie(impostor, *sealed, kImsi, kImei, kNow, 300).error().code(),
            Code::kAuthFailed);
}

TEST_F(CookieTest, EveryTruncationAndExtensionIsMalformed) {
  auto sealed = seal_cookie(ring, content());
  ASSERT_TRUE(sealed);
  for (std::size_t n = 0; n < sealed->size(); ++n) {
    auto r = open(ByteView(*sealed).first(n));
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error().code(), Code::kMalformed) << n;
  }
  Bytes longer = *sealed;
  longer.push_back(0);
  EXPECT_EQ(open(longer).error().code(), Code::kMalformed);
}

TEST_F(CookieTest, BadInputsAreInvalidArgument) {
  CookieContent c = content();
  c.kme = SecretBytes(16);
  EXPECT_EQ(seal_cookie(ring, c).error().code(), Code::kInvalidArgument);
  c = content();
  c.nonce.pop_back();
  EXPECT_EQ(seal_cookie(ring, c).error().code(), Code::kInvalidArgument);
  c = content();
  c.imei.clear();
  EXPECT_EQ(seal_cookie(ring, c).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(seal_cookie(CookieKeyRing{}, content()).error().code(), Code::kInvalidArgument);
  auto sealed = seal_cookie(ring, content());
  ASSERT_TRUE(sealed);
  EXPECT_EQ(open_cookie(ring, *sealed, kImsi, kImei, kNow, -1).error().code(),
            Code::kInvalidArgument);
}

TEST(CookieKeyRing, EnforcesItsRules) {
  CookieKeyRing ring;
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.add_key(1, SecretBytes(16)).error().code(), Code::kInvalidArgument);
  ASSERT_TRUE(ring.add_key(1, SecretBytes(Bytes(32, 1))));
  EXPECT_FALSE(ring.empty());
  EXPECT_EQ(ring.active_id(), 1u);  // the first key becomes active
  EXPECT_EQ(ring.add_key(1, SecretBytes(Bytes(32, 2))).error().code(), Code::kAlreadyExists);
  EXPECT_EQ(ring.retire(1).error().code(), Code::kNotAllowed);  // active
  EXPECT_EQ(ring.retire(5).error().code(), Code::kNotFound);
  EXPECT_EQ(ring.set_active(5).error().code(), Code::kNotFound);
  ASSERT_TRUE(ring.add_key(2, SecretBytes(Bytes(32, 2))));
  ASSERT_TRUE(ring.set_active(2));
  ASSERT_TRUE(ring.retire(1));
  EXPECT_TRUE(ring.is_retired(1));
  EXPECT_EQ(ring.find(1), nullptr);
  EXPECT_EQ(ring.set_active(1).error().code(), Code::kNotFound);
  EXPECT_EQ(ring.retire(1).error().code(), Code::kNotFound);
  EXPECT_EQ(ring.add_key(1, SecretBytes(Bytes(32, 3))).error().code(), Code::kNotAllowed);
  EXPECT_EQ(ring.size(), 1u);
}

}  // namespace
}  // namespace kmebind::crypto
