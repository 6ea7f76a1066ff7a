// MILENAGE (TS 35.206) against every test set of TS 35.208 §4.3 in tests/vectors/milenage.json.
#include "crypto/milenage.h"

#include <gtest/gtest.h>

#include "vectors.h"

namespace kmebind::crypto {
namespace {

using testing::entries;
using testing::hex;
using testing::secret;

// TS 35.208 §4.3: OPc from K and OP (TS 35.206 §4.1).
TEST(MilenageTs35208, OpcMatchesEveryTestSet) {
  for (const auto& e : entries("milenage.json")) {
    SCOPED_TRACE(e["id"].get<std::string>());
    auto opc = milenage_opc(secret(e["K"]), secret(e["OP"]));
    ASSERT_TRUE(opc) << opc.error().what();
    EXPECT_EQ(opc->reveal_hex(), e["OPc"].get<std::string>());
  }
}

void expect_matches(const MilenageOutput& o, const nlohmann::json& e) {
  EXPECT_EQ(to_hex(o.mac_a), e["f1_MAC_A"].get<std::string>());
  EXPECT_EQ(to_hex(o.mac_s), e["f1star_MAC_S"].get<std::string>());
  EXPECT_EQ(to_hex(o.res), e["f2_RES"].get<std::string>());
  EXPECT_EQ(o.ck.reveal_hex(), e["f3_CK"].get<std::string>());
  EXPECT_EQ(o.ik.reveal_hex(), e["f4_IK"].get<std::string>());
  EXPECT_EQ(to_hex(o.ak), e["f5_AK"].get<std::string>());
  EXPECT_EQ(to_hex(o.ak_star), e["f5star_AK"].get<std::string>());
}

// TS 35.208 §4.3: f1, f1*, f2, f3, f4, f5, f5* for each test set, one-shot function.
TEST(MilenageTs35208, AllFunctionsMatchEveryTestSet) {
  for (const auto& e : entries("milenage.json")) {
    SCOPED_TRACE(e["id"].get<std::string>());
    auto o =
        milenage(secret(e["K"]), secret(e["OPc"]), hex(e["RAND"]), hex(e["SQN"]), hex(e["AMF"]));
    ASSERT_TRUE(o) << o.error().what();
    expect_matches(*o, e);
  }
}

// The reusable class gives the same outputs, also when one instance computes repeatedly.
TEST(MilenageTs35208, ReusedInstanceMatchesEveryTestSetTwice) {
  for (const auto& e : entries("milenage.json")) {
    SCOPED_TRACE(e["id"].get<std::string>());
    auto m = Milenage::create(secret(e["K"]), secret(e["OPc"]));
    ASSERT_TRUE(m) << m.error().what();
    for (int round = 0; round < 2; ++round) {
      auto o = m->compute(hex(e["RAND"]), hex(e["SQN"]), hex(e["AMF"]));
      ASSERT_TRUE(o) << o.error().what();
      expect_matches(*o, e);
    }
  }
}

// Resynchronisation helpers (TS 33.102 §6.3.5) agree with the full computation.
TEST(MilenageTs35208, F1StarAndF5StarAloneMatchEveryTestSet) {
  for (const auto& e : entries("milenage.json")) {
    SCOPED_TRACE(e["id"].get<std::string>());
    auto m = Milenage::create(secret(e["K"]), secret(e["OPc"]));
    ASSERT_TRUE(m);
    auto mac_s = m->f1star(hex(e["RAND"]), hex(e["SQN"]), hex(e["AMF"]));
    ASSERT_TRUE(mac_s);
    EXPECT_EQ(to_hex(*mac_s), e["f1star_MAC_S"].get<std::string>());
    auto ak_star = m->f5star(hex(e["RAND"]));
    ASSERT_TRUE(ak_star);
    EXPECT_EQ(to_hex(*ak_star), e["f5star_AK"].get<std::string>());
  }
}

// f5 alone (the USIM's first step, TS 33.102 §6.3.3) gives TS 35.208's AK, whatever SQN/AMF.
TEST(MilenageTs35208, F5AloneMatchesEveryTestSet) {
  for (const auto& e : entries("milenage.json")) {
    SCOPED_TRACE(e["id"].get<std::string>());
    auto m = Milenage::create(secret(e["K"]), secret(e["OPc"]));
    ASSERT_TRUE(m);
    auto ak = m->f5(hex(e["RAND"]));
    ASSERT_TRUE(ak) << ak.error().what();
    EXPECT_EQ(to_hex(*ak), e["f5_AK"].get<std::string>());
    EXPECT_NE(to_hex(*ak), e["f5star_AK"].get<std::string>());
  }
}

TEST(Milenage, DifferentSqnChangesOnlyF1AndF1Star) {
  const auto e = entries("milenage.json")[0];
  Bytes sqn = hex(e["SQN"]);
  sqn[5] ^= 1;
  auto o = milenage(secret(e["K"]), secret(e["OPc"]), hex(e["RAND"]), sqn, hex(e["AMF"]));
  ASSERT_TRUE(o);
  EXPECT_NE(to_hex(o->mac_a), e["f1_MAC_A"].get<std::string>());
  EXPECT_NE(to_hex(o->mac_s), e["f1star_MAC_S"].get<std::string>());
  EXPECT_EQ(to_hex(o->res), e["f2_RES"].get<std::string>());
  EXPECT_EQ(to_hex(o->ak), e["f5_AK"].get<std::string>());
}

TEST(Milenage, BadSizesAreInvalidArgument) {
  const SecretBytes k16(16), k15(15);
  const Bytes rand(16), sqn(6), amf(2);
  const auto code = [](const auto& r) { return r.error().code(); };
  EXPECT_EQ(code(milenage(k15, k16, rand, sqn, amf)), Code::kInvalidArgument);
  EXPECT_EQ(code(milenage(k16, k15, rand, sqn, amf)), Code::kInvalidArgument);
  EXPECT_EQ(code(milenage(k16, k16, Bytes(15), sqn, amf)), Code::kInvalidArgument);
  EXPECT_EQ(code(milenage(k16, k16, rand, Bytes(7), amf)), Code::kInvalidArgument);
  EXPECT_EQ(code(milenage(k16, k16, rand, sqn, Bytes(1))), Code::kInvalidArgument);
  EXPECT_EQ(code(milenage_opc(k16, k15)), Code::kInvalidArgument);
  auto m = Milenage::create(k16, k16);
  ASSERT_TRUE(m);
  EXPECT_EQ(code(m->f5star(Bytes(17))), Code::kInvalidArgument);
  EXPECT_EQ(code(m->f5(Bytes(15))), Code::kInvalidArgument);
  EXPECT_EQ(code(m->f1star(rand, Bytes(5), amf)), Code::kInvalidArgument);
  auto sqn_error = milenage(k16, k16, rand, Bytes(7), amf);
  EXPECT_NE(sqn_error.error().message().find("SQN"), std::string::npos);
}

}  // namespace
}  // namespace kmebind::crypto
