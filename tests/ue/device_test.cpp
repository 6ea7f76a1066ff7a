// Mobile equipment pieces: IMEI forms (TS 23.003 §6.2, Annex B), the KME store's pending/committed
// rules, the ME's keys, and the simulated-device factory.
#include <gtest/gtest.h>

#include "ue/imei.h"
#include "ue/kme_store.h"
#include "ue_test_network.h"

namespace kmebind::ue::testing {
namespace {

TEST(Imei, CheckDigitFollowsAnnexB) {
  EXPECT_EQ(take(imei_check_digit("49015420323751")), '8');  // TS 23.003 example IMEI 490154203237518
  EXPECT_EQ(take(imei_check_digit("35693803564380")), '9');
  EXPECT_EQ(take(imei15_of("49015420323751")), "490154203237518");
  EXPECT_EQ(take(imei15_of("490154203237518")), "490154203237518");
  EXPECT_FALSE(imei15_of("490154203237517")) << "wrong check digit";
  EXPECT_FALSE(imei15_of("4901542032375"));
  EXPECT_FALSE(imei15_of("4901542032375a"));
  EXPECT_FALSE(imei_check_digit("490154203237518"));
}

TEST(Imei, ImeisvIsTacSnrAndTwoDigitSvn) {
  EXPECT_EQ(take(imeisv_of("490154203237518", "07")), "4901542032375107");
  EXPECT_EQ(take(imeisv_of("49015420323751", "12")), "4901542032375112");
  EXPECT_FALSE(imeisv_of("49015420323751", "7"));
  EXPECT_FALSE(imeisv_of("49015420323751", "x1"));
}

SecretBytes key_of(std::uint8_t fill) { return SecretBytes(Bytes(32, fill)); }

TEST(KmeStore, PendingBecomesCommittedOnlyOnCommit) {
  KmeStore store;
  EXPECT_EQ(store.committed(), nullptr);
  EXPECT_FALSE(store.commit_pending()) << "nothing pending";
  store.set_pending(1, key_of(1));
  EXPECT_EQ(store.committed(), nullptr);
  ASSERT_NE(store.find(1), nullptr);
  EXPECT_EQ(store.commit_pending(), 1u);
  EXPECT_EQ(store.pending(), nullptr);
  store.set_pending(2, key_of(2));
  EXPECT_EQ(store.committed()->version, 1u) << "the committed KME stays while another is pending";
  EXPECT_TRUE(*store.find(1) == key_of(1));
  EXPECT_TRUE(*store.find(2) == key_of(2));
  store.set_pending(3, key_of(3));
  EXPECT_EQ(store.find(2), nullptr) << "at most one pending";
  store.discard_pending();
  EXPECT_EQ(store.find(3), nullptr);
  EXPECT_EQ(store.committed()->version, 1u);
  store.set_pending(4, key_of(4));
  EXPECT_EQ(store.commit_pending(), 4u);
  EXPECT_EQ(store.find(1), nullptr) << "the previous KME is dropped after the commit";
  EXPECT_TRUE(store.committed()->kme == key_of(4));
}

TEST(MobileEquipment, ExposesIdentitiesAndPublicKeysAndUsesThePrivateOnes) {
  UeProfile p = test_profile(crypto::EciesProfile::kB, crypto::SignatureAlgorithm::kEcdsaP256Sha256);
  MobileEquipment me = take(make_mobile_equipment(p));
  EXPECT_EQ(me.imei(), kImei15);
  EXPECT_EQ(me.imei14(), kImei14);
  EXPECT_EQ(me.imeisv(), std::string(kImei14) + "07");
  EXPECT_EQ(me.ecies_public_key(), p.ecies.public_key);
  EXPECT_EQ(me.signature_public_key(), p.signature.public_key);
  const Bytes message{1, 2, 3};
  auto ct = take(crypto::ecies_encrypt(crypto::EciesProfile::kB, me.ecies_public_key(), message));
  const SecretBytes plain = take(me.ecies_decrypt(ct));
  EXPECT_EQ(Bytes(plain.view().begin(), plain.view().end()), message);
  EXPECT_TRUE(crypto::verify(me.signature_algorithm(), me.signature_public_key(), message, take(me.sign(message))));
}

TEST(MobileEquipment, RefusesBadInputs) {
  UeProfile p = test_profile();
  auto make = [&](std::string_view imei, std::string_view sv, SecretBytes ecies, SecretBytes sig) {
    return MobileEquipment::create(imei, sv, crypto::EciesProfile::kA, std::move(ecies),
                                   crypto::SignatureAlgorithm::kEd25519, std::move(sig));
  };
  EXPECT_TRUE(make(kImei14, "01", p.ecies.private_key.clone(), p.signature.private_key.clone()));
  EXPECT_FALSE(make("490154203237517", "01", p.ecies.private_key.clone(), p.signature.private_key.clone()));
  EXPECT_FALSE(make(kImei14, "1", p.ecies.private_key.clone(), p.signature.private_key.clone()));
  EXPECT_FALSE(make(kImei14, "01", SecretBytes(Bytes(31, 1)), p.signature.private_key.clone()));
  EXPECT_FALSE(make(kImei14, "01", p.ecies.private_key.clone(), SecretBytes(Bytes(16, 1))));
}

TEST(DeviceFactory, ProfilesAreFreshAndConsistent) {
  UeProfile a = take(make_ue_profile(kImsi, 42, crypto::EciesProfile::kA, crypto::SignatureAlgorithm::kEd25519));
  UeProfile b = take(make_ue_profile(kImsi, 43, crypto::EciesProfile::kB, crypto::SignatureAlgorithm::kEcdsaP256Sha256));
  EXPECT_EQ(a.imei14, "00101001000042");
  EXPECT_EQ(a.imei15, a.imei14 + take(imei_check_digit(a.imei14)));
  EXPECT_EQ(a.software_version, "01");
  EXPECT_EQ(a.k.size(), 16u);
  EXPECT_EQ(a.opc.size(), 16u);
  EXPECT_FALSE(a.k == b.k);
  EXPECT_FALSE(a.opc == b.opc);
  EXPECT_EQ(a.ecies.public_key.size(), 32u);
  EXPECT_EQ(b.ecies.public_key.size(), 33u);
  EXPECT_EQ(a.signature.public_key.size(), 32u);
  EXPECT_EQ(b.signature.public_key.size(), 33u);
  EXPECT_EQ(take(crypto::ecies_public_from_private(b.ecies_profile, b.ecies.private_key)), b.ecies.public_key);
  EXPECT_EQ(take(crypto::signature_public_from_private(b.signature_algorithm, b.signature.private_key)),
            b.signature.public_key);
  UeProfile c = a.clone();
  EXPECT_TRUE(c.k == a.k);
  EXPECT_EQ(c.ecies.public_key, a.ecies.public_key);
}

TEST(DeviceFactory, OpcIsDerivedFromTheOperatorOpWhenGiven) {
  const SecretBytes op(Bytes(16, 0x5c));
  UeProfile p = take(make_ue_profile(kImsi, kImei14, crypto::EciesProfile::kA, crypto::SignatureAlgorithm::kEd25519,
                                     "01", &op));
  EXPECT_TRUE(p.opc == take(crypto::milenage_opc(p.k, op)));
}

TEST(DeviceFactory, RefusesBadIdentities) {
  EXPECT_FALSE(make_ue_profile("12345", kImei14, crypto::EciesProfile::kA, crypto::SignatureAlgorithm::kEd25519));
  EXPECT_FALSE(make_ue_profile(kImsi, "1234", crypto::EciesProfile::kA, crypto::SignatureAlgorithm::kEd25519));
  EXPECT_FALSE(make_ue_profile(kImsi, std::uint64_t{1'000'000}, crypto::EciesProfile::kA,
                               crypto::SignatureAlgorithm::kEd25519));
  EXPECT_FALSE(make_ue_profile(kImsi, kImei14, crypto::EciesProfile::kA, crypto::SignatureAlgorithm::kEd25519, "123"));
}

TEST(UeEvents, DescribeNamesKindAndFields) {
  UeEvent e = UeEvent(UeEventKind::kAttachRejected, "x").with_emm_cause(nas::EmmCause::kCongestion).with_t3346_ms(5000);
  const std::string text = e.describe();
  EXPECT_NE(text.find("attach-rejected"), std::string::npos);
  EXPECT_NE(text.find("t3346_ms=5000"), std::string::npos);
  EXPECT_NE(text.find("reason=x"), std::string::npos);
}

}  // namespace
}  // namespace kmebind::ue::testing
