#include "diameter/secret_blanking.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace kmebind::diameter {
namespace {

using Octets = std::vector<std::uint8_t>;

void put(Octets& out, std::uint32_t v, int octets) {
  for (int i = octets - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// RFC 6733 §4.1 AVP with the 'V' bit when vendor != 0, padded to 4 octets.
Octets avp(std::uint32_t code, std::uint32_t vendor, const Octets& data) {
  Octets out;
  put(out, code, 4);
  out.push_back(vendor != 0 ? 0xC0 : 0x40);
  const std::size_t header = vendor != 0 ? 12 : 8;
  put(out, static_cast<std::uint32_t>(header + data.size()), 3);
  if (vendor != 0) put(out, vendor, 4);
  out.insert(out.end(), data.begin(), data.end());
  while (out.size() % 4 != 0) out.push_back(0);
  return out;
}

Octets cat(std::initializer_list<Octets> parts) {
  Octets out;
  for (const Octets& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// RFC 6733 §3 header: version 1, length, flags, command code, application, hop-by-hop, end-to-end.
Octets message(std::uint32_t command, const Octets& avps) {
  Octets out;
  out.push_back(1);
  put(out, static_cast<std::uint32_t>(kDiameterHeaderLength + avps.size()), 3);
  out.push_back(0x40);
  put(out, command, 3);
  put(out, 16777251, 4);
  put(out, 0x11111111, 4);
  put(out, 0x22222222, 4);
  out.insert(out.end(), avps.begin(), avps.end());
  return out;
}

const Octets kKasmeValue(32, 0xAB);
const Octets kRandValue(16, 0x5A);
const Octets kSessionId = {'c', 'n', 'n', ';', '1'};  // 5 octets: padded

// AIA: Session-Id, Authentication-Info { E-UTRAN-Vector { RAND, KASME } }.
Octets aia_with_kasme() {
  Octets vector = avp(1414, 10415, cat({avp(1447, 10415, kRandValue), avp(1450, 10415, kKasmeValue)}));
  return message(318, cat({avp(263, 0, kSessionId), avp(1413, 10415, vector)}));
}

bool contains(const Octets& haystack, const Octets& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

TEST(SecretBlanking, ZeroesKasmeNestedInTheEutranVector) {
  Octets msg = aia_with_kasme();
  const Octets before = msg;
  EXPECT_EQ(blank_secret_avps(msg), 1u);
  EXPECT_FALSE(contains(msg, kKasmeValue));
  EXPECT_EQ(msg.size(), before.size());
  // Only the 32 KASME value octets differ, and they are zero.
  std::size_t changed = 0;
  for (std::size_t i = 0; i < msg.size(); ++i) {
    if (msg[i] != before[i]) {
      ++changed;
      EXPECT_EQ(msg[i], 0);
    }
  }
  EXPECT_EQ(changed, kKasmeValue.size());
  EXPECT_TRUE(contains(msg, kRandValue));
  EXPECT_TRUE(contains(msg, kSessionId));
}

TEST(SecretBlanking, ZeroesTheKmeInsideKmeProvisioningAndAtTopLevel) {
  const Octets kme(32, 0xC3);
  const Octets version = {0, 0, 0, 2};
  Octets provisioning = avp(13, 32473, cat({avp(4, 32473, version), avp(7, 32473, kme)}));
  Octets msg = message(16777214, cat({provisioning, avp(7, 32473, kme)}));
  EXPECT_EQ(blank_secret_avps(msg), 2u);
  EXPECT_FALSE(contains(msg, kme));
  EXPECT_TRUE(contains(msg, avp(4, 32473, version)));
}

// KME material on the AIA: AIA { KME-Prefetch { Terminal-Information, KME-Provisioning { KME } } }.
TEST(SecretBlanking, ZeroesTheProcedure1KmeInsideKmePrefetchOnTheAia) {
  const Octets kme(32, 0xD4);
  const Octets version = {0, 0, 0, 1};
  Octets provisioning = avp(13, 32473, cat({avp(4, 32473, version), avp(7, 32473, kme)}));
  Octets prefetch = avp(21, 32473, cat({avp(1401, 10415, avp(1402, 10415, Octets(14, '3'))),
                                        provisioning}));
  Octets msg = cat({aia_with_kasme(), prefetch});
  msg[1] = 0;  // Message Length over both parts
  msg[2] = static_cast<std::uint8_t>(msg.size() >> 8);
  msg[3] = static_cast<std::uint8_t>(msg.size());
  EXPECT_EQ(blank_secret_avps(msg), 2u);  // KASME and KME
  EXPECT_FALSE(contains(msg, kme));
  EXPECT_FALSE(contains(msg, kKasmeValue));
  EXPECT_TRUE(contains(msg, avp(4, 32473, version)));
}

TEST(SecretBlanking, LeavesSameCodesOfOtherVendorsAlone) {
  const Octets value(32, 0x77);
  Octets msg = message(318, cat({avp(1450, 0, value), avp(7, 10415, value), avp(7, 0, value)}));
  const Octets before = msg;
  EXPECT_EQ(blank_secret_avps(msg), 0u);
  EXPECT_EQ(msg, before);
}

TEST(SecretBlanking, MessageWithoutSecretsIsUnchanged) {
  Octets msg = message(316, cat({avp(263, 0, kSessionId), avp(1447, 10415, kRandValue)}));
  const Octets before = msg;
  EXPECT_EQ(blank_secret_avps(msg), 0u);
  EXPECT_EQ(msg, before);
}

TEST(SecretBlanking, TruncatedInputIsSafeAtEveryLength) {
  const Octets whole = aia_with_kasme();
  for (std::size_t n = 0; n < whole.size(); ++n) {
    Octets cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
    const Octets before = cut;
    blank_secret_avps(cut);  // the header length now exceeds the buffer: bounded by the buffer
    ASSERT_EQ(cut.size(), n);
    // Whatever is left untouched is the original; anything changed was a KASME octet, now zero.
    for (std::size_t i = 0; i < n; ++i) {
      if (cut[i] != before[i]) {
        EXPECT_EQ(cut[i], 0);
      }
    }
  }
}

TEST(SecretBlanking, AvpLengthOutOfBoundsStopsTheWalk) {
  Octets msg = aia_with_kasme();
  // Corrupt the Authentication-Info AVP length (after the 20-octet header and the 16-octet
  // Session-Id AVP) to claim more than the message holds.
  const std::size_t auth_info = kDiameterHeaderLength + 16;
  msg[auth_info + 5] = 0xFF;
  const Octets before = msg;
  EXPECT_EQ(blank_secret_avps(msg), 0u);
  EXPECT_EQ(msg, before);
  // An AVP length shorter than its header is malformed too.
  msg = aia_with_kasme();
  msg[auth_info + 5] = 0;
  msg[auth_info + 6] = 0;
  msg[auth_info + 7] = 4;
  const Octets short_len = msg;
  EXPECT_EQ(blank_secret_avps(msg), 0u);
  EXPECT_EQ(msg, short_len);
}

TEST(SecretBlanking, MessageLengthBeyondTheBufferIsBoundedByTheBuffer) {
  Octets msg = aia_with_kasme();
  msg[1] = 0xFF;  // header claims ~16 MB
  EXPECT_EQ(blank_secret_avps(msg), 1u);
  EXPECT_FALSE(contains(msg, kKasmeValue));
}

}  // namespace
}  // namespace kmebind::diameter
