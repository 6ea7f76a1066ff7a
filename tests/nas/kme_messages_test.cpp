// KME container messages (docs/nas.md §KME): round trip, reference octets, truncation,
// duplicates, missing and conditional fields, unknown tags, version and type checks.
#include "nas/kme_messages.h"

#include <gtest/gtest.h>

#include "nas_test_util.h"

namespace kmebind::nas::test {
namespace {

KmeNonce nonce() {
  KmeNonce n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(i);
  return n;
}

std::vector<KmeMessage> samples() {
  KmeProvisioningCommand p1;
  p1.procedure = KmeProcedure::kSharedWithCnn;
  p1.ecies_profile = EciesProfile::kProfileA;
  p1.ecies_scheme_output = Bytes(94, 0x5a);
  p1.nonce = nonce();
  p1.kme_version = 7;
  KmeProvisioningCommand p2 = p1;
  p2.procedure = KmeProcedure::kNotSharedWithCnn;
  p2.ecies_profile = EciesProfile::kProfileB;
  p2.nonce.reset();
  KmeProvisioningResponse r1;
  r1.rsp.fill(0xa1);
  KmeProvisioningResponse r2 = r1;
  r2.signature_algorithm = SignatureAlgorithm::kEd25519;
  r2.signature = KmeSignature{};
  r2.signature->fill(0x5e);
  return {p1,
          p2,
          r1,
          r2,
          KmeProvisioningReject{KmeProvisioningRejectCause::kImeiMismatch, std::nullopt},
          KmeProvisioningReject{KmeProvisioningRejectCause::kVersionNotNewer, 41},
          DeviceAuthenticationRequest{nonce(), 3},
          DeviceAuthenticationResponse{KmeRsp{}},
          DeviceAuthenticationReject{DeviceAuthenticationRejectCause::kNoKme}};
}

TEST(KmeMessages, EveryMessageRoundTrips) {
  for (const auto& m : samples()) {
    auto bytes = encode_kme(m);
    ASSERT_TRUE(bytes) << bytes.error().what();
    EXPECT_EQ((*bytes)[1], kKmeContainerVersion);
    auto back = decode_kme(*bytes);
    ASSERT_TRUE(back) << back.error().what();
    EXPECT_TRUE(*back == m) << describe(m);
  }
}

TEST(KmeMessages, DeviceAuthenticationRequestHasTheDocumentedOctets) {
  auto bytes = encode_kme(DeviceAuthenticationRequest{nonce(), 1});
  ASSERT_TRUE(bytes);
  EXPECT_EQ(to_hex(*bytes), to_hex(hex("04 01 04 0010 000102030405060708090a0b0c0d0e0f 05 0004 00000001")));
  auto cmd = encode_kme(std::get<KmeProvisioningCommand>(samples()[0]));
  ASSERT_TRUE(cmd);
  EXPECT_EQ(to_hex(ByteView(*cmd).first(13)), to_hex(hex("01 01 01 0001 01 02 0001 01 03 005e")));
}

// A prefix decodes only if it is itself a valid message (a response without its optional
// signature fields); all others fail with kMalformed.
TEST(KmeMessages, EveryTruncatedPrefixFailsOrIsAValidShorterMessage) {
  for (const auto& m : samples()) {
    const Bytes full = *encode_kme(m);
    for (std::size_t n = 0; n < full.size(); ++n) {
      auto got = decode_kme(ByteView(full).first(n));
      if (got) {
        EXPECT_EQ(to_hex(*encode_kme(*got)), to_hex(ByteView(full).first(n)));
        EXPECT_TRUE(std::holds_alternative<KmeProvisioningResponse>(*got)) << describe(*got);
      } else {
        EXPECT_EQ(got.error().code(), Code::kMalformed);
      }
    }
  }
}

TEST(KmeMessages, RepeatedTagIsRefused) {
  auto m = decode_kme(hex("05 01 06 0010 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff 06 0010 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("Rsp: repeated"), std::string::npos) << m.error().message();
}

TEST(KmeMessages, MissingMandatoryFieldIsRefused) {
  auto m = decode_kme(hex("04 01 04 0010 000102030405060708090a0b0c0d0e0f"));  // no KME version
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("Device Authentication Request: KME version: missing"), std::string::npos);
  EXPECT_FALSE(decode_kme(hex("03 01")));  // reject without cause
}

// Cause 5 (version not newer) carries the device's committed version; no other cause does.
TEST(KmeMessages, ProvisioningRejectCarriesTheCommittedVersionExactlyWithCause5) {
  auto bytes = encode_kme(KmeProvisioningReject{KmeProvisioningRejectCause::kVersionNotNewer, 41});
  ASSERT_TRUE(bytes);
  EXPECT_EQ(to_hex(*bytes), to_hex(hex("03 01 09 0001 05 05 0004 00000029")));
  EXPECT_FALSE(encode_kme(
      KmeProvisioningReject{KmeProvisioningRejectCause::kVersionNotNewer, std::nullopt}));
  EXPECT_FALSE(encode_kme(KmeProvisioningReject{KmeProvisioningRejectCause::kMalformed, 41}));
  auto missing = decode_kme(hex("03 01 09 0001 05"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("cause 5"), std::string::npos)
      << missing.error().message();
  auto extra = decode_kme(hex("03 01 09 0001 04 05 0004 00000029"));
  ASSERT_FALSE(extra);
  EXPECT_EQ(extra.error().code(), Code::kMalformed);
}

TEST(KmeMessages, ConditionalFieldsFollowTheProcedure) {
  auto p1 = std::get<KmeProvisioningCommand>(samples()[0]);
  p1.nonce.reset();
  EXPECT_EQ(encode_kme(p1).error().code(), Code::kInvalidArgument);
  auto p2 = std::get<KmeProvisioningCommand>(samples()[1]);
  p2.nonce = nonce();
  EXPECT_EQ(encode_kme(p2).error().code(), Code::kInvalidArgument);
  // On the wire: procedure 2 with a Nonce field is refused.
  Bytes wire = *encode_kme(samples()[1]);
  for (std::uint8_t o : hex("04 0010 000102030405060708090a0b0c0d0e0f")) wire.push_back(o);
  auto got = decode_kme(wire);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message().find("procedure 2"), std::string::npos);
  // A signature without its algorithm is refused.
  auto r = std::get<KmeProvisioningResponse>(samples()[3]);
  r.signature_algorithm.reset();
  EXPECT_FALSE(encode_kme(r));
  Bytes sig_only = *encode_kme(samples()[2]);
  sig_only.push_back(0x08);
  sig_only.push_back(0x00);
  sig_only.push_back(0x40);
  sig_only.insert(sig_only.end(), 64, 0x11);
  EXPECT_FALSE(decode_kme(sig_only));
}

TEST(KmeMessages, UnknownTagsAreSkipped) {
  auto m = decode_kme(hex("05 01 7e 0003 aabbcc 06 0010 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff ff 0000"));
  ASSERT_TRUE(m) << m.error().what();
  EXPECT_EQ(std::get<DeviceAuthenticationResponse>(*m).rsp[15], 0xff);
}

TEST(KmeMessages, FieldLengthOutsideItsRangeIsRefused) {
  EXPECT_FALSE(decode_kme(hex("05 01 06 000f f0f1f2f3f4f5f6f7f8f9fafbfcfdfe")));          // Rsp of 15
  EXPECT_FALSE(decode_kme(hex("05 01 06 0011 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff00")));      // Rsp of 17
  EXPECT_FALSE(decode_kme(hex("05 01 06 0011 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")));        // runs past the end
  EXPECT_FALSE(decode_kme(hex("06 01 09 0002 0101")));                                    // cause of 2
}

TEST(KmeMessages, WrongVersionOrUnknownTypeIsRefused) {
  auto v = decode_kme(hex("05 02 06 0010 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"));
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message().find("version 2"), std::string::npos);
  EXPECT_FALSE(decode_kme(hex("07 01")));
  EXPECT_FALSE(decode_kme(hex("00 01")));
}

TEST(KmeMessages, UnknownEnumValuesAreKeptForTheReceiverToAnswer) {
  auto m = decode_kme(hex("01 01 01 0001 09 02 0001 01 03 0001 00 05 0004 00000001"));
  ASSERT_TRUE(m) << m.error().what();
  const auto& cmd = std::get<KmeProvisioningCommand>(*m);
  EXPECT_FALSE(is_supported(cmd.procedure));
  EXPECT_TRUE(is_supported(cmd.ecies_profile));
}

TEST(KmeMessages, DescribeShowsNamesAndNotThePayload) {
  const std::string s = describe(samples()[0]);
  EXPECT_NE(s.find("KME Provisioning Command"), std::string::npos);
  EXPECT_NE(s.find("ECIES scheme output=94 octets"), std::string::npos) << s;
}

}  // namespace
}  // namespace kmebind::nas::test
