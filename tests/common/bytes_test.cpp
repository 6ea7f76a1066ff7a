#include "common/bytes.h"

#include <gtest/gtest.h>
#include <sstream>

#include "common/secret.h"

namespace kmebind {
namespace {

TEST(Hex, RoundTripsLowercase) {
  auto b = from_hex("00ff10AB");
  ASSERT_TRUE(b);
  EXPECT_EQ(to_hex(*b), "00ff10ab");
}

TEST(Hex, RejectsOddLengthAndNamesTheArgument) {
  auto b = from_hex("abc", "--k");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code(), Code::kInvalidArgument);
  EXPECT_NE(b.error().message().find("--k"), std::string::npos);
}

TEST(Hex, RejectsNonHexDigit) { EXPECT_FALSE(from_hex("zz")); }

TEST(Hex, ExactRejectsWrongLength) {
  EXPECT_FALSE(from_hex_exact("0011", 3, "x"));
  EXPECT_TRUE(from_hex_exact("001122", 3, "x"));
}

TEST(ByteReader, EveryTruncatedPrefixFailsWithoutConsuming) {
  const Bytes data{1, 2, 3, 4, 5, 6, 7, 8};
  for (std::size_t n = 0; n < data.size(); ++n) {
    ByteReader r(ByteView(data).first(n));
    EXPECT_FALSE(r.u64("x"));
    EXPECT_EQ(r.position(), 0u);
  }
  ByteReader r(data);
  EXPECT_EQ(*r.u16("a"), 0x0102);
  EXPECT_EQ(*r.u24("b"), 0x030405u);
  EXPECT_FALSE(r.u32("c"));
  EXPECT_EQ(r.remaining(), 3u);
  EXPECT_EQ(r.take(3, "d")->size(), 3u);
  EXPECT_TRUE(r.empty());
}

TEST(ByteWriter, WritesBigEndianAndPatches) {
  ByteWriter w;
  w.u8(1);
  auto at = w.reserve(2);
  w.u32(0x0a0b0c0d);
  w.patch_u16(at, 0xbeef);
  EXPECT_EQ(to_hex(w.view()), "01beef0a0b0c0d");
}

TEST(EqualCt, ComparesContentAndSize) {
  const Bytes a{1, 2, 3}, b{1, 2, 3}, c{1, 2, 4}, d{1, 2};
  EXPECT_TRUE(equal_ct(a, b));
  EXPECT_FALSE(equal_ct(a, c));
  EXPECT_FALSE(equal_ct(a, d));
}

TEST(SecretBytes, PrintsRedactedAndWipes) {
  auto s = SecretBytes::from_hex("00112233", 4, "key");
  ASSERT_TRUE(s);
  std::ostringstream os;
  os << *s;
  EXPECT_EQ(os.str(), "<redacted>");
  EXPECT_EQ(fmt::format("{}", *s), "<redacted>");
  EXPECT_EQ(s->reveal_hex(), "00112233");
  s->wipe();
  EXPECT_TRUE(s->empty());
}

TEST(SecretBytes, HexErrorDoesNotEchoTheDigits) {
  auto s = SecretBytes::from_hex("deadbeefzz", 5, "--k");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message().find("deadbeef"), std::string::npos);
}

}  // namespace
}  // namespace kmebind
