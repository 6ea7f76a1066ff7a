// Every message against its hand-assembled reference PDU: byte-exact encoding, decoding,
// every truncated prefix, every length field ±1, unknown IEs, wrong protocol discriminators.
#include <gtest/gtest.h>

#include <set>

#include "nas_test_util.h"

namespace kmebind::nas::test {
namespace {

class ReferencePduTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  const ReferencePdu& ref() const { return reference_pdus()[GetParam()]; }
};

std::string param_name(const ::testing::TestParamInfo<std::size_t>& info) { return reference_pdus()[info.param].name; }

// Offset where the mandatory part ends (first optional IE or end of PDU), and the offsets at
// which an optional IE ends, from the layout of a full decode.
struct Boundaries {
  std::size_t mandatory_end = 0;
  std::set<std::size_t> ie_ends;
};

Boundaries boundaries_of(const ReferencePdu& r) {
  Layout layout;
  auto m = decode_nas(r.pdu, r.direction, layout);
  EXPECT_TRUE(m);
  Boundaries b;
  b.mandatory_end = (r.pdu[0] & 0x0f) == 2 ? 3 : 2;
  for (const IeSpan& s : layout) {
    const std::size_t end = s.value_offset + s.value_size;
    if (s.optional_part) {
      b.ie_ends.insert(end);
    } else {
      b.mandatory_end = std::max(b.mandatory_end, end);
    }
  }
  return b;
}

TEST_P(ReferencePduTest, EncodesToTheReferenceOctets) {
  auto pdu = encode_nas(ref().message);
  ASSERT_TRUE(pdu) << pdu.error().what();
  EXPECT_EQ(to_hex(*pdu), to_hex(ref().pdu));
}

TEST_P(ReferencePduTest, DecodesTheReferenceOctets) {
  auto m = decode_nas(ref().pdu, ref().direction);
  ASSERT_TRUE(m) << m.error().what();
  EXPECT_TRUE(*m == ref().message) << describe(*m);
  EXPECT_EQ(message_name(*m), message_name(ref().message));
}

TEST_P(ReferencePduTest, DescribeNamesTheMessageAndEveryPresentIe) {
  const std::string line = describe(ref().message);
  EXPECT_EQ(line.rfind(std::string(message_name(ref().message)), 0), 0u) << line;
  Layout layout;
  ASSERT_TRUE(decode_nas(ref().pdu, ref().direction, layout));
  for (const IeSpan& s : layout) {
    if (s.name != "Spare half octet") {
      EXPECT_NE(line.find(std::string(s.name)), std::string::npos) << s.name << " in " << line;
    }
  }
}

// A prefix decodes only when it ends exactly where an optional IE ends (it is then a valid,
// shorter message that re-encodes to itself); every other prefix fails with kMalformed.
TEST_P(ReferencePduTest, EveryTruncatedPrefixFailsUnlessItEndsOnAnOptionalIe) {
  const Boundaries b = boundaries_of(ref());
  for (std::size_t n = 0; n < ref().pdu.size(); ++n) {
    const ByteView prefix = ByteView(ref().pdu).first(n);
    auto m = decode_nas(prefix, ref().direction);
    const bool valid_cut = n == b.mandatory_end || b.ie_ends.contains(n);
    if (valid_cut) {
      ASSERT_TRUE(m) << "prefix " << n << ": " << m.error().what();
      auto again = encode_nas(*m);
      ASSERT_TRUE(again);
      EXPECT_EQ(to_hex(*again), to_hex(prefix)) << "prefix " << n;
    } else {
      ASSERT_FALSE(m) << "prefix of " << n << " octets decoded as " << describe(*m);
      EXPECT_EQ(m.error().code(), Code::kMalformed);
    }
  }
}

// Each length field ±1: the decoder either refuses the PDU (kMalformed) or reads a different
// message — it never silently ignores a length.
TEST_P(ReferencePduTest, EachLengthFieldOffByOneIsRefusedOrChangesTheMessage) {
  Layout layout;
  ASSERT_TRUE(decode_nas(ref().pdu, ref().direction, layout));
  int checked = 0;
  for (const IeSpan& s : layout) {
    if (s.length_size == 0) continue;
    for (int delta : {-1, +1}) {
      Bytes pdu = ref().pdu;
      if (s.length_size == 1) {
        pdu[s.length_offset] = static_cast<std::uint8_t>(pdu[s.length_offset] + delta);
      } else {
        const int v = (pdu[s.length_offset] << 8 | pdu[s.length_offset + 1]) + delta;
        pdu[s.length_offset] = static_cast<std::uint8_t>(v >> 8);
        pdu[s.length_offset + 1] = static_cast<std::uint8_t>(v);
      }
      auto m = decode_nas(pdu, ref().direction);
      if (m) {
        EXPECT_FALSE(*m == ref().message) << s.name << " length " << delta << " decoded unchanged";
      } else {
        EXPECT_EQ(m.error().code(), Code::kMalformed);
        EXPECT_FALSE(m.error().message().empty());
      }
      ++checked;
    }
  }
  std::size_t expected = 0;
  for (const IeSpan& s : layout) expected += s.length_size ? 2 : 0;
  EXPECT_EQ(static_cast<std::size_t>(checked), expected);
}

// TS 24.301 §7.6.1 / TS 24.007 §11.2.4: unknown type 1 (B-), TLV (3F) and TLV-E (7F) IEs are
// skipped wherever they sit in the non-imperative part.
TEST_P(ReferencePduTest, UnknownOptionalIesAreSkipped) {
  const Boundaries b = boundaries_of(ref());
  const Bytes unknown = hex("b5 3f 02 aa bb 7f 0001 cc");
  for (std::size_t at : {b.mandatory_end, ref().pdu.size()}) {
    Bytes pdu = ref().pdu;
    pdu.insert(pdu.begin() + static_cast<std::ptrdiff_t>(at), unknown.begin(), unknown.end());
    Layout layout;
    auto m = decode_nas(pdu, ref().direction, layout);
    ASSERT_TRUE(m) << "unknown IEs at " << at << ": " << m.error().what();
    EXPECT_TRUE(*m == ref().message) << describe(*m);
    int skipped = 0;
    for (const IeSpan& s : layout) skipped += s.name == "unknown IE" && !s.accepted;
    EXPECT_EQ(skipped, 3);
  }
}

// TS 24.007 §11.2.5: an unknown IEI 0000 xxxx is "comprehension required".
TEST_P(ReferencePduTest, UnknownComprehensionRequiredIeIsRefused) {
  Bytes pdu = ref().pdu;
  for (std::uint8_t o : hex("0f 01 00")) pdu.push_back(o);
  auto m = decode_nas(pdu, ref().direction);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("comprehension required"), std::string::npos);
}

