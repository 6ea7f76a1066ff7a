// KmePayload, the ECIES plaintext (docs/nas.md §KME payload).
#include "nas/kme_payload.h"

#include <gtest/gtest.h>

#include "nas_test_util.h"

namespace kmebind::nas::test {
namespace {

KmePayload payload(KmeProcedure procedure) {
  KmePayload p;
  p.procedure = procedure;
  p.imei = "490154203237518";
  p.kme_version = 0x01020304;
  p.kme = SecretBytes(Bytes(kKmeSize, 0x4b));
  if (procedure == KmeProcedure::kNotSharedWithCnn) {
    p.nonce = KmeNonce{};
    p.nonce->fill(0x4e);
  }
  return p;
}

TEST(KmePayload, EncodesTheDocumentedLayout) {
  auto pt = encode_kme_payload(payload(KmeProcedure::kNotSharedWithCnn));
  ASSERT_TRUE(pt) << pt.error().what();
  ASSERT_EQ(pt->size(), kKmePayloadSizeProcedure2);
  EXPECT_EQ(to_hex(pt->view().first(14)), to_hex(hex("01 02 4a 09 51 24 30 32 57 81 01020304")));
  EXPECT_EQ(to_hex(pt->view().subspan(14, 32)), to_hex(Bytes(32, 0x4b)));
  EXPECT_EQ(to_hex(pt->view().subspan(46)), to_hex(Bytes(16, 0x4e)));
  auto p1 = encode_kme_payload(payload(KmeProcedure::kSharedWithCnn));
  ASSERT_TRUE(p1);
  EXPECT_EQ(p1->size(), kKmePayloadSizeProcedure1);
}

TEST(KmePayload, RoundTripsBothProcedures) {
  for (auto proc : {KmeProcedure::kSharedWithCnn, KmeProcedure::kNotSharedWithCnn}) {
    const KmePayload p = payload(proc);
    auto pt = encode_kme_payload(p);
    ASSERT_TRUE(pt);
    auto back = decode_kme_payload(pt->view());
    ASSERT_TRUE(back) << back.error().what();
    EXPECT_EQ(back->procedure, proc);
    EXPECT_EQ(back->imei, p.imei);
    EXPECT_EQ(back->kme_version, p.kme_version);
    EXPECT_TRUE(back->kme == p.kme);
    EXPECT_EQ(back->nonce, p.nonce);
  }
}

TEST(KmePayload, EveryTruncationAndEveryExtensionIsRefused) {
  auto pt = encode_kme_payload(payload(KmeProcedure::kNotSharedWithCnn));
  ASSERT_TRUE(pt);
  for (std::size_t n = 0; n < pt->size(); ++n) {
    auto got = decode_kme_payload(pt->view().first(n));
    ASSERT_FALSE(got) << n;
    EXPECT_EQ(got.error().code(), Code::kMalformed);
    EXPECT_EQ(got.error().message().find("4b4b"), std::string::npos);  // never echoes KME
  }
  Bytes longer(pt->view().begin(), pt->view().end());
  longer.push_back(0);
  EXPECT_FALSE(decode_kme_payload(longer));
}

TEST(KmePayload, RefusesBadFields) {
  auto pt = encode_kme_payload(payload(KmeProcedure::kSharedWithCnn));
  ASSERT_TRUE(pt);
  Bytes b(pt->view().begin(), pt->view().end());
  Bytes v = b; v[0] = 2;
  EXPECT_FALSE(decode_kme_payload(v));
  Bytes proc = b; proc[1] = 3;
  EXPECT_FALSE(decode_kme_payload(proc));
  Bytes type = b; type[2] = 0x49;  // IMSI type instead of IMEI
  EXPECT_FALSE(decode_kme_payload(type));
  Bytes digit = b; digit[5] = 0xa0;  // non-decimal digit
  EXPECT_FALSE(decode_kme_payload(digit));
  // Procedure 1 octets labelled procedure 2 (no Nonce): size mismatch.
  Bytes p2 = b; p2[1] = 2;
  EXPECT_FALSE(decode_kme_payload(p2));

  auto bad = payload(KmeProcedure::kSharedWithCnn);
  bad.imei = "49015420323751";
  EXPECT_FALSE(encode_kme_payload(bad));
  bad = payload(KmeProcedure::kSharedWithCnn);
  bad.kme = SecretBytes(Bytes(16, 1));
  EXPECT_FALSE(encode_kme_payload(bad));
  bad = payload(KmeProcedure::kSharedWithCnn);
  bad.nonce = KmeNonce{};
  EXPECT_FALSE(encode_kme_payload(bad));
  bad = payload(KmeProcedure::kNotSharedWithCnn);
  bad.nonce.reset();
  EXPECT_FALSE(encode_kme_payload(bad));
}

}  // namespace
}  // namespace kmebind::nas::test
