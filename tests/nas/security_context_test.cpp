// NAS security (TS 24.301 §4.4, §9.1): protect/unprotect for header types 1-4, COUNT handling,
// replay and tamper refusal, and no state change on failure.
#include "nas/security_context.h"

#include <gtest/gtest.h>

#include "crypto/eea2.h"
#include "crypto/eia2.h"
#include "nas/nas_message.h"
#include "nas_test_util.h"

namespace kmebind::nas::test {
namespace {

constexpr NasSecurityAlgorithms kEia2Eea2{CipheringAlgorithm::kEea2, IntegrityAlgorithm::kEia2};

SecretBytes kint() { return SecretBytes(hex("2bd6459f82c5b300952c49104881ff48")); }
SecretBytes kenc() { return SecretBytes(hex("d3c5d592327fb11c4035c6680af8c6d1")); }

NasSecurityContext make(NasSecurityAlgorithms alg = kEia2Eea2, NasCount ul = {}, NasCount dl = {}) {
  auto c = NasSecurityContext::create(alg, kint(), kenc(), ul, dl);
  EXPECT_TRUE(c) << c.error().what();
  return std::move(*c);
}

// A Security mode complete carrying an IMEISV: a realistic inner message.
Bytes inner() { return hex("07 5e 23 09 43 09 51 24 30 32 57 01 f1"); }

constexpr SecurityHeaderType kTypes[] = {
    SecurityHeaderType::kIntegrityProtected, SecurityHeaderType::kIntegrityProtectedCiphered,
    SecurityHeaderType::kIntegrityProtectedNewContext, SecurityHeaderType::kIntegrityProtectedCipheredNewContext};

bool ciphered(SecurityHeaderType t) {
  return t == SecurityHeaderType::kIntegrityProtectedCiphered || t == SecurityHeaderType::kIntegrityProtectedCipheredNewContext;
}

TEST(NasSecurity, RoundTripsEveryProtectedHeaderTypeInBothDirections) {
  for (Direction dir : {Direction::kUplink, Direction::kDownlink}) {
    for (SecurityHeaderType type : kTypes) {
      auto sender = make();
      auto receiver = make();
      auto pdu = sender.protect(inner(), type, dir);
      ASSERT_TRUE(pdu) << pdu.error().what();
      ASSERT_EQ(pdu->size(), inner().size() + kSecurityHeaderSize);
      EXPECT_EQ((*pdu)[0], (static_cast<int>(type) << 4) | 7);
      const Bytes body(pdu->begin() + 6, pdu->end());
      EXPECT_EQ(body == inner(), !ciphered(type)) << to_string(type);
      auto got = receiver.unprotect(*pdu, dir);
      ASSERT_TRUE(got) << got.error().what();
      EXPECT_EQ(got->plain, inner());
      EXPECT_EQ(got->header_type, type);
      EXPECT_EQ(got->count.value(), 0u);
      auto message = decode_nas(got->plain, dir);
      ASSERT_TRUE(message);
      EXPECT_TRUE(std::holds_alternative<SecurityModeComplete>(*message));
    }
  }
}

// TS 24.301 §9.1: MAC = EIA2(KNASint, COUNT, BEARER 0, DIRECTION, SQN ‖ message); ciphering with
// EEA2(KNASenc, COUNT, 0, DIRECTION) over the inner message only.
TEST(NasSecurity, MacAndCipherInputsAreTheSpecifiedOnes) {
  auto sender = make(kEia2Eea2, {}, NasCount{0x0102, 0x03});
  const std::uint32_t count = 0x010203;
  auto pdu = sender.protect(inner(), SecurityHeaderType::kIntegrityProtectedCiphered, Direction::kDownlink);
  ASSERT_TRUE(pdu);
  EXPECT_EQ((*pdu)[5], 0x03);
  auto mac = crypto::eia2_mac(kint(), count, 0, 1, ByteView(*pdu).subspan(5), (pdu->size() - 5) * 8);
  ASSERT_TRUE(mac);
  EXPECT_EQ(to_hex(ByteView(*pdu).subspan(1, 4)), to_hex(*mac));
  auto ct = crypto::eea2(kenc(), count, 0, 1, inner(), inner().size() * 8);
  ASSERT_TRUE(ct);
  EXPECT_EQ(to_hex(ByteView(*pdu).subspan(6)), to_hex(*ct));
  // The other direction gives another MAC.
  auto ul = crypto::eia2_mac(kint(), count, 0, 0, ByteView(*pdu).subspan(5), (pdu->size() - 5) * 8);
  EXPECT_NE(to_hex(*ul), to_hex(*mac));
}

TEST(NasSecurity, CountOverflowsIntoTheOverflowCounterAfter256Messages) {
  auto sender = make();
  auto receiver = make();
  for (std::uint32_t i = 0; i < 300; ++i) {
    auto pdu = sender.protect(inner(), SecurityHeaderType::kIntegrityProtectedCiphered, Direction::kUplink);
    ASSERT_TRUE(pdu);
    EXPECT_EQ((*pdu)[5], i & 0xff);
    auto got = receiver.unprotect(*pdu, Direction::kUplink);
    ASSERT_TRUE(got) << "message " << i << ": " << got.error().what();
    EXPECT_EQ(got->count.value(), i);
    EXPECT_EQ(got->plain, inner());
    if (i == 255) {
      EXPECT_EQ(sender.next_count(Direction::kUplink), (NasCount{1, 0}));
      EXPECT_EQ(receiver.next_count(Direction::kUplink), (NasCount{1, 0}));
    }
  }
  EXPECT_EQ(receiver.next_count(Direction::kUplink).value(), 300u);
  EXPECT_EQ(receiver.next_count(Direction::kDownlink).value(), 0u);  // directions are separate
}

TEST(NasSecurity, LostMessagesAcrossAnSqnWrapAreEstimatedCorrectly) {
  auto sender = make();
  auto receiver = make();
  std::vector<Bytes> sent;
  for (int i = 0; i < 260; ++i) {
    sent.push_back(*sender.protect(inner(), SecurityHeaderType::kIntegrityProtected, Direction::kDownlink));
  }
  ASSERT_TRUE(receiver.unprotect(sent[10], Direction::kDownlink));
  auto got = receiver.unprotect(sent[259], Direction::kDownlink);  // SQN 3 < 11: overflow + 1
  ASSERT_TRUE(got) << got.error().what();
  EXPECT_EQ(got->count.value(), 259u);
}

TEST(NasSecurity, ReplayedMessageIsRefusedAndChangesNothing) {
  auto sender = make();
  auto receiver = make();
  auto first = *sender.protect(inner(), SecurityHeaderType::kIntegrityProtectedCiphered, Direction::kUplink);
  auto second = *sender.protect(inner(), SecurityHeaderType::kIntegrityProtectedCiphered, Direction::kUplink);
  ASSERT_TRUE(receiver.unprotect(first, Direction::kUplink));
  const NasCount before = receiver.next_count(Direction::kUplink);
  auto replay = receiver.unprotect(first, Direction::kUplink);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code(), Code::kAuthFailed);
  EXPECT_NE(replay.error().message().find("replayed"), std::string::npos) << replay.error().message();
  EXPECT_EQ(receiver.next_count(Direction::kUplink), before);
  // The genuine next message still goes through.
  auto next = receiver.unprotect(second, Direction::kUplink);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->count.value(), 1u);
  // And an older message arriving after a newer one is refused as well.
  auto third = *sender.protect(inner(), SecurityHeaderType::kIntegrityProtectedCiphered, Direction::kUplink);
  auto fourth = *sender.protect(inner(), SecurityHeaderType::kIntegrityProtectedCiphered, Direction::kUplink);
  ASSERT_TRUE(receiver.unprotect(fourth, Direction::kUplink));
  auto late = receiver.unprotect(third, Direction::kUplink);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code(), Code::kAuthFailed);
}