TEST_P(ReferencePduTest, WrongProtocolDiscriminatorIsRefused) {
  for (int pd : {0x0, 0x3, 0x5, 0x6, 0x8, 0xf}) {
    Bytes pdu = ref().pdu;
    pdu[0] = static_cast<std::uint8_t>((pdu[0] & 0xf0) | pd);
    auto m = decode_nas(pdu, ref().direction);
    ASSERT_FALSE(m) << "PD " << pd;
    EXPECT_EQ(m.error().code(), Code::kMalformed);
    EXPECT_NE(m.error().message().find("protocol discriminator"), std::string::npos);
  }
  // EMM read as ESM or ESM read as EMM: refused too.
  Bytes swapped = ref().pdu;
  swapped[0] = static_cast<std::uint8_t>((swapped[0] & 0xf0) | ((swapped[0] & 0x0f) == 7 ? 2 : 7));
  EXPECT_FALSE(decode_nas(swapped, ref().direction));
}

INSTANTIATE_TEST_SUITE_P(AllMessages, ReferencePduTest, ::testing::Range<std::size_t>(0, reference_pdus().size()),
                         param_name);

TEST(NasCodec, EveryMessageOfTheVariantHasAReferencePdu) {
  std::set<std::size_t> kinds;
  for (const auto& r : reference_pdus()) kinds.insert(r.message.index());
  EXPECT_EQ(kinds.size(), std::variant_size_v<NasMessage>);
}

