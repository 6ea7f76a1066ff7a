// The USIM's sequence number store for EPS AKA freshness (TS 33.102 §6.3.3 and Annex C.2, with
// the SEQ ‖ IND split of Annex C.1.1 / C.3.2).
//
//   SQN (48 bits) = SEQ (43 bits) ‖ IND (5 bits)
//
// The USIM keeps one SEQ_MS(i) for each of the 2^5 = 32 IND values (the "array" of Annex C.1.2),
// all 0 on a new card. A received SQN is accepted (Annex C.2.2) when
//   (a) SEQ > SEQ_MS(IND)                        — not replayed / not older than its slot, and
//   (b) SEQ - SEQ_MS <= Δ                        — not too far ahead of the highest SEQ accepted,
//       where SEQ_MS = max over i of SEQ_MS(i)     (wrap-around protection, Annex C.2.2)
// and accepting it sets SEQ_MS(IND) := SEQ. Δ defaults to 2^28 (the value TS 33.102 Annex C.3.2
// suggests); kNoDeltaLimit turns check (b) off. The optional age limit L of Annex C.2.3 is not
// applied.
//
// kmebind's HSS issues SQNs in steps of 32 (SEQ + 1, IND 0; src/hss/hss_config.h kDefaultSqnStep)
// so its vectors all use slot 0 and each is accepted once, in order. Out-of-order use of
// vectors from different IND slots is accepted as Annex C intends.
//
// For re-synchronisation the USIM reports SQN_MS = SEQ_MS ‖ IND_MS, the highest SEQ it has
// accepted with the (lowest) IND slot that holds it (TS 33.102 §6.3.3, Annex C.2.2). The HSS
// resets SQN_HE to it and continues at SQN_MS + 32, whose SEQ is SEQ_MS + 1: accepted.
//
// Not thread-safe; a plain value type (copyable, so a caller can persist and restore it).
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace kmebind::ue {

inline constexpr unsigned kIndBits = 5;                        // TS 33.102 Annex C.3.2
inline constexpr std::size_t kIndEntries = std::size_t{1} << kIndBits;
inline constexpr std::uint64_t kSqnMask = (std::uint64_t{1} << 48) - 1;
inline constexpr std::uint64_t kDefaultSqnDelta = std::uint64_t{1} << 28;  // Δ, Annex C.3.2
inline constexpr std::uint64_t kNoDeltaLimit = std::numeric_limits<std::uint64_t>::max();

// How the USIM judges a received SQN (TS 33.102 Annex C.2.2).
enum class SqnVerdict {
  kFresh,       // accept
  kReplayed,    // SEQ <= SEQ_MS(IND): already used or older than its slot → synch failure
  kOutOfRange,  // SEQ - SEQ_MS > Δ → synch failure
};

class SqnArray {
 public:
  using Slots = std::array<std::uint64_t, kIndEntries>;  // SEQ_MS(0..31)

  explicit SqnArray(std::uint64_t delta = kDefaultSqnDelta) : delta_(delta) {}
  // Restores a saved array. Values above 43 bits are masked.
  SqnArray(const Slots& seq_ms, std::uint64_t delta);

  static std::uint64_t seq_of(std::uint64_t sqn) { return (sqn & kSqnMask) >> kIndBits; }
  static std::size_t ind_of(std::uint64_t sqn) { return static_cast<std::size_t>(sqn & (kIndEntries - 1)); }

  // Annex C.2.2 checks (a) and (b); changes nothing.
  SqnVerdict check(std::uint64_t sqn) const;
  // SEQ_MS(IND) := SEQ. REQUIRES: check(sqn) == kFresh (otherwise the slot is left as is).
  void accept(std::uint64_t sqn);
  // SQN_MS = SEQ_MS ‖ IND_MS for AUTS (see above); 0 on a new card.
  std::uint64_t sqn_ms() const;

  const Slots& slots() const { return seq_ms_; }
  std::uint64_t delta() const { return delta_; }

 private:
  std::uint64_t highest_seq() const;

  Slots seq_ms_{};
  std::uint64_t delta_;
};

}  // namespace kmebind::ue
