// Randomized robustness: 100k random and mutated buffers through decode_nas (both directions),
// plus KME containers and protected PDUs. Nothing may crash (run the asan preset for memory
// errors), every failure is kMalformed/kAuthFailed, and every accepted message is stable:
// decode(encode(m)) == m. Seeded, so a failure reproduces.
#include <gtest/gtest.h>

#include <random>

#include "nas/kme_messages.h"
#include "nas/security_context.h"
#include "nas_test_util.h"

namespace kmebind::nas::test {
namespace {

class Mutator {
 public:
  explicit Mutator(std::uint32_t seed) : rng_(seed) {}

  std::size_t below(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  std::uint8_t octet() { return static_cast<std::uint8_t>(below(256)); }

  Bytes random_pdu() {
    static constexpr std::uint8_t kFirst[] = {0x07, 0x02, 0x52, 0x17, 0x27};
    static constexpr std::uint8_t kTypes[] = {0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x52, 0x53, 0x54, 0x55, 0x56,
                                              0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x68, 0x69, 0xc1, 0xc2, 0xd0};
    Bytes b(below(48));
    for (auto& o : b) o = octet();
    if (!b.empty() && below(4) != 0) b[0] = kFirst[below(std::size(kFirst))];
    if (b.size() > 1 && below(4) != 0) b[b[0] == 0x07 ? 1 : std::min<std::size_t>(2, b.size() - 1)] = kTypes[below(std::size(kTypes))];
    return b;
  }

  Bytes mutate(Bytes b) {
    const std::size_t edits = 1 + below(4);
    for (std::size_t e = 0; e < edits; ++e) {
      switch (below(6)) {
        case 0: if (!b.empty()) b[below(b.size())] = octet(); break;
        case 1: if (!b.empty()) b[below(b.size())] ^= static_cast<std::uint8_t>(1u << below(8)); break;
        case 2: b.insert(b.begin() + static_cast<std::ptrdiff_t>(below(b.size() + 1)), octet()); break;
        case 3: if (!b.empty()) b.erase(b.begin() + static_cast<std::ptrdiff_t>(below(b.size()))); break;
        case 4: b.resize(below(b.size() + 1)); break;
        case 5: if (b.size() > 2) {  // length-like values at a random spot
          b[below(b.size())] = static_cast<std::uint8_t>(below(2) ? 0xff : below(20));
        } break;
      }
    }
    return b;
  }

 private:
  std::mt19937 rng_;
};

TEST(NasRobustness, HundredThousandRandomAndMutatedPdusNeverCrashAndAcceptedOnesAreStable) {
  Mutator mut(20240601);
  const auto& refs = reference_pdus();
  std::size_t accepted = 0, reencoded = 0;
  for (int i = 0; i < 100000; ++i) {
    const Bytes pdu = i % 3 == 0 ? mut.random_pdu() : mut.mutate(refs[mut.below(refs.size())].pdu);
    for (Direction dir : {Direction::kUplink, Direction::kDownlink}) {
      auto m = decode_nas(pdu, dir);
      if (!m) {
        ASSERT_EQ(m.error().code(), Code::kMalformed) << to_hex(pdu);
        ASSERT_FALSE(m.error().message().empty());
        continue;
      }
      ++accepted;
      ASSERT_FALSE(describe(*m).empty());
      auto again = encode_nas(*m);
      if (!again) {
        ASSERT_EQ(again.error().code(), Code::kInvalidArgument) << to_hex(pdu);
        continue;
      }
      ++reencoded;
      auto back = decode_nas(*again, dir);
      ASSERT_TRUE(back) << to_hex(pdu) << " re-encoded as " << to_hex(*again) << ": " << back.error().what();
      ASSERT_TRUE(*back == *m) << to_hex(pdu);
    }
  }
  // The corpus must exercise the accepting paths too, not only the refusals.
  EXPECT_GT(accepted, 20000u);
  EXPECT_GT(reencoded, accepted * 9 / 10);
}

TEST(NasRobustness, MutatedKmeContainersNeverCrash) {
  Mutator mut(7);
  const Bytes seeds[] = {
      hex("04 01 04 0010 000102030405060708090a0b0c0d0e0f 05 0004 00000001"),
      hex("01 01 01 0001 01 02 0001 01 03 0003 aabbcc 04 0010 000102030405060708090a0b0c0d0e0f 05 0004 00000001"),
      hex("02 01 06 0010 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff 07 0001 01 08 0040" + std::string(128, 'a')),
  };
  std::size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    auto m = decode_kme(mut.mutate(seeds[mut.below(std::size(seeds))]));
    if (!m) {
      ASSERT_EQ(m.error().code(), Code::kMalformed);
      continue;
    }
    ++accepted;
    auto again = encode_kme(*m);
    ASSERT_TRUE(again) << describe(*m);
    auto back = decode_kme(*again);
    ASSERT_TRUE(back);
    ASSERT_TRUE(*back == *m);
  }
  EXPECT_GT(accepted, 100u);
}

TEST(NasRobustness, MutatedProtectedPdusAreRefusedWithoutStateChange) {
  Mutator mut(99);
  auto make = [] {
    return *NasSecurityContext::create({CipheringAlgorithm::kEea2, IntegrityAlgorithm::kEia2},
                                       SecretBytes(Bytes(16, 0x01)), SecretBytes(Bytes(16, 0x02)));
  };
  auto sender = make();
  const Bytes pdu = *sender.protect(hex("07 5e 23 09 43 09 51 24 30 32 57 01 f1"),
                                    SecurityHeaderType::kIntegrityProtectedCiphered, Direction::kUplink);
  auto receiver = make();
  for (int i = 0; i < 5000; ++i) {
    const Bytes bad = mut.mutate(pdu);
    if (bad.size() >= 2 && bad.size() == pdu.size() && std::equal(bad.begin() + 1, bad.end(), pdu.begin() + 1)) {
      continue;  // only octet 1 changed, or nothing: not covered by the MAC (TS 24.301 §9.1)
    }
    auto got = receiver.unprotect(bad, Direction::kUplink);
    ASSERT_FALSE(got) << to_hex(bad);
    ASSERT_TRUE(got.error().code() == Code::kMalformed || got.error().code() == Code::kAuthFailed);
    ASSERT_EQ(receiver.next_count(Direction::kUplink).value(), 0u);
  }
  EXPECT_TRUE(receiver.unprotect(pdu, Direction::kUplink));
}

}  // namespace
}  // namespace kmebind::nas::test
