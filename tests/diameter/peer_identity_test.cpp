// The certificate-to-identity check behind peer validation (trap 10).
#include "diameter/peer_identity.h"

#include <gtest/gtest.h>

#include "test_pki.h"

namespace kmebind::diameter {
namespace {

using testing::TestPki;

TEST(PeerIdentity, CertificateNamesItsOwnIdentity) {
  const TestPki& pki = TestPki::get();
  ASSERT_TRUE(pki.ok());
  EXPECT_TRUE(certificate_names_identity(pki.der("hss"), testing::kHssId));
  EXPECT_TRUE(certificate_names_identity(pki.der("mme"), testing::kMmeId));
}

TEST(PeerIdentity, ComparisonIgnoresCase) {
  EXPECT_TRUE(certificate_names_identity(TestPki::get().der("hss"), "HSS.LocalDomain"));
}

TEST(PeerIdentity, CertificateOfAnotherIdentityDoesNotMatch) {
  const TestPki& pki = TestPki::get();
  EXPECT_FALSE(certificate_names_identity(pki.der("rogue"), testing::kMmeId));
  EXPECT_FALSE(certificate_names_identity(pki.der("hss"), testing::kHss2Id));
  EXPECT_FALSE(certificate_names_identity(pki.der("hss"), "localdomain"));
}

TEST(PeerIdentity, WildcardCertificateIsNotAccepted) {
  EXPECT_FALSE(certificate_names_identity(TestPki::get().der("wildcard"), testing::kMmeId));
}

TEST(PeerIdentity, GarbageAndTruncatedCertificatesDoNotMatch) {
  Bytes der = TestPki::get().der("mme");
  ASSERT_GT(der.size(), 100u);
  EXPECT_FALSE(certificate_names_identity({}, testing::kMmeId));
  EXPECT_FALSE(certificate_names_identity(der, ""));
  for (std::size_t cut : {1u, 10u, 50u, 100u}) {
    EXPECT_FALSE(certificate_names_identity(ByteView(der).first(der.size() - cut), testing::kMmeId))
        << "cut " << cut;
  }
  Bytes noise(300, 0x30);
  EXPECT_FALSE(certificate_names_identity(noise, testing::kMmeId));
}

}  // namespace
}  // namespace kmebind::diameter