TEST(NasSecurity, EveryModifiedOctetIsRefusedAndChangesNothing) {
  for (SecurityHeaderType type : kTypes) {
    auto sender = make();
    auto pdu = *sender.protect(inner(), type, Direction::kUplink);
    // Octet 1 (security header type / PD) is not covered by the MAC (TS 24.301 §9.1); every
    // octet from the MAC on is.
    for (std::size_t i = 1; i < pdu.size(); ++i) {
      for (int flip : {0x01, 0x80}) {
        auto receiver = make();
        Bytes bad = pdu;
        bad[i] = static_cast<std::uint8_t>(bad[i] ^ flip);
        auto got = receiver.unprotect(bad, Direction::kUplink);
        ASSERT_FALSE(got) << "octet " << i;
        EXPECT_EQ(got.error().code(), Code::kAuthFailed);
        EXPECT_EQ(receiver.next_count(Direction::kUplink).value(), 0u);
        // The untouched PDU is still accepted afterwards: nothing was consumed.
        ASSERT_TRUE(receiver.unprotect(pdu, Direction::kUplink)) << "octet " << i;
      }
    }
  }
}

TEST(NasSecurity, WrongDirectionOrWrongKeyIsRefused) {
  auto sender = make();
  auto pdu = *sender.protect(inner(), SecurityHeaderType::kIntegrityProtected, Direction::kUplink);
  auto receiver = make();
  EXPECT_FALSE(receiver.unprotect(pdu, Direction::kDownlink));
  auto other = NasSecurityContext::create(kEia2Eea2, SecretBytes(Bytes(16, 0x11)), kenc());
  ASSERT_TRUE(other);
  auto got = other->unprotect(pdu, Direction::kUplink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), Code::kAuthFailed);
}