TEST(NasCodec, DetachRequestIsChosenByDirection) {
  const Bytes pdu = hex("07 45 02 53 06");
  auto dl = decode_nas(pdu, Direction::kDownlink);
  ASSERT_TRUE(dl);
  EXPECT_TRUE(std::holds_alternative<DetachRequestUeTerminated>(*dl));
  // Uplink: the same octets are a UE originating detach whose EPS mobile identity LV (length
  // 0x53) runs past the PDU.
  auto ul = decode_nas(pdu, Direction::kUplink);
  ASSERT_FALSE(ul);
  EXPECT_NE(ul.error().message().find("EPS mobile identity"), std::string::npos);
}

TEST(NasCodec, SecurityProtectedPduIsNotDecodedAsPlain) {
  auto m = decode_nas(hex("27 01020304 00 07 53 08 a54211d5e3ba50bf"), Direction::kUplink);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("unprotect"), std::string::npos);
}

TEST(NasCodec, UnknownMessageTypeIsRefused) {
  auto m = decode_nas(hex("07 4f"), Direction::kUplink);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("0x4f"), std::string::npos);
}

TEST(NasCodec, PeekHeaderReadsEmmEsmAndProtectedHeaders) {
  auto emm = peek_header(hex("07 41"));
  ASSERT_TRUE(emm);
  EXPECT_EQ(emm->protocol_discriminator, ProtocolDiscriminator::kEmm);
  EXPECT_EQ(emm->security_header_type, SecurityHeaderType::kPlain);
  EXPECT_EQ(emm->message_type, 0x41);
  auto esm = peek_header(hex("52 01 c1"));
  ASSERT_TRUE(esm);
  EXPECT_EQ(esm->protocol_discriminator, ProtocolDiscriminator::kEsm);
  EXPECT_EQ(esm->eps_bearer_identity, 5);
  EXPECT_EQ(esm->procedure_transaction_identity, 1);
  EXPECT_EQ(esm->message_type, 0xc1);
  auto prot = peek_header(hex("27 00000000 00 07 41"));
  ASSERT_TRUE(prot);
  EXPECT_EQ(prot->security_header_type, SecurityHeaderType::kIntegrityProtectedCiphered);
  EXPECT_FALSE(prot->message_type);
  EXPECT_FALSE(peek_header({}));
  EXPECT_FALSE(peek_header(hex("07")));
  EXPECT_FALSE(peek_header(hex("52 01")));
  EXPECT_FALSE(peek_header(hex("06 41")));
}

// TS 24.301 §7.5: a mandatory IE below its minimum length makes the message malformed, and
// the error names it.
TEST(NasCodec, MandatoryIeBelowMinimumNamesTheIe) {
  auto m = decode_nas(hex("07 52 00 23553cbe9637a89d218ae64dae47bf35 0f 55f328b43577b9b94a9ffac354dfaf"), Direction::kDownlink);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), Code::kMalformed);
  EXPECT_NE(m.error().message().find("Authentication request: Authentication parameter AUTN"), std::string::npos)
      << m.error().message();
}

// TS 24.007 §11.4.2: octets beyond an IE's maximum length are skipped.
TEST(NasCodec, ExcessOctetsBeyondTheMaximumAreSkipped) {
  auto m = decode_nas(hex("07 52 00 23553cbe9637a89d218ae64dae47bf35 11 55f328b43577b9b94a9ffac354dfafb3 ee"),
                      Direction::kDownlink);
  ASSERT_TRUE(m) << m.error().what();
  EXPECT_TRUE(*m == reference_pdus()[4].message);
  // Optional fixed-size TLV too: AUTS with 15 octets.
  auto f = decode_nas(hex("07 5c 15 30 0f 000102030405060708090a0b0c0d ee"), Direction::kUplink);
  ASSERT_TRUE(f);
  const auto& failure = std::get<AuthenticationFailure>(*f);
  ASSERT_TRUE(failure.authentication_failure_parameter);
  EXPECT_EQ((*failure.authentication_failure_parameter)[13], 0x0d);
}

