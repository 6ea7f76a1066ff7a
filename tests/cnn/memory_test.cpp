// Memory per registered UE (issue: CNN memory per attached UE at 1 M UEs): a registered UE keeps
// only its compact context (IMSI, GUTI, address, NAS security context). Target: <= 1 KiB,
// measured on the heap with glibc's mallinfo2 over many real attaches.
#include <malloc.h>

#include <cstdio>

#include "cnn/ue_context.h"
#include "cnn_bench.h"

namespace kmebind::cnn::testing {
namespace {

class MemoryTest : public CnnBench {};

TEST_F(MemoryTest, RegisteredContextIsCompact) {
  std::printf("sizeof(UeContext)=%zu sizeof(NasSecurityContext)=%zu sizeof(AttachProcedure)=%zu\n",
              sizeof(detail::UeContext), sizeof(nas::NasSecurityContext),
              sizeof(detail::AttachProcedure));
  EXPECT_LE(sizeof(detail::UeContext), 192u);
}

TEST_F(MemoryTest, RegisteredUeCostsLessThanOneKibibyteOfHeap) {
  CnnConfig c = bench_config();
  c.ipv4_pool = "10.0.0.0/16";
  rebuild(std::move(c));
  constexpr int kUes = 1500;
  {
    // One attach first, released again, so one-time allocations (OpenSSL's algorithm caches,
    // ...) are not counted against the UEs.
    TestUe warm;
    warm.id = 100'000;
    full_attach(warm);
    cnn_->release(warm.id);
    last_ = CnnOutput{};
  }
  const std::size_t before = mallinfo2().uordblks;
  for (int i = 0; i < kUes; ++i) {
    TestUe ue;
    ue.id = static_cast<UeId>(i + 1);
    ue.imsi = "00101" + std::to_string(1'000'000'000 + i);
    full_attach(ue);
    last_.clear();
    last_.nas.shrink_to_fit();
    last_.s6a.shrink_to_fit();
    last_.events.shrink_to_fit();
    last_.released.shrink_to_fit();
  }
  const std::size_t after = mallinfo2().uordblks;
  ASSERT_EQ(cnn_->stats().ues_registered, static_cast<std::size_t>(kUes));
  if (after <= before) {
    // A sanitizer's allocator does not report through glibc's mallinfo2.
    GTEST_SKIP() << "mallinfo2 does not see this allocator";
  }
  const double per_ue = static_cast<double>(after - before) / kUes;
  std::printf("heap per registered UE: %.0f octets (%d UEs)\n", per_ue, kUes);
  RecordProperty("heap_per_registered_ue", static_cast<int>(per_ue));
  EXPECT_LT(per_ue, 1024.0);
}

}  // namespace
}  // namespace kmebind::cnn::testing
