// HMAC-SHA-256 (RFC 2104, OpenSSL's EVP_MAC "HMAC" re-keyed from a prepared copy in hash.cpp)
// against RFC 4231.
#include "crypto/hash.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/random.h"

namespace kmebind::crypto {
namespace {

Bytes h(std::string_view hex) {
  return *from_hex(hex);
}

struct Rfc4231Case {
  const char* name;
  Bytes key;
  Bytes data;
  const char* mac;
};

// RFC 4231 §4.2-4.8, HMAC-SHA-256 (test case 5, truncated output, does not apply): short and
// long keys, including keys longer than the 64-octet block (hashed first) and long data.
TEST(HmacSha256Rfc4231, GivesPublishedMacs) {
  const Rfc4231Case cases[] = {
      {"1", Bytes(20, 0x0b), Bytes(as_bytes("Hi There").begin(), as_bytes("Hi There").end()),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"2", h("4a656665"), h("7768617420646f2079612077616e7420666f72206e6f7468696e673f"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"3", Bytes(20, 0xaa), Bytes(50, 0xdd),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"4", h("0102030405060708090a0b0c0d0e0f10111213141516171819"), Bytes(50, 0xcd),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"6", Bytes(131, 0xaa),
       Bytes(as_bytes("Test Using Larger Than Block-Size Key - Hash Key First").begin(),
             as_bytes("Test Using Larger Than Block-Size Key - Hash Key First").end()),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto mac = hmac_sha256(c.key, {c.data});
    ASSERT_TRUE(mac) << mac.error().what();
    EXPECT_EQ(mac->reveal_hex(), c.mac);
    // The same message split into parts gives the same MAC.
    const ByteView d(c.data);
    auto split = hmac_sha256(c.key, {d.first(3), ByteView{}, d.subspan(3)});
    ASSERT_TRUE(split);
    EXPECT_EQ(split->reveal_hex(), c.mac);
  }
}

TEST(HmacSha256, EmptyKeyIsInvalidArgument) {
  EXPECT_EQ(hmac_sha256({}, {as_bytes("m")}).error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kmebind::crypto
