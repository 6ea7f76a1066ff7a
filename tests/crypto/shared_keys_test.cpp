// The parsed-key objects (Signer, SignatureVerifier, EciesDecryptor) set their operation up
// once and work on a copy per call, so one object may serve several threads: each thread must
// get the published results, as a single thread does. P-256 and X25519 keys are built from
// shared templates (evp_keys.cpp): importing and generating them on several threads at once
// must give working keys too.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "crypto/ecies.h"
#include "crypto/signature.h"
#include "vectors.h"

namespace kmebind::crypto {
namespace {

constexpr int kThreads = 4;
constexpr int kRounds = 25;

// Runs `body` on kThreads threads at once, kRounds times each; the count of failed rounds.
template <class Body>
int failures_on_threads(Body body) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        if (!body()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  return failures.load();
}

// RFC 8032 §7.1 TEST 2: Ed25519 is deterministic, so every thread must produce this signature.
TEST(SharedKeyObjects, OneEd25519SignerGivesRfc8032SignatureOnEveryThread) {
  auto signer = Signer::create(
      SignatureAlgorithm::kEd25519,
      SecretBytes(*from_hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")));
  ASSERT_TRUE(signer) << signer.error().what();
  auto verifier = SignatureVerifier::create(
      SignatureAlgorithm::kEd25519,
      *from_hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"));
  ASSERT_TRUE(verifier) << verifier.error().what();
  const std::string expected =
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e4"
      "58f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";
  const Bytes message = *from_hex("72");
  EXPECT_EQ(failures_on_threads([&] {
              auto sig = signer->sign(message);
              return sig && to_hex(*sig) == expected && verifier->verify(message, *sig) &&
                     !verifier->verify(*from_hex("73"), *sig);
            }),
            0);
}

// ECDSA signatures are randomised: each must verify under the shared verifier, and a signature
// of another message must not.
TEST(SharedKeyObjects, OneEcdsaSignerAndVerifierWorkOnEveryThread) {
  auto kp = signature_generate(SignatureAlgorithm::kEcdsaP256Sha256);
  ASSERT_TRUE(kp);
  auto signer = Signer::create(SignatureAlgorithm::kEcdsaP256Sha256, kp->private_key);
  auto verifier = SignatureVerifier::create(SignatureAlgorithm::kEcdsaP256Sha256, kp->public_key);
  ASSERT_TRUE(signer && verifier);
  EXPECT_EQ(failures_on_threads([&] {
              auto sig = signer->sign(as_bytes("transcript"));
              return sig && sig->size() == kSignatureSize &&
                     verifier->verify(as_bytes("transcript"), *sig) &&
                     !verifier->verify(as_bytes("transcripT"), *sig);
            }),
            0);
}

// Each thread imports the device's compressed P-256 key itself (a copy of the shared parameter
// template) and verifies with it.
TEST(SharedKeyObjects, P256KeysImportedOnSeveralThreadsAtOnceVerify) {
  auto kp = signature_generate(SignatureAlgorithm::kEcdsaP256Sha256);
  ASSERT_TRUE(kp);
  ASSERT_EQ(kp->public_key.size(), 33u);
  auto sig = sign(SignatureAlgorithm::kEcdsaP256Sha256, kp->private_key, as_bytes("m"));
  ASSERT_TRUE(sig);
  EXPECT_EQ(
      failures_on_threads([&] {
        return verify(SignatureAlgorithm::kEcdsaP256Sha256, kp->public_key, as_bytes("m"), *sig) &&
               !verify(SignatureAlgorithm::kEcdsaP256Sha256, kp->public_key, as_bytes("n"), *sig);
      }),
      0);
}

// Each thread encrypts to a device key (peer key imported and ephemeral key generated from the
// shared templates) and the device decrypts every output, for both profiles.
TEST(SharedKeyObjects, EciesEncryptionsOnSeveralThreadsAtOnceDecrypt) {
  for (const EciesProfile profile : {EciesProfile::kA, EciesProfile::kB}) {
    SCOPED_TRACE(std::string(to_string(profile)));
    auto kp = ecies_generate(profile);
    ASSERT_TRUE(kp);
    auto d = EciesDecryptor::create(profile, kp->private_key);
    ASSERT_TRUE(d);
    const Bytes plain = *from_hex("00112233445566778899");
    EXPECT_EQ(failures_on_threads([&] {
                auto out = ecies_encrypt(profile, kp->public_key, plain);
                if (!out) return false;
                auto back = d->decrypt(*out);
                return back && back->reveal_hex() == to_hex(plain);
              }),
              0);
  }
}

// TS 33.501 C.4.3 / C.4.4: every thread decrypts the published scheme output of both profiles.
TEST(SharedKeyObjects, OneEciesDecryptorDecryptsPublishedOutputOnEveryThread) {
  for (const auto& e : testing::entries("ecies.json")) {
    SCOPED_TRACE(e["id"].get<std::string>());
    const EciesProfile profile =
        e["profile"].get<std::string>().starts_with("A") ? EciesProfile::kA : EciesProfile::kB;
    auto d = EciesDecryptor::create(profile, testing::secret(e["home_network_private_key"]));
    ASSERT_TRUE(d) << d.error().what();
    const Bytes output = testing::hex(e["scheme_output"]);
    const std::string plaintext = e["plaintext_block"].get<std::string>();
    EXPECT_EQ(failures_on_threads([&] {
                auto plain = d->decrypt(output);
                return plain && plain->reveal_hex() == plaintext;
              }),
              0);
  }
}

}  // namespace
}  // namespace kmebind::crypto
