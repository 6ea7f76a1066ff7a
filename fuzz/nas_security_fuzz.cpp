// libFuzzer harness: unwrapping of security-protected NAS messages (TS 24.301 §4.4, §9.1;
// TS 33.401 Annex B; src/nas/security_context.h) with a fixed test NAS security context, then the
// plain codec on what comes out. Input: one security-protected PDU, tried in both directions
// against contexts with each supported algorithm pair (EIA2/EIA0 × EEA2/EEA0), at NAS COUNT 0 and
// near the end of the 24-bit COUNT space. With EIA0 every mutation passes the (all-zero) MAC, so
// the deciphering and decoding paths see arbitrary octets too.
// Properties: unprotect never crashes; a failure changes no COUNT; an accepted message has the
// smallest COUNT >= the expected one with its SQN, advances the COUNT past it and re-protects to
// the same octets; with EIA2 the same PDU is never accepted twice (replay protection).
#include <cstddef>
#include <cstdint>

#include "fuzz_fixture.h"
#include "nas/nas_message.h"
#include "nas/security_context.h"

using namespace kmebind;

namespace {

using nas::CipheringAlgorithm;
using nas::IntegrityAlgorithm;

constexpr nas::NasSecurityAlgorithms kAlgorithmPairs[] = {
    {CipheringAlgorithm::kEea2, IntegrityAlgorithm::kEia2},
    {CipheringAlgorithm::kEea0, IntegrityAlgorithm::kEia2},
    {CipheringAlgorithm::kEea0, IntegrityAlgorithm::kEia0},
    {CipheringAlgorithm::kEea2, IntegrityAlgorithm::kEia0},
};
// A new context, and one whose next COUNT is two overflows short of 2^24.
constexpr std::uint32_t kStartCounts[] = {0, 0xfffe00 + 0xf0};

nas::NasSecurityContext make_context(nas::NasSecurityAlgorithms algorithms, std::uint32_t count) {
  auto ctx = nas::NasSecurityContext::create(algorithms, fuzz::nas_int_key(), fuzz::nas_enc_key(),
                                             nas::NasCount::from_value(count),
                                             nas::NasCount::from_value(count));
  KMEBIND_FUZZ_CHECK(ctx.has_value());
  return std::move(*ctx);
}

void try_context(ByteView pdu, nas::NasSecurityAlgorithms algorithms, std::uint32_t start,
                 nas::Direction direction) {
  nas::NasSecurityContext ctx = make_context(algorithms, start);
  auto unwrapped = ctx.unprotect(pdu, direction);
  if (!unwrapped) {
    KMEBIND_FUZZ_CHECK(ctx.next_count(direction).value() == start);
    return;
  }
  const std::uint32_t count = unwrapped->count.value();
  KMEBIND_FUZZ_CHECK(count >= start && count < start + 0x100);
  KMEBIND_FUZZ_CHECK((count & 0xff) == pdu[5]);
  KMEBIND_FUZZ_CHECK(ctx.next_count(direction).value() == count + 1);
  KMEBIND_FUZZ_CHECK(unwrapped->plain.size() + nas::kSecurityHeaderSize == pdu.size());

  if (algorithms.integrity == IntegrityAlgorithm::kEia2) {
    KMEBIND_FUZZ_CHECK(!ctx.unprotect(pdu, direction).has_value());
    KMEBIND_FUZZ_CHECK(ctx.next_count(direction).value() == count + 1);
  }
  // The sender's side of the same message: protect at the accepted COUNT gives the same octets.
  nas::NasSecurityContext sender = make_context(algorithms, count);
  auto again = sender.protect(unwrapped->plain, unwrapped->header_type, direction);
  if (again) {
    KMEBIND_FUZZ_CHECK(Bytes(pdu.begin(), pdu.end()) == *again);
  }
  auto decoded = nas::decode_nas(unwrapped->plain, direction);
  if (decoded) (void)nas::describe(*decoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView pdu = fuzz::view(data, size);
  for (const auto& algorithms : kAlgorithmPairs) {
    for (std::uint32_t start : kStartCounts) {
      for (nas::Direction direction : {nas::Direction::kUplink, nas::Direction::kDownlink}) {
        try_context(pdu, algorithms, start, direction);
      }
    }
  }
  return 0;
}
