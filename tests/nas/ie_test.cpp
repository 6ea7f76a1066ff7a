// Individual IE value codecs (TS 24.008 §10.5, TS 24.301 §9.9).
#include <gtest/gtest.h>

#include "nas/ie_emm.h"
#include "nas/ie_esm.h"
#include "nas/ie_identity.h"
#include "nas/ie_security.h"
#include "nas/plmn.h"
#include "nas_test_util.h"

namespace kmebind::nas::test {
namespace {

template <class T>
Bytes encoded(const T& v) {
  ByteWriter w;
  auto ok = v.encode(w);
  EXPECT_TRUE(ok) << ok.error().what();
  return w.take();
}

// TS 24.008 §10.5.1.3 (examples: 001/01, 310/410, 208/93).
TEST(Plmn, EncodesMccMncBcdWithFillerForTwoDigitMnc) {
  EXPECT_EQ(to_hex(*encode_plmn({"001", "01"})), "00f110");
  EXPECT_EQ(to_hex(*encode_plmn({"310", "410"})), "130014");
  EXPECT_EQ(to_hex(*encode_plmn({"208", "93"})), "02f839");
  EXPECT_EQ(*decode_plmn(hex("130014")), (Plmn{"310", "410"}));
  EXPECT_EQ(*decode_plmn(hex("02f839")), (Plmn{"208", "93"}));
}

TEST(Plmn, RefusesBadDigitsAndSizes) {
  EXPECT_FALSE(encode_plmn({"01", "01"}));
  EXPECT_FALSE(encode_plmn({"001", "1"}));
  EXPECT_FALSE(encode_plmn({"0a1", "01"}));
  EXPECT_FALSE(decode_plmn(hex("00f1")));
  EXPECT_FALSE(decode_plmn(hex("0af110")));
  EXPECT_FALSE(decode_plmn(hex("00e110")));  // MNC digit 3 neither digit nor F
  EXPECT_FALSE(Plmn::parse("0010", "01"));
}

TEST(Identity, PacksOddAndEvenDigitCounts) {
  EXPECT_EQ(to_hex(pack_identity_digits("001010123456789", 1)), "0910101032547698");
  EXPECT_EQ(to_hex(pack_identity_digits("4901542032375101", 3)), "43095124303257" "01f1");
}

TEST(Identity, UnpackRejectsMisplacedFillerAndNonDecimalDigits) {
  EXPECT_EQ(*unpack_identity_digits(hex("0910101032547698")), "001010123456789");
  EXPECT_FALSE(unpack_identity_digits(hex("0110101032547698")));  // even, but no filler at the end
  EXPECT_EQ(*unpack_identity_digits(hex("01101010325476f8")), "00101012345678");
  EXPECT_FALSE(unpack_identity_digits(hex("09101010325476f8")));  // odd, but filler inside
  EXPECT_FALSE(unpack_identity_digits(hex("091010a032547698")));
  EXPECT_FALSE(unpack_identity_digits({}));
}

TEST(Identity, EpsMobileIdentityGutiAndImei) {
  EpsMobileIdentity guti{Guti{Plmn{"001", "01"}, 0x8001, 0x02, 0xdeadbeef}};
  EXPECT_EQ(to_hex(encoded(guti)), "f600f1108001" "02" "deadbeef");
  EXPECT_EQ(*EpsMobileIdentity::decode(encoded(guti)), guti);
  EpsMobileIdentity imei{Imei{"490154203237518"}};
  EXPECT_EQ(to_hex(encoded(imei)), "4b09512430325781");  // type 011 in EPS mobile identity
  EXPECT_EQ(*EpsMobileIdentity::decode(encoded(imei)), imei);
  EXPECT_FALSE(EpsMobileIdentity::decode(hex("f600f110800102deadbe")));  // GUTI of 10 octets
  EXPECT_FALSE(EpsMobileIdentity::decode(hex("0a")));                     // type 010 unused in EPS
}

TEST(Identity, MobileIdentityTypes) {
  MobileIdentity tmsi{Tmsi{0x01020304}};
  EXPECT_EQ(to_hex(encoded(tmsi)), "f401020304");
  EXPECT_EQ(*MobileIdentity::decode(hex("f401020304")), tmsi);
  EXPECT_TRUE(std::holds_alternative<NoIdentity>(MobileIdentity::decode(hex("00"))->identity));
  EXPECT_FALSE(MobileIdentity::decode(hex("4b09512430325781")));  // 15 digits tagged IMEISV
  EXPECT_FALSE(MobileIdentity::decode(hex("05")));                // TMGI: unsupported
  ByteWriter w;
  EXPECT_FALSE((MobileIdentity{Imeisv{"490154203237518"}}.encode(w)));
}

TEST(Identity, ImeiCheckDigit) {
  EXPECT_TRUE(imei_check_digit_ok("490154203237518"));  // TS 23.003 example
  EXPECT_FALSE(imei_check_digit_ok("490154203237519"));
  EXPECT_FALSE(imei_check_digit_ok("49015420323751"));
}

// TS 24.301 §9.9.3.33: the three list types.
TEST(TaiListIe, RoundTripsAllListTypes) {
  TaiList list;
  list.lists.push_back({PartialTaiList::Type::kNonConsecutiveTacs, {{{"001", "01"}, 1}, {{"001", "01"}, 7}}, 0});
  list.lists.push_back({PartialTaiList::Type::kConsecutiveTacs, {{{"310", "410"}, 0x100}}, 4});
  list.lists.push_back({PartialTaiList::Type::kMultiplePlmns, {{{"001", "01"}, 9}, {{"208", "93"}, 10}}, 0});
  const Bytes b = encoded(list);
  EXPECT_EQ(to_hex(b), "0100f11000010007" "23130014" "0100" "4100f1100009" "02f839000a");
  auto back = TaiList::decode(b);
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_EQ(*back, list);
}

TEST(TaiListIe, RefusesMoreThanSixteenTaisAndTruncation) {
  EXPECT_FALSE(TaiList::decode(hex("2f00f1100001" "2f00f1100020")));  // 16 + 16 consecutive
  EXPECT_FALSE(TaiList::decode(hex("0100f110000100")));
  EXPECT_FALSE(TaiList::decode(hex("6000f1100001")));  // type 11 reserved
  TaiList mixed;
  mixed.lists.push_back({PartialTaiList::Type::kNonConsecutiveTacs, {{{"001", "01"}, 1}, {{"001", "02"}, 2}}, 0});
  ByteWriter w;
  EXPECT_FALSE(mixed.encode(w));
}

TEST(ApnIe, EncodesLabels) {
  AccessPointName apn{"ims.mnc001.mcc001.gprs"};
  EXPECT_EQ(to_hex(encoded(apn)), "03696d73066d6e63303031066d63633030310467707273");
  EXPECT_EQ(AccessPointName::decode(encoded(apn))->name, apn.name);
  ByteWriter w;
  EXPECT_FALSE((AccessPointName{"a..b"}.encode(w)));
  EXPECT_FALSE(AccessPointName::decode(hex("0569")));  // label runs past the IE
  EXPECT_FALSE(AccessPointName::decode(hex("022f2f")));
}

TEST(PdnAddressIe, AllAddressTypes) {
  PdnAddress v4{PdnType::kIpv4, {10, 0, 0, 1}, {}};
  EXPECT_EQ(to_hex(encoded(v4)), "010a000001");
  PdnAddress v46{PdnType::kIpv4v6, {10, 0, 0, 1}, {1, 2, 3, 4, 5, 6, 7, 8}};
  EXPECT_EQ(to_hex(encoded(v46)), "0301020304050607080a000001");
  EXPECT_EQ(*PdnAddress::decode(encoded(v46)), v46);
  EXPECT_FALSE(PdnAddress::decode(hex("030102030405060708")));
}

TEST(GprsTimerIe, UnitsAndSeconds) {
  EXPECT_EQ((GprsTimer{GprsTimer::Unit::kDecihours, 9}.seconds()), 3240u);
  EXPECT_EQ((GprsTimer{GprsTimer::Unit::k2Seconds, 5}.seconds()), 10u);
  EXPECT_FALSE((GprsTimer{GprsTimer::Unit::kDeactivated, 0}.seconds()));
  EXPECT_EQ(GprsTimer::decode(hex("49"))->seconds(), 3240u);
  EXPECT_EQ(GprsTimer::from_seconds(720), (GprsTimer{GprsTimer::Unit::k1Minute, 12}));
  EXPECT_EQ((GprsTimer3{1, 3}.seconds()), 3u * 3600);
}

TEST(SecurityIes, AlgorithmBitsAndReplay) {
  UeNetworkCapability cap{0xe0, 0x60, {0xc0, 0xc0, 0x00}};
  EXPECT_TRUE(cap.supports(CipheringAlgorithm::kEea0));
  EXPECT_TRUE(cap.supports(CipheringAlgorithm::kEea2));
  EXPECT_FALSE(cap.supports(CipheringAlgorithm::kEea3));
  EXPECT_FALSE(cap.supports(IntegrityAlgorithm::kEia0));
  EXPECT_TRUE(cap.supports(IntegrityAlgorithm::kEia2));
  const auto replay = UeSecurityCapability::replay_of(cap);
  EXPECT_EQ(replay.eea, 0xe0);
  EXPECT_EQ(replay.eia, 0x60);
  EXPECT_EQ(to_hex(replay.additional), "c040");  // UCS2 bit dropped: bit 8 of the UIA octet is spare
  EXPECT_EQ(to_hex(encoded(NasSecurityAlgorithms{CipheringAlgorithm::kEea2, IntegrityAlgorithm::kEia2})), "22");
  EXPECT_EQ(NasSecurityAlgorithms::decode(hex("22"))->integrity, IntegrityAlgorithm::kEia2);
  EXPECT_EQ((NasKeySetIdentifier{true, 3}.to_nibble()), 0x0b);
}

}  // namespace
}  // namespace kmebind::nas::test
