// 128-EIA2 (TS 33.401 Annex B.2.3) against every EIA2 test set of TS 33.401 Annex C.2 in
// tests/vectors/eea2_eia2.json, three of which have a LENGTH that is not a multiple of 8.
#include "crypto/eia2.h"

#include <gtest/gtest.h>

#include "crypto/cmac.h"
#include "crypto/random.h"
#include "vectors.h"

namespace kmebind::crypto {
namespace {

using testing::hex;
using testing::secret;

std::vector<nlohmann::json> eia2_entries() {
  std::vector<nlohmann::json> out;
  for (const auto& e : testing::entries("eea2_eia2.json")) {
    if (e["id"].get<std::string>().starts_with("128-EIA2")) out.push_back(e);
  }
  return out;
}

std::uint32_t count_of(const nlohmann::json& e) {
  const Bytes c = hex(e["COUNT"]);
  return (std::uint32_t{c[0]} << 24) | (std::uint32_t{c[1]} << 16) | (std::uint32_t{c[2]} << 8) |
         c[3];
}

Result<std::array<std::uint8_t, 4>> mac_of(const nlohmann::json& e, const Bytes& message) {
  return eia2_mac(secret(e["KEY"]), count_of(e), hex(e["BEARER"]).at(0),
                  e["DIRECTION"].get<std::uint8_t>(), message, e["LENGTH_bits"].get<std::size_t>());
}

// TS 33.401 Annex C.2, 128-EIA2 Test Sets 1-4 (LENGTH 58, 64, 254, 511 bits).
TEST(Eia2Ts33401C2, MacMatchesEveryTestSet) {
  const auto sets = eia2_entries();
  ASSERT_EQ(sets.size(), 4u);
  for (const auto& e : sets) {
    SCOPED_TRACE(e["id"].get<std::string>());
    auto mac = mac_of(e, hex(e["MESSAGE"]));
    ASSERT_TRUE(mac) << mac.error().what();
    EXPECT_EQ(testing::to_hex(*mac), e["MACT"].get<std::string>());
  }
}

// Bits after LENGTH are not MACed: setting them leaves the MAC unchanged.
TEST(Eia2Ts33401C2, BitsAfterLengthAreIgnored) {
  for (const auto& e : eia2_entries()) {
    const auto bits = e["LENGTH_bits"].get<std::size_t>();
    if (bits % 8 == 0) continue;
    SCOPED_TRACE(e["id"].get<std::string>());
    Bytes message = hex(e["MESSAGE"]);
    message[bits / 8] = static_cast<std::uint8_t>(message[bits / 8] | (0xffu >> (bits % 8)));
    auto mac = mac_of(e, message);
    ASSERT_TRUE(mac);
    EXPECT_EQ(testing::to_hex(*mac), e["MACT"].get<std::string>());
  }
}

// Tamper test: flipping any one MACed bit changes the MAC.
TEST(Eia2, AnyFlippedMessageBitChangesTheMac) {
  for (const auto& e : eia2_entries()) {
    SCOPED_TRACE(e["id"].get<std::string>());
    const auto bits = e["LENGTH_bits"].get<std::size_t>();
    const Bytes message = hex(e["MESSAGE"]);
    for (std::size_t bit = 0; bit < bits; ++bit) {
      Bytes tampered = message;
      tampered[bit / 8] ^= static_cast<std::uint8_t>(0x80u >> (bit % 8));
      auto mac = mac_of(e, tampered);
      ASSERT_TRUE(mac);
      EXPECT_NE(testing::to_hex(*mac), e["MACT"].get<std::string>()) << "bit " << bit;
    }
  }
}

// The hand-built SP 800-38B path equals OpenSSL's EVP CMAC on whole octets, including the empty
// message, exact block multiples and partial blocks, for AES-128 and AES-256 keys.
TEST(AesCmacSp80038b, BlockConstructionEqualsEvpCmacOnOctetLengths) {
  auto message = random_bytes(80);
  ASSERT_TRUE(message);
  for (std::size_t key_size : {16u, 32u}) {
    auto key = random_bytes(key_size);
    ASSERT_TRUE(key);
    for (std::size_t octets : {0u, 1u, 15u, 16u, 17u, 31u, 32u, 33u, 64u, 80u}) {
      SCOPED_TRACE(std::to_string(key_size) + "-octet key, " + std::to_string(octets) + " octets");
      auto evp = detail::aes_cmac_evp(*key, ByteView(*message).first(octets));
      auto manual = detail::aes_cmac_from_blocks(*key, *message, 8 * octets);
      ASSERT_TRUE(evp && manual);
      EXPECT_EQ(*evp, *manual);
    }
  }
}

// RFC 4493 §4 example 2 (AES-128, 16-octet message), as an independent check of aes_cmac.
TEST(AesCmacSp80038b, Rfc4493Example2) {
  const Bytes key = *from_hex("2b7e151628aed2a6abf7158809cf4f3c");
  const Bytes m = *from_hex("6bc1bee22e409f96e93d7e117393172a");
  auto evp = detail::aes_cmac_evp(key, m);
  auto manual = detail::aes_cmac_from_blocks(key, m, 128);
  ASSERT_TRUE(evp && manual);
  EXPECT_EQ(testing::to_hex(*evp), "070a16b46b4d4144f79bdd9dd04a287c");
  EXPECT_EQ(testing::to_hex(*manual), "070a16b46b4d4144f79bdd9dd04a287c");
}

TEST(Eia2, BadArgumentsAreInvalidArgument) {
  const SecretBytes key(16);
  const Bytes message(8);
  EXPECT_EQ(eia2_mac(SecretBytes(32), 0, 0, 0, message, 64).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(eia2_mac(key, 0, 32, 0, message, 64).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(eia2_mac(key, 0, 0, 2, message, 64).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(eia2_mac(key, 0, 0, 0, message, 65).error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kmebind::crypto
