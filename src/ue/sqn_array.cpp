#include "ue/sqn_array.h"

#include <algorithm>

namespace kmebind::ue {

namespace {
constexpr std::uint64_t kSeqMask = kSqnMask >> kIndBits;  // 43 bits
}  // namespace

SqnArray::SqnArray(const Slots& seq_ms, std::uint64_t delta) : delta_(delta) {
  for (std::size_t i = 0; i < kIndEntries; ++i) seq_ms_[i] = seq_ms[i] & kSeqMask;
}

std::uint64_t SqnArray::highest_seq() const { return *std::max_element(seq_ms_.begin(), seq_ms_.end()); }

// TS 33.102 Annex C.2.2
SqnVerdict SqnArray::check(std::uint64_t sqn) const {
  const std::uint64_t seq = seq_of(sqn);
  if (seq <= seq_ms_[ind_of(sqn)]) return SqnVerdict::kReplayed;
  const std::uint64_t highest = highest_seq();
  if (delta_ != kNoDeltaLimit && seq > highest && seq - highest > delta_) return SqnVerdict::kOutOfRange;
  return SqnVerdict::kFresh;
}

void SqnArray::accept(std::uint64_t sqn) {
  const std::uint64_t seq = seq_of(sqn);
  std::uint64_t& slot = seq_ms_[ind_of(sqn)];
  if (seq > slot) slot = seq;
}

// TS 33.102 §6.3.3 / Annex C.2.2: SQN_MS = SEQ_MS ‖ IND_MS.
std::uint64_t SqnArray::sqn_ms() const {
  const auto it = std::max_element(seq_ms_.begin(), seq_ms_.end());  // first (lowest IND) maximum
  const auto ind = static_cast<std::uint64_t>(it - seq_ms_.begin());
  return ((*it << kIndBits) | ind) & kSqnMask;
}

}  // namespace kmebind::ue