TEST(NasSecurity, TruncatedOrNonProtectedPdusAreMalformed) {
  auto sender = make();
  auto pdu = *sender.protect(inner(), SecurityHeaderType::kIntegrityProtectedCiphered, Direction::kUplink);
  auto receiver = make();
  for (std::size_t n = 0; n < 8; ++n) {
    auto got = receiver.unprotect(ByteView(pdu).first(n), Direction::kUplink);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code(), Code::kMalformed);
  }
  for (std::size_t n = 8; n < pdu.size(); ++n) {
    auto got = receiver.unprotect(ByteView(pdu).first(n), Direction::kUplink);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code(), Code::kAuthFailed);
  }
  EXPECT_EQ(receiver.next_count(Direction::kUplink).value(), 0u);
  Bytes plain_header = pdu;
  plain_header[0] = 0x07;
  EXPECT_EQ(receiver.unprotect(plain_header, Direction::kUplink).error().code(), Code::kMalformed);
  Bytes service_request = pdu;
  service_request[0] = 0xc7;
  EXPECT_EQ(receiver.unprotect(service_request, Direction::kUplink).error().code(), Code::kMalformed);
  Bytes esm = pdu;
  esm[0] = 0x22;
  EXPECT_EQ(receiver.unprotect(esm, Direction::kUplink).error().code(), Code::kMalformed);
  ASSERT_TRUE(receiver.unprotect(pdu, Direction::kUplink));
}

TEST(NasSecurity, NullAlgorithmsLeaveTheMessageInClearWithAZeroMac) {
  constexpr NasSecurityAlgorithms kNull{CipheringAlgorithm::kEea0, IntegrityAlgorithm::kEia0};
  auto sender = make(kNull);
  auto receiver = make(kNull);
  auto pdu = sender.protect(inner(), SecurityHeaderType::kIntegrityProtectedCiphered, Direction::kDownlink);
  ASSERT_TRUE(pdu);
  EXPECT_EQ(to_hex(ByteView(*pdu).subspan(1, 4)), "00000000");
  EXPECT_EQ(Bytes(pdu->begin() + 6, pdu->end()), inner());
  ASSERT_TRUE(receiver.unprotect(*pdu, Direction::kDownlink));
  Bytes nonzero = *pdu;
  nonzero[1] = 1;
  EXPECT_FALSE(make(kNull).unprotect(nonzero, Direction::kDownlink));
}

TEST(NasSecurity, CountExhaustionRefusesToSend) {
  auto sender = make(kEia2Eea2, NasCount{0xffff, 0xff});
  auto last = sender.protect(inner(), SecurityHeaderType::kIntegrityProtected, Direction::kUplink);
  ASSERT_TRUE(last);
  auto over = sender.protect(inner(), SecurityHeaderType::kIntegrityProtected, Direction::kUplink);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code(), Code::kNotAllowed);
  auto receiver = make(kEia2Eea2, NasCount{0xffff, 0xff});
  EXPECT_TRUE(receiver.unprotect(*last, Direction::kUplink));
  EXPECT_FALSE(receiver.unprotect(*last, Direction::kUplink));
}

TEST(NasSecurity, RefusesBadArguments) {
  auto ctx = make();
  EXPECT_EQ(ctx.protect(inner(), SecurityHeaderType::kPlain, Direction::kUplink).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(ctx.protect(inner(), SecurityHeaderType::kServiceRequest, Direction::kUplink).error().code(),
            Code::kInvalidArgument);
  EXPECT_FALSE(ctx.protect(hex("52 00 c2"), SecurityHeaderType::kIntegrityProtected, Direction::kUplink));
  EXPECT_FALSE(ctx.protect(hex("27 00"), SecurityHeaderType::kIntegrityProtected, Direction::kUplink));
  EXPECT_EQ(ctx.next_count(Direction::kUplink).value(), 0u);
  EXPECT_FALSE(NasSecurityContext::create(kEia2Eea2, SecretBytes(Bytes(15, 1)), kenc()));
  EXPECT_FALSE(NasSecurityContext::create(kEia2Eea2, kint(), SecretBytes(Bytes(32, 1))));
  EXPECT_FALSE(NasSecurityContext::create({CipheringAlgorithm::kEea1, IntegrityAlgorithm::kEia2}, kint(), kenc()));
  EXPECT_FALSE(NasSecurityContext::create({CipheringAlgorithm::kEea2, IntegrityAlgorithm::kEia3}, kint(), kenc()));
}

}  // namespace
}  // namespace kmebind::nas::test
