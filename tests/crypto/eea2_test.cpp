// 128-EEA2 (TS 33.401 Annex B.1.3) against every EEA2 test set of TS 33.401 Annex C.1 in
// tests/vectors/eea2_eia2.json. As the file's notes say, LENGTH is not a multiple of 8 in the
// published sets: only ceil(LENGTH/8) octets are meaningful and the unused last bits are masked.
#include "crypto/eea2.h"

#include <gtest/gtest.h>

#include "vectors.h"

namespace kmebind::crypto {
namespace {

using testing::hex;
using testing::secret;

std::vector<nlohmann::json> eea2_entries() {
  std::vector<nlohmann::json> out;
  for (const auto& e : testing::entries("eea2_eia2.json")) {
    if (e["id"].get<std::string>().starts_with("128-EEA2")) out.push_back(e);
  }
  return out;
}

std::uint32_t count_of(const nlohmann::json& e) {
  const Bytes c = hex(e["COUNT"]);
  return (std::uint32_t{c[0]} << 24) | (std::uint32_t{c[1]} << 16) | (std::uint32_t{c[2]} << 8) |
         c[3];
}
std::uint8_t bearer_of(const nlohmann::json& e) {
  return hex(e["BEARER"]).at(0);
}
std::uint8_t direction_of(const nlohmann::json& e) {
  return e["DIRECTION"].get<std::uint8_t>();
}

// Published bytes cut to ceil(LENGTH/8) octets with the unused trailing bits cleared.
Bytes masked(Bytes b, std::size_t length_bits) {
  b.resize((length_bits + 7) / 8);
  if (length_bits % 8 != 0) {
    b.back() = static_cast<std::uint8_t>(b.back() & (0xff00u >> (length_bits % 8)));
  }
  return b;
}

// TS 33.401 Annex C.1, 128-EEA2 Test Sets 1-3: encryption and decryption.
TEST(Eea2Ts33401C1, EncryptsAndDecryptsEveryTestSet) {
  const auto sets = eea2_entries();
  ASSERT_EQ(sets.size(), 3u);
  for (const auto& e : sets) {
    SCOPED_TRACE(e["id"].get<std::string>());
    const auto bits = e["LENGTH_bits"].get<std::size_t>();
    const Bytes plain = hex(e["PLAINTEXT"]);
    const Bytes cipher = masked(hex(e["CIPHERTEXT"]), bits);
    ASSERT_EQ(cipher.size(), e["octets_covered_by_LENGTH"].get<std::size_t>());
    auto enc = eea2(secret(e["KEY"]), count_of(e), bearer_of(e), direction_of(e), plain, bits);
    ASSERT_TRUE(enc) << enc.error().what();
    EXPECT_EQ(to_hex(*enc), to_hex(cipher));
    auto dec = eea2(secret(e["KEY"]), count_of(e), bearer_of(e), direction_of(e), cipher, bits);
    ASSERT_TRUE(dec);
    EXPECT_EQ(to_hex(*dec), to_hex(masked(plain, bits)));
  }
}

// Bits past LENGTH in the input do not leak into the output.
TEST(Eea2, ZeroesUnusedTrailingBitsWhateverTheInput) {
  const auto e = eea2_entries()[0];
  const auto bits = e["LENGTH_bits"].get<std::size_t>();
  Bytes plain = hex(e["PLAINTEXT"]);
  plain.back() |= 0x07;   // LENGTH 253: the last 3 bits are unused
  plain.push_back(0xff);  // and an extra octet past LENGTH
  auto enc = eea2(secret(e["KEY"]), count_of(e), bearer_of(e), direction_of(e), plain, bits);
  ASSERT_TRUE(enc);
  EXPECT_EQ(to_hex(*enc), to_hex(masked(hex(e["CIPHERTEXT"]), bits)));
}

TEST(Eea2, ChangingCountBearerOrDirectionChangesKeystream) {
  const auto e = eea2_entries()[1];
  const auto bits = e["LENGTH_bits"].get<std::size_t>();
  const Bytes plain = hex(e["PLAINTEXT"]);
  const SecretBytes key = secret(e["KEY"]);
  auto base = eea2(key, count_of(e), bearer_of(e), direction_of(e), plain, bits);
  auto other_count = eea2(key, count_of(e) + 1, bearer_of(e), direction_of(e), plain, bits);
  auto other_bearer = eea2(key, count_of(e), bearer_of(e) ^ 1, direction_of(e), plain, bits);
  auto other_dir = eea2(key, count_of(e), bearer_of(e), direction_of(e) ^ 1, plain, bits);
  ASSERT_TRUE(base && other_count && other_bearer && other_dir);
  EXPECT_NE(*base, *other_count);
  EXPECT_NE(*base, *other_bearer);
  EXPECT_NE(*base, *other_dir);
}

TEST(Eea2, ZeroLengthGivesEmptyOutput) {
  auto out = eea2(SecretBytes(16), 0, 0, 0, {}, 0);
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->empty());
}

TEST(Eea2, BadArgumentsAreInvalidArgument) {
  const SecretBytes key(16);
  const Bytes data(4);
  EXPECT_EQ(eea2(SecretBytes(15), 0, 0, 0, data, 32).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(eea2(key, 0, 32, 0, data, 32).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(eea2(key, 0, 0, 2, data, 32).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(eea2(key, 0, 0, 0, data, 33).error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kmebind::crypto
