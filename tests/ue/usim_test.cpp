// USIM: EPS AKA against the TS 35.208 test sets (AUTN built from the published values), SQN
// freshness of TS 33.102 Annex C (replay → synch failure with an AUTS checked with f1*/f5*,
// IND slots, Δ), MAC failure and the AMF separation bit (TS 33.401 §6.1.1).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "ue_test_network.h"
#include "ue/usim.h"

namespace kmebind::ue::testing {
namespace {

struct Ts35208Set {
  std::string id;
  SecretBytes k, opc;
  Bytes rand, sqn, amf, mac_a, res, ck, ik, ak, ak_star;
};

Bytes hex(const nlohmann::json& j, const char* key) { return take(from_hex(j.at(key).get<std::string>())); }

std::vector<Ts35208Set> load_sets() {
  std::ifstream in(std::string(KMEBIND_TEST_VECTORS_DIR) + "/milenage.json");
  EXPECT_TRUE(in.good());
  const auto doc = nlohmann::json::parse(in);
  std::vector<Ts35208Set> sets;
  for (const auto& e : doc.at("entries")) {
    Ts35208Set s;
    s.id = e.at("id").get<std::string>();
    s.k = SecretBytes(hex(e, "K"));
    s.opc = SecretBytes(hex(e, "OPc"));
    s.rand = hex(e, "RAND");
    s.sqn = hex(e, "SQN");
    s.amf = hex(e, "AMF");
    s.mac_a = hex(e, "f1_MAC_A");
    s.res = hex(e, "f2_RES");
    s.ck = hex(e, "f3_CK");
    s.ik = hex(e, "f4_IK");
    s.ak = hex(e, "f5_AK");
    s.ak_star = hex(e, "f5star_AK");
    sets.push_back(std::move(s));
  }
  return sets;
}

// AUTN = SQN ⊕ AK ‖ AMF ‖ MAC-A from the published values (TS 33.102 §6.3.2).
Bytes autn_of(const Ts35208Set& s) {
  Bytes autn = xor_bytes(s.sqn, s.ak);
  autn.insert(autn.end(), s.amf.begin(), s.amf.end());
  autn.insert(autn.end(), s.mac_a.begin(), s.mac_a.end());
  return autn;
}

Usim usim_of(const Ts35208Set& s, std::uint64_t delta = kNoDeltaLimit) {
  return take(Usim::create(std::string(kImsi), s.k, s.opc, SqnArray(delta)));
}

const Bytes kSnId{0x00, 0xf1, 0x10};  // 001-01, TS 24.008 §10.5.1.3

TEST(UsimTs35208, EpsVectorsGiveThePublishedResCkIkAndTheA2Kasme) {
  int checked = 0;
  for (const Ts35208Set& s : load_sets()) {
    if ((s.amf[0] & 0x80) == 0) continue;  // not an EPS vector; see the separation bit test
    SCOPED_TRACE(s.id);
    Usim usim = usim_of(s);
    auto result = take(usim.authenticate(s.rand, autn_of(s), kSnId));
    const auto* ok = std::get_if<AkaSuccess>(&result);
    ASSERT_NE(ok, nullptr);
    EXPECT_EQ(to_hex(ok->res), to_hex(s.res));
    EXPECT_EQ(ok->ck.reveal_hex(), to_hex(s.ck));
    EXPECT_EQ(ok->ik.reveal_hex(), to_hex(s.ik));
    const SecretBytes expected = take(crypto::derive_kasme(SecretBytes(s.ck), SecretBytes(s.ik), kSnId,
                                                           xor_bytes(s.sqn, s.ak)));
    EXPECT_TRUE(ok->kasme == expected);
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

TEST(UsimTs35208, SeparationBitZeroIsNonEpsAuthenticationUnacceptable) {
  int checked = 0;
  for (const Ts35208Set& s : load_sets()) {
    if ((s.amf[0] & 0x80) != 0) continue;
    SCOPED_TRACE(s.id);
    Usim usim = usim_of(s);
    auto result = take(usim.authenticate(s.rand, autn_of(s), kSnId));
    EXPECT_TRUE(std::holds_alternative<AkaNonEpsUnacceptable>(result));
    // The refused vector consumed no SQN: nothing was accepted.
    EXPECT_EQ(usim.sqn_array().sqn_ms(), 0u);
    ++checked;
  }
  EXPECT_GE(checked, 1) << "TS 35.208 set 3 has AMF 725c";
}

TEST(UsimTs35208, SettingTheSeparationBitWithoutTheKeyBreaksTheMac) {
  for (const Ts35208Set& s : load_sets()) {
    if ((s.amf[0] & 0x80) != 0) continue;
    Bytes autn = autn_of(s);
    autn[6] |= 0x80;
    Usim usim = usim_of(s);
    auto result = take(usim.authenticate(s.rand, autn, kSnId));
    EXPECT_TRUE(std::holds_alternative<AkaMacFailure>(result)) << s.id;
  }
}

TEST(UsimTs35208, ReplayedAutnGivesSynchFailureWithAnAutsTheAucCanCheck) {
  const auto sets = load_sets();
  const Ts35208Set& s = sets.front();
  ASSERT_NE(s.amf[0] & 0x80, 0);
  Usim usim = usim_of(s);
  ASSERT_TRUE(std::holds_alternative<AkaSuccess>(take(usim.authenticate(s.rand, autn_of(s), kSnId))));

  auto replay = take(usim.authenticate(s.rand, autn_of(s), kSnId));
  const auto* synch = std::get_if<AkaSynchFailure>(&replay);
  ASSERT_NE(synch, nullptr);
  // AUTS = SQN_MS ⊕ AK* ‖ MAC-S (TS 33.102 §6.3.3); AK* is the published f5* of this RAND.
  const ByteView auts(synch->auts);
  const Bytes sqn_ms = xor_bytes(auts.first(6), s.ak_star);
  EXPECT_EQ(to_hex(sqn_ms), to_hex(s.sqn)) << "SQN_MS = the highest SQN accepted";
  auto milenage = take(crypto::Milenage::create(s.k, s.opc));
  const Bytes mac_s = take(milenage.f1star(s.rand, sqn_ms, Bytes{0x00, 0x00}));
  EXPECT_EQ(to_hex(auts.subspan(6)), to_hex(mac_s)) << "MAC-S = f1*(SQN_MS, RAND, AMF 0000)";
  EXPECT_EQ(to_hex(take(milenage.f5star(s.rand))), to_hex(s.ak_star));
}

// --- SQN handling with the HSS's SQN steps (SEQ + 1, IND 0) -------------------------------------

class UsimSqnTest : public ::testing::Test {
 protected:
  UsimSqnTest() : profile_(test_profile()), net_(profile_), usim_(take(make_usim(profile_))) {}

  AkaResult run(const TestNetwork::Vector& v) { return take(usim_.authenticate(v.rand, v.autn, net_.sn_id())); }
  // SQN_MS carried in an AUTS, and whether its MAC-S verifies (what the HSS does, TS 33.102 §6.3.5).
  std::pair<std::uint64_t, bool> open_auts(const nas::Rand& rand, const AkaSynchFailure& f) {
    const Bytes ak_star = take(net_.milenage().f5star(rand));
    const Bytes sqn_ms = xor_bytes(ByteView(f.auts).first(6), ak_star);
    const Bytes mac_s = take(net_.milenage().f1star(rand, sqn_ms, Bytes{0, 0}));
    std::uint64_t v = 0;
    for (std::uint8_t o : sqn_ms) v = (v << 8) | o;
    return {v, equal_ct(mac_s, ByteView(f.auts).subspan(6))};
  }

  UeProfile profile_;
  TestNetwork net_;
  Usim usim_;
};

TEST_F(UsimSqnTest, HssVectorsAreAcceptedInOrderAndEachOnlyOnce) {
  auto v1 = net_.next_vector();
  auto v2 = net_.next_vector();
  auto r1 = run(v1);
  ASSERT_TRUE(std::holds_alternative<AkaSuccess>(r1));
  EXPECT_EQ(std::get<AkaSuccess>(r1).res, v1.xres);
  EXPECT_TRUE(std::get<AkaSuccess>(r1).kasme == v1.kasme);
  EXPECT_TRUE(std::holds_alternative<AkaSuccess>(run(v2)));
  EXPECT_TRUE(std::holds_alternative<AkaSynchFailure>(run(v1))) << "older than the last accepted in slot 0";
  EXPECT_TRUE(std::holds_alternative<AkaSynchFailure>(run(v2))) << "replayed";
  EXPECT_EQ(usim_.sqn_array().sqn_ms(), v2.sqn);
}

TEST_F(UsimSqnTest, SynchFailureAutsLetsTheHssResynchroniseAndTheNextVectorIsAccepted) {
  ASSERT_TRUE(std::holds_alternative<AkaSuccess>(run(net_.vector_for(10 * kSqnStep))));
  auto stale = net_.vector_for(3 * kSqnStep);  // an HSS that fell behind
  auto result = run(stale);
  const auto* synch = std::get_if<AkaSynchFailure>(&result);
  ASSERT_NE(synch, nullptr);
  auto [sqn_ms, mac_ok] = open_auts(stale.rand, *synch);
  EXPECT_TRUE(mac_ok);
  EXPECT_EQ(sqn_ms, 10 * kSqnStep);
  // HSS: SQN_HE := SQN_MS, next vector SQN_MS + 32 (src/hss/air_procedure.cpp).
  EXPECT_TRUE(std::holds_alternative<AkaSuccess>(run(net_.vector_for(sqn_ms + kSqnStep))));
}

TEST_F(UsimSqnTest, EachIndSlotHasItsOwnSeq) {
  // TS 33.102 Annex C.1.2: vectors from different slots may be used out of order.
  ASSERT_TRUE(std::holds_alternative<AkaSuccess>(run(net_.vector_for(5 * kSqnStep + 1))));   // SEQ 5, IND 1
  EXPECT_TRUE(std::holds_alternative<AkaSuccess>(run(net_.vector_for(3 * kSqnStep + 2))));   // SEQ 3, IND 2
  EXPECT_TRUE(std::holds_alternative<AkaSynchFailure>(run(net_.vector_for(4 * kSqnStep + 1))));  // SEQ 4 ≤ 5
  EXPECT_TRUE(std::holds_alternative<AkaSuccess>(run(net_.vector_for(6 * kSqnStep + 1))));
  EXPECT_EQ(usim_.sqn_array().sqn_ms(), 6 * kSqnStep + 1) << "SEQ_MS ‖ IND_MS of the highest SEQ";
}

TEST_F(UsimSqnTest, SqnTooFarAheadIsRefusedAndReportsSqnMs) {
  const std::uint64_t far = (kDefaultSqnDelta + 2) * kSqnStep;
  auto v = net_.vector_for(far);
  auto result = run(v);
  const auto* synch = std::get_if<AkaSynchFailure>(&result);
  ASSERT_NE(synch, nullptr);
  auto [sqn_ms, mac_ok] = open_auts(v.rand, *synch);
  EXPECT_TRUE(mac_ok);
  EXPECT_EQ(sqn_ms, 0u) << "a new card has accepted nothing";
  // Just within Δ is accepted.
  EXPECT_TRUE(std::holds_alternative<AkaSuccess>(run(net_.vector_for(kDefaultSqnDelta * kSqnStep))));
}

TEST_F(UsimSqnTest, MacFailureChangesNothing) {
  auto v = net_.next_vector();
  auto tampered = v.copy();
  tampered.autn[15] ^= 0x01;
  EXPECT_TRUE(std::holds_alternative<AkaMacFailure>(run(tampered)));
  auto tampered_sqn = v.copy();
  tampered_sqn.autn[0] ^= 0x80;
  EXPECT_TRUE(std::holds_alternative<AkaMacFailure>(run(tampered_sqn)));
  auto tampered_rand = v.copy();
  tampered_rand.rand[0] ^= 0x01;
  EXPECT_TRUE(std::holds_alternative<AkaMacFailure>(run(tampered_rand)));
  EXPECT_EQ(usim_.sqn_array().sqn_ms(), 0u);
  EXPECT_TRUE(std::holds_alternative<AkaSuccess>(run(v)));
}

TEST_F(UsimSqnTest, VectorOfAnotherSubscriberIsAMacFailure) {
  UeProfile other = test_profile();
  TestNetwork other_net(other);
  EXPECT_TRUE(std::holds_alternative<AkaMacFailure>(run(other_net.next_vector())));
}

TEST_F(UsimSqnTest, KasmeBindsTheServingNetwork) {
  auto v = net_.next_vector();
  auto r = take(usim_.authenticate(v.rand, v.autn, Bytes{0x13, 0x00, 0x14}));
  ASSERT_TRUE(std::holds_alternative<AkaSuccess>(r));
  EXPECT_FALSE(std::get<AkaSuccess>(r).kasme == v.kasme);
}

TEST_F(UsimSqnTest, BadArgumentSizesAreRefused) {
  auto v = net_.next_vector();
  EXPECT_EQ(usim_.authenticate(ByteView(v.rand).first(15), v.autn, net_.sn_id()).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(usim_.authenticate(v.rand, ByteView(v.autn).first(15), net_.sn_id()).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(usim_.authenticate(v.rand, v.autn, Bytes{1, 2}).error().code(), Code::kInvalidArgument);
}

TEST(UsimCreate, RefusesBadImsiAndKeySizes) {
  SecretBytes k(16), opc(16), short_key(15);
  EXPECT_FALSE(Usim::create("12345", k, opc));
  EXPECT_FALSE(Usim::create("00101012345678a", k, opc));
  EXPECT_FALSE(Usim::create("0010101234567890", k, opc));
  EXPECT_FALSE(Usim::create(std::string(kImsi), short_key, opc));
  EXPECT_FALSE(Usim::create(std::string(kImsi), k, short_key));
  EXPECT_TRUE(Usim::create(std::string(kImsi), k, opc));
}

// --- SqnArray on its own ---------------------------------------------------------------------

TEST(SqnArray, SplitsSqnIntoSeqAndInd) {
  EXPECT_EQ(SqnArray::seq_of(32 * 7 + 3), 7u);
  EXPECT_EQ(SqnArray::ind_of(32 * 7 + 3), 3u);
  EXPECT_EQ(SqnArray::seq_of(kSqnMask), kSqnMask >> 5);
}

TEST(SqnArray, VerdictsFollowAnnexC22) {
  SqnArray a(100);
  EXPECT_EQ(a.check(0), SqnVerdict::kReplayed) << "SEQ 0 is never above a new slot";
  EXPECT_EQ(a.check(32), SqnVerdict::kFresh);
  EXPECT_EQ(a.check(100 * 32), SqnVerdict::kFresh);
  EXPECT_EQ(a.check(101 * 32), SqnVerdict::kOutOfRange);
  a.accept(50 * 32 + 4);
  EXPECT_EQ(a.check(50 * 32 + 4), SqnVerdict::kReplayed);
  EXPECT_EQ(a.check(49 * 32 + 5), SqnVerdict::kFresh);
  EXPECT_EQ(a.check(150 * 32), SqnVerdict::kFresh);
  EXPECT_EQ(a.check(151 * 32), SqnVerdict::kOutOfRange);
  EXPECT_EQ(a.sqn_ms(), 50u * 32 + 4);
}

TEST(SqnArray, RestoredStateBehavesLikeTheOriginal) {
  SqnArray a;
  a.accept(9 * 32 + 1);
  a.accept(4 * 32 + 7);
  SqnArray b(a.slots(), a.delta());
  EXPECT_EQ(b.sqn_ms(), a.sqn_ms());
  EXPECT_EQ(b.check(9 * 32 + 1), SqnVerdict::kReplayed);
  EXPECT_EQ(b.check(5 * 32 + 7), SqnVerdict::kFresh);
}

}  // namespace
}  // namespace kmebind::ue::testing
