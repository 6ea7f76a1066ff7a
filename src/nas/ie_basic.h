// Value types shared by many IEs: opaque octet strings, fixed-size octet arrays, opaque half
// octets, GPRS timers, and the codec helpers for enum-valued IEs. See ie_table.h for how a value
// type plugs into a message table.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/error.h"
#include "nas/ie_table.h"

namespace kmebind::nas {

// An IE carried without interpretation (the row's length bounds still apply): used for IEs
// kmebind relays or ignores (DRX parameter, MS network capability, PCO, ...).
struct Octets {
  Bytes value;

  Status encode(ByteWriter& w) const { w.bytes(value); return {}; }
  static Result<Octets> decode(ByteView in) { return Octets{Bytes(in.begin(), in.end())}; }
  std::string describe() const { return "0x" + to_hex(value); }
  bool operator==(const Octets&) const = default;
};

// An opaque type 1 IE value (the 4 bits next to the IEI or the other half octet).
struct HalfOctet {
  std::uint8_t value = 0;  // 0..15

  std::uint8_t to_nibble() const { return static_cast<std::uint8_t>(value & 0x0f); }
  static Result<HalfOctet> from_nibble(std::uint8_t n) { return HalfOctet{static_cast<std::uint8_t>(n & 0x0f)}; }
  std::string describe() const { return std::to_string(value); }
  bool operator==(const HalfOctet&) const = default;
};

// Fixed-size octet strings (RAND, AUTN, AUTS, nonces): the row gives the size; the format layer
// has clamped the view to at most N octets and checked at least N.
template <std::size_t N>
struct IeCodec<std::array<std::uint8_t, N>> {
  static Status encode(const std::array<std::uint8_t, N>& v, ByteWriter& w) { w.bytes(v); return {}; }
  static Result<std::array<std::uint8_t, N>> decode(ByteView in) {
    if (in.size() < N) return fail(Code::kMalformed, "need " + std::to_string(N) + " octets");
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = in[i];
    return out;
  }
  static std::string describe(const std::array<std::uint8_t, N>& v) { return "0x" + to_hex(v); }
};

// Codec for an IE whose value is one octet mapped to an enum E (unknown values kept as is).
// Requires std::string to_string(E) in the enum's namespace.
template <class E>
struct OctetEnumCodec {
  static Status encode(E v, ByteWriter& w) { w.u8(static_cast<std::uint8_t>(v)); return {}; }
  static Result<E> decode(ByteView in) {
    if (in.empty()) return fail(Code::kMalformed, "need 1 octet");
    return static_cast<E>(in[0]);
  }
  static std::string describe(E v) { return to_string(v); }
};

// Codec for a half-octet IE mapped to an enum E; bits outside `Mask` are spare (sent as 0,
// ignored on receipt).
template <class E, std::uint8_t Mask>
struct HalfEnumCodec {
  static std::uint8_t to_nibble(E v) { return static_cast<std::uint8_t>(static_cast<std::uint8_t>(v) & Mask); }
  static Result<E> from_nibble(std::uint8_t n) { return static_cast<E>(n & Mask); }
  static std::string describe(E v) { return to_string(v); }
};

// TS 24.008 §10.5.7.3 GPRS timer and §10.5.7.4 GPRS timer 2 (the same value octet; timer 2 is
// carried as TLV): bits 8-6 unit, bits 5-1 timer value.
struct GprsTimer {
  enum class Unit : std::uint8_t { k2Seconds = 0, k1Minute = 1, kDecihours = 2, kDeactivated = 7 };
  Unit unit = Unit::kDeactivated;
  std::uint8_t value = 0;  // 0..31

  // Seconds the timer runs, or nullopt when deactivated (other unit values count as 1 minute,
  // TS 24.008 §10.5.7.3).
  std::optional<std::uint32_t> seconds() const;
  static GprsTimer from_seconds(std::uint32_t seconds);  // nearest representable, rounded up

  Status encode(ByteWriter& w) const;
  static Result<GprsTimer> decode(ByteView in);
  std::string describe() const;
  bool operator==(const GprsTimer&) const = default;
};

// TS 24.008 §10.5.7.4a GPRS timer 3: bits 8-6 unit (10 min, 1 h, 10 h, 2 s, 30 s, 1 min, 320 h,
// deactivated), bits 5-1 value.
struct GprsTimer3 {
  std::uint8_t unit = 7;   // 0..7
  std::uint8_t value = 0;  // 0..31

  std::optional<std::uint32_t> seconds() const;
  Status encode(ByteWriter& w) const;
  static Result<GprsTimer3> decode(ByteView in);
  std::string describe() const;
  bool operator==(const GprsTimer3&) const = default;
};

}  // namespace kmebind::nas
