// KDF of TS 33.220 Annex B.2 and its EPS uses, TS 33.401 Annex A.2 (K_ASME) and A.7 (NAS keys),
// against every entry of tests/vectors/kdf.json (project-generated: the specs publish none).
#include "crypto/kdf.h"

#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "crypto/milenage.h"
#include "vectors.h"

namespace kmebind::crypto {
namespace {

using testing::entries;
using testing::hex;
using testing::secret;

// "001/01" in the vector file is written "001-01" in our API.
std::string plmn_arg(std::string v) {
  for (char& c : v) {
    if (c == '/') c = '-';
  }
  return v;
}

// TS 33.401 A.2 for the entries that publish CK, IK, SN id and SQN ⊕ AK.
TEST(KdfTs33401A2, KasmeMatchesEveryVector) {
  int checked = 0;
  for (const auto& e : entries("kdf.json")) {
    if (!e.contains("CK") || !e.contains("KASME")) continue;
    SCOPED_TRACE(e["id"].get<std::string>());
    const Bytes sqn = hex(e["SQN"]);
    const Bytes ak = hex(e["AK"]);
    Bytes sqn_xor_ak(6);
    for (std::size_t i = 0; i < 6; ++i) sqn_xor_ak[i] = static_cast<std::uint8_t>(sqn[i] ^ ak[i]);
    EXPECT_EQ(to_hex(sqn_xor_ak), e["SQN_xor_AK"].get<std::string>());
    auto kasme = derive_kasme(secret(e["CK"]), secret(e["IK"]), hex(e["SN_id_P0"]), sqn_xor_ak);
    ASSERT_TRUE(kasme) << kasme.error().what();
    EXPECT_EQ(kasme->reveal_hex(), e["KASME"].get<std::string>());
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

// The Milenage-based entries, end to end: TS 35.206 outputs feed TS 33.401 A.2.
TEST(KdfTs33401A2, KasmeFromMilenageMatchesEveryEutranVector) {
  int checked = 0;
  for (const auto& e : entries("kdf.json")) {
    if (!e.contains("K")) continue;
    SCOPED_TRACE(e["id"].get<std::string>());
    auto o =
        milenage(secret(e["K"]), secret(e["OPc"]), hex(e["RAND"]), hex(e["SQN"]), hex(e["AMF"]));
    ASSERT_TRUE(o);
    EXPECT_EQ(to_hex(o->res), e["XRES"].get<std::string>());
    EXPECT_EQ(to_hex(o->ak), e["AK"].get<std::string>());
    const Bytes sqn = hex(e["SQN"]);
    Bytes sqn_xor_ak(6);
    for (std::size_t i = 0; i < 6; ++i)
      sqn_xor_ak[i] = static_cast<std::uint8_t>(sqn[i] ^ o->ak[i]);
    // AUTN = SQN ⊕ AK ‖ AMF ‖ MAC-A (TS 33.102 §6.3.2).
    Bytes autn = sqn_xor_ak;
    const Bytes amf = hex(e["AMF"]);
    autn.insert(autn.end(), amf.begin(), amf.end());
    autn.insert(autn.end(), o->mac_a.begin(), o->mac_a.end());
    EXPECT_EQ(to_hex(autn), e["AUTN"].get<std::string>());
    auto kasme = derive_kasme(o->ck, o->ik, hex(e["SN_id_P0"]), sqn_xor_ak);
    ASSERT_TRUE(kasme);
    EXPECT_EQ(kasme->reveal_hex(), e["KASME"].get<std::string>());
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

// TS 33.401 A.7: K_NASenc / K_NASint are the last 16 octets of the 32-octet KDF output.
TEST(KdfTs33401A7, NasKeysMatchVector) {
  int checked = 0;
  for (const auto& e : entries("kdf.json")) {
    if (!e.contains("KNASenc_128")) continue;
    SCOPED_TRACE(e["id"].get<std::string>());
    const SecretBytes kasme = secret(e["KASME"]);
    // enc_alg "EEA0 (id 0x00)", int_alg "128-EIA1 (id 0x01)".
    auto keys = derive_nas_keys(kasme, 0x00, 0x01);
    ASSERT_TRUE(keys) << keys.error().what();
    EXPECT_EQ(keys->k_nas_enc.reveal_hex(), e["KNASenc_128"].get<std::string>());
    EXPECT_EQ(keys->k_nas_int.reveal_hex(), e["KNASint_128"].get<std::string>());
    // The full 256-bit outputs through the generic KDF (TS 33.220 B.2).
    const std::uint8_t enc_p0[] = {0x01}, enc_p1[] = {0x00}, int_p0[] = {0x02}, int_p1[] = {0x01};
    auto enc256 = kdf(kasme.view(), 0x15, {enc_p0, enc_p1});
    auto int256 = kdf(kasme.view(), 0x15, {int_p0, int_p1});
    ASSERT_TRUE(enc256 && int256);
    EXPECT_EQ(enc256->reveal_hex(), e["KDF_out_NASenc_256"].get<std::string>());
    EXPECT_EQ(int256->reveal_hex(), e["KDF_out_NASint_256"].get<std::string>());
    ++checked;
  }
  EXPECT_EQ(checked, 1);
}

// The SN id of every vector equals our TS 24.301 PLMN encoding of its MCC-MNC.
TEST(PlmnToSnId, MatchesVectorFileEncodings) {
  for (const auto& e : entries("kdf.json")) {
    if (!e.contains("serving_network_MCC_MNC")) continue;
    auto sn = plmn_to_sn_id(plmn_arg(e["serving_network_MCC_MNC"].get<std::string>()));
    ASSERT_TRUE(sn) << sn.error().what();
    EXPECT_EQ(to_hex(*sn), e["SN_id_P0"].get<std::string>());
  }
}

TEST(PlmnToSnId, EncodesTwoAndThreeDigitMnc) {
  EXPECT_EQ(to_hex(*plmn_to_sn_id("001-01")), "00f110");
  EXPECT_EQ(to_hex(*plmn_to_sn_id("724-05")), "27f450");  // note_SN in kdf.json
  EXPECT_EQ(to_hex(*plmn_to_sn_id("310-410")), "130014");
  EXPECT_EQ(to_hex(*plmn_to_sn_id("274-012")), "722410");
}

TEST(PlmnToSnId, RejectsMalformedAndNamesTheValue) {
  for (const char* bad : {"", "001", "00101", "001-1", "0011-01", "001-0123", "0a1-01", "001-01 ",
                          "001/01", "-01", "001-"}) {
    SCOPED_TRACE(bad);
    auto sn = plmn_to_sn_id(bad);
    ASSERT_FALSE(sn);
    EXPECT_EQ(sn.error().code(), Code::kInvalidArgument);
    EXPECT_NE(sn.error().message().find(std::string("\"") + bad + "\""), std::string::npos);
  }
}

// TS 33.220 B.2: S = FC ‖ P0 ‖ L0 ‖ P1 ‖ L1 — checked against HMAC-SHA-256 over S built by hand.
TEST(KdfTs33220B2, BuildsSWithTwoOctetLengths) {
  const Bytes key(32, 0x0b);
  const Bytes p0{0xaa, 0xbb, 0xcc};
  const Bytes p1(300, 0x11);
  Bytes s{0x42, 0xaa, 0xbb, 0xcc, 0x00, 0x03};
  s.insert(s.end(), p1.begin(), p1.end());
  s.push_back(0x01);
  s.push_back(0x2c);
  auto expected = hmac_sha256(key, {s});
  auto got = kdf(key, 0x42, {p0, p1});
  ASSERT_TRUE(expected && got);
  EXPECT_EQ(got->reveal_hex(), expected->reveal_hex());
}

TEST(Kdf, BadSizesAreInvalidArgument) {
  const SecretBytes k16(16), k15(15);
  const Bytes sn(3), sxa(6);
  EXPECT_EQ(derive_kasme(k15, k16, sn, sxa).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(derive_kasme(k16, k15, sn, sxa).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(derive_kasme(k16, k16, Bytes(4), sxa).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(derive_kasme(k16, k16, sn, Bytes(5)).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(derive_nas_keys(SecretBytes(31), 0, 0).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(derive_nas_keys(SecretBytes(32), 16, 0).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(kdf({}, 0x10, {}).error().code(), Code::kInvalidArgument);
  const Bytes huge(70000);
  EXPECT_EQ(kdf(Bytes(32), 0x10, {huge}).error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kmebind::crypto