// TS 24.301 §7.7.1: a syntactically incorrect optional IE is treated as absent.
TEST(NasCodec, IncorrectOptionalIeIsTreatedAsAbsent) {
  // AUTS of 13 octets (minimum 14), then nothing else.
  auto f = decode_nas(hex("07 5c 15 30 0d 000102030405060708090a0b0c"), Direction::kUplink);
  ASSERT_TRUE(f) << f.error().what();
  EXPECT_FALSE(std::get<AuthenticationFailure>(*f).authentication_failure_parameter);
  // GUTI with a non-decimal MCC digit, then a valid T3402: GUTI dropped, T3402 kept.
  auto a = decode_nas(hex("07 42 01 49 06 00 00 f1 10 00 01 00 03 52 00 c2 50 0b f6 a0 f1 10 00 02 01 c0 00 00 01 17 2c"),
                      Direction::kDownlink);
  ASSERT_TRUE(a) << a.error().what();
  const auto& accept = std::get<AttachAccept>(*a);
  EXPECT_FALSE(accept.guti);
  ASSERT_TRUE(accept.t3402_value);
  EXPECT_EQ(accept.t3402_value->seconds(), 720u);
}

// TS 24.301 §7.6.2 / §7.6.3: out-of-sequence and repeated IEs are ignored.
TEST(NasCodec, OutOfSequenceAndRepeatedIesAreIgnored) {
  // T3402 (17) before GUTI (50): the GUTI comes out of sequence and is ignored.
  auto a = decode_nas(hex("07 42 01 49 06 00 00 f1 10 00 01 00 03 52 00 c2 17 2c 50 0b f6 00 f1 10 00 02 01 c0 00 00 01"),
                      Direction::kDownlink);
  ASSERT_TRUE(a) << a.error().what();
  EXPECT_TRUE(std::get<AttachAccept>(*a).t3402_value);
  EXPECT_FALSE(std::get<AttachAccept>(*a).guti);
  // EMM cause repeated: the first one counts.
  auto d = decode_nas(hex("07 45 02 53 06 53 07"), Direction::kDownlink);
  ASSERT_TRUE(d);
  EXPECT_EQ(std::get<DetachRequestUeTerminated>(*d).emm_cause, EmmCause::kIllegalMe);
}

TEST(NasCodec, EncodeRefusesValuesOutsideTheIeLengthRange) {
  AuthenticationResponse m;
  m.res = Octets{Bytes(17, 0xaa)};  // RES is 4..16 octets
  auto pdu = encode_nas(m);
  ASSERT_FALSE(pdu);
  EXPECT_EQ(pdu.error().code(), Code::kInvalidArgument);
  EXPECT_NE(pdu.error().message().find("Authentication response parameter"), std::string::npos);
  m.res = Octets{Bytes(3, 0xaa)};
  EXPECT_FALSE(encode_nas(m));
  AttachRequest bad;
  bad.eps_mobile_identity = {Imsi{"00101x"}};
  bad.ue_network_capability = {0xe0, 0xe0, {}};
  bad.esm_message_container = {hex("52 00 c2")};
  auto r = encode_nas(bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("EPS mobile identity"), std::string::npos);
}

TEST(NasCodec, DescribeShowsDecodedEsmContainerAndCauseNames) {
  const std::string accept = describe(reference_pdus()[1].message);
  EXPECT_NE(accept.find("Activate default EPS bearer context request"), std::string::npos) << accept;
  EXPECT_NE(accept.find("10.45.0.2"), std::string::npos);
  AttachReject reject;
  reject.emm_cause = EmmCause::kIllegalMe;
  EXPECT_NE(describe(reject).find("#6 Illegal ME"), std::string::npos);
}

}  // namespace
}  // namespace kmebind::nas::test
