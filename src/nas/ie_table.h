// The table-driven IE codec: a NAS message declares its information elements ONCE, as a
// constexpr std::tuple of rows in wire order (TS 24.301 §8 tables), and the three walkers here
// (encode_ies, decode_ies, describe_ies) are the only code that reads or writes IEIs and length
// octets. A row is { name, IEI, TS 24.007 format, min/max length, presence, member }.
//
// Lengths in a row are the spec's "Length" column: the whole IE, IEI and length octets
// included ("TLV 4-10" is written 4, 10; an open "n" is kN). Half-octet IEs use 0, 0.
//
// Decoding rules (all from TS 24.007 §11.2 / TS 24.301 §7 and §9.9.1):
//  * every length is checked against what is left of the PDU before it is trusted; the IE
//    value decoder gets an exact-size view, clamped to the row's maximum: octets beyond the
//    maximum are skipped (TS 24.007 §11.4.2 / TS 24.301 §9.9 "excess octets are ignored");
//  * a mandatory IE that is too short or whose value does not decode makes the message
//    malformed (TS 24.301 §7.5, cause #96);
//  * an optional IE that is too short or whose value does not decode is treated as not
//    present (TS 24.301 §7.7.1);
//  * an optional IE that is repeated or out of sequence is ignored (TS 24.301 §7.6.2, §7.6.3):
//    only an IE whose row comes after the last accepted one is taken;
//  * an unknown IEI is skipped by its format per TS 24.007 §11.2.4: bit 8 = 1 → one octet
//    (type 1 or type 2); 0111 xxxx → TLV-E (2-octet length); otherwise TLV — except
//    0000 xxxx, "comprehension required" (TS 24.007 §11.2.5, TS 24.301 §7.6.1), which fails.
// No exceptions and no asserts: failures are Result errors (kMalformed on decode,
// kInvalidArgument on encode) whose message names the message and the IE.
//
// Value types plug in through IeCodec<T>: by default T provides
//   Status encode(ByteWriter&) const; static Result<T> decode(ByteView); std::string describe() const;
// and, for half-octet IEs, std::uint8_t to_nibble() const; static Result<T> from_nibble(std::uint8_t).
// Specialise IeCodec for types that cannot carry members (enums, arrays, Bytes).
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"

namespace kmebind::nas {

// TS 24.007 §11.2.1.1 IE formats; kHalfV is a type 1 IE without IEI (V 1/2), kHalfTV a type 1
// IE with a 4-bit IEI (TV 1).
enum class Format : std::uint8_t { kV, kTV, kLV, kTLV, kLVE, kTLVE, kHalfV, kHalfTV };
enum class Presence : std::uint8_t { kM, kO, kC };

inline constexpr Presence kM = Presence::kM;
inline constexpr Presence kO = Presence::kO;
inline constexpr Presence kC = Presence::kC;
inline constexpr std::uint8_t kNoIei = 0x00;
// The spec's open "n" in a Length column: bounded only by the length field's size.
inline constexpr std::uint32_t kN = 0xffffffffu;

std::string_view to_string(Format f);

// Where an IE sat in a decoded PDU (offsets from the first octet of the PDU); for tests and
// for tools that annotate hex dumps.
struct IeSpan {
  std::string_view name;        // row name, or "unknown IE"
  std::size_t offset = 0;       // first octet of the IE (the IEI, or the value for V/LV)
  std::size_t length_offset = 0;
  std::uint8_t length_size = 0; // 0 (V, TV, half), 1 (LV, TLV) or 2 (LV-E, TLV-E)
  std::size_t value_offset = 0;
  std::size_t value_size = 0;
  bool accepted = true;         // false: skipped (unknown, repeated, out of sequence, incorrect)
  bool optional_part = false;   // in the non-imperative part (after the mandatory IEs)
};
using Layout = std::vector<IeSpan>;

template <class T>
struct IeCodec {
  static Status encode(const T& v, ByteWriter& w) { return v.encode(w); }
  static Result<T> decode(ByteView in) { return T::decode(in); }
  static std::string describe(const T& v) { return v.describe(); }
  static std::uint8_t to_nibble(const T& v) { return v.to_nibble(); }
  static Result<T> from_nibble(std::uint8_t n) { return T::from_nibble(n); }
};

namespace detail {
template <class T> struct OptionalTraits { using Value = T; static constexpr bool kIsOptional = false; };
template <class T> struct OptionalTraits<std::optional<T>> { using Value = T; static constexpr bool kIsOptional = true; };
}  // namespace detail

// One row of a message's IE table.
template <Format F, class Msg, class Field>
struct IeRow {
  static constexpr Format kFormat = F;
  using Value = typename detail::OptionalTraits<Field>::Value;
  static constexpr bool kOptionalMember = detail::OptionalTraits<Field>::kIsOptional;

  std::string_view name;
  std::uint8_t iei = kNoIei;
  std::uint32_t min_length = 0;
  std::uint32_t max_length = 0;
  Presence presence = kM;
  Field Msg::*member = nullptr;
};

// A spare half octet (TS 24.301 §9.9.2.9): written as 0000, ignored on receipt.
struct SpareHalfRow {
  static constexpr Format kFormat = Format::kHalfV;
  std::string_view name;
  std::uint8_t iei = kNoIei;
  std::uint32_t min_length = 0;
  std::uint32_t max_length = 0;
  Presence presence = kM;
};

// Row constructor that reads like the spec table:
//   ie<Format::kLV>("UE network capability", kNoIei, 3, 14, kM, &AttachRequest::ue_network_capability)
template <Format F, class Msg, class Field>
consteval IeRow<F, Msg, Field> ie(std::string_view name, std::uint8_t iei, std::uint32_t min_length,
                                  std::uint32_t max_length, Presence presence, Field Msg::*member) {
  return {name, iei, min_length, max_length, presence, member};
}
consteval SpareHalfRow spare_half(std::string_view name = "Spare half octet") { return SpareHalfRow{name}; }

// ---------------------------------------------------------------------------------------------
// Length arithmetic.
namespace detail {

constexpr bool has_iei(Format f) {
  return f == Format::kTV || f == Format::kTLV || f == Format::kTLVE || f == Format::kHalfTV;
}
constexpr std::uint32_t length_size(Format f) {
  switch (f) {
    case Format::kLV: case Format::kTLV: return 1;
    case Format::kLVE: case Format::kTLVE: return 2;
    default: return 0;
  }
}
constexpr std::uint32_t overhead(Format f) { return (has_iei(f) ? 1u : 0u) + length_size(f); }
constexpr std::uint32_t min_value(Format f, std::uint32_t min_length) { return min_length - overhead(f); }
constexpr std::uint32_t max_value(Format f, std::uint32_t max_length) {
  const std::uint32_t cap = length_size(f) == 1 ? 0xffu : length_size(f) == 2 ? 0xffffu : 0xffffffffu;
  if (max_length == kN) return cap;
  const std::uint32_t v = max_length - overhead(f);
  return v < cap ? v : cap;
}

// Compile-time consistency check of one row; the table's static_assert calls it.
template <class Row>
consteval bool row_is_valid(const Row& row) {
  constexpr Format f = Row::kFormat;
  const bool half = f == Format::kHalfV || f == Format::kHalfTV;
  if (has_iei(f) != (row.iei != kNoIei)) return false;
  if (f == Format::kHalfTV && ((row.iei & 0x0f) != 0 || (row.iei & 0x80) == 0)) return false;  // "C-" is 0xC0
  if (f != Format::kHalfTV && has_iei(f) && (row.iei & 0x80) != 0) return false;  // bit 8 = 1 is type 1/2
  if (f == Format::kTLVE && (row.iei & 0xf0) != 0x70) return false;  // TS 24.007 §11.2.4
  if (f == Format::kTLV && (row.iei & 0xf0) == 0x70) return false;
  if (half) return row.min_length == 0 && row.max_length == 0;
  if (row.min_length < overhead(f) || row.min_length > row.max_length) return false;
  if ((f == Format::kV || f == Format::kTV) && row.min_length != row.max_length) return false;
  if constexpr (requires { Row::kOptionalMember; }) {
    if ((row.presence == kM) == Row::kOptionalMember) return false;
  }
  if (row.presence != kM && !has_iei(f)) return false;  // optional IEs carry an IEI
  return true;
}

template <class Table, std::size_t... I>
consteval bool table_is_valid(const Table& t, std::index_sequence<I...>) {
  if (!(row_is_valid(std::get<I>(t)) && ...)) return false;
  // Mandatory rows first; half-octet V rows paired; optional IEIs unique.
  const Presence presence[] = {std::get<I>(t).presence..., kM};
  const Format format[] = {std::tuple_element_t<I, Table>::kFormat..., Format::kV};
  const std::uint8_t iei[] = {std::get<I>(t).iei..., 0};
  constexpr std::size_t n = sizeof...(I);
  bool seen_optional = false;
  std::size_t halves = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (presence[i] != kM) seen_optional = true;
    else if (seen_optional) return false;
    if (format[i] == Format::kHalfV) ++halves;
    else if (halves % 2 != 0) return false;
    for (std::size_t j = 0; j < i; ++j) {
      // Half-octet IEIs (bit 8 = 1) and full-octet IEIs (bit 8 = 0) cannot collide.
      if (presence[j] != kM && presence[i] != kM && iei[i] == iei[j]) return false;
    }
  }
  return halves % 2 == 0;
}

}  // namespace detail

template <class Table>
consteval bool table_is_valid(const Table& t) {
  return detail::table_is_valid(t, std::make_index_sequence<std::tuple_size_v<Table>>{});
}

// ---------------------------------------------------------------------------------------------
// Encoding.
namespace detail {

struct EncodeState {
  std::string_view message;
  std::optional<std::uint8_t> pending_low_nibble;  // first half of a shared octet
};

inline std::unexpected<Error> encode_error(const EncodeState& st, std::string_view ie, const std::string& what) {
  return fail(Code::kInvalidArgument, std::string(st.message) + ": " + std::string(ie) + ": " + what);
}

inline void put_half(EncodeState& st, ByteWriter& w, std::uint8_t nibble) {
  nibble &= 0x0f;
  if (st.pending_low_nibble) {
    w.u8(static_cast<std::uint8_t>((nibble << 4) | *st.pending_low_nibble));
    st.pending_low_nibble.reset();
  } else {
    st.pending_low_nibble = nibble;
  }
}

template <class Msg>
Status encode_row(const SpareHalfRow&, const Msg&, ByteWriter& w, EncodeState& st) {
  put_half(st, w, 0);
  return {};
}

template <Format F, class Msg, class Field>
Status encode_row(const IeRow<F, Msg, Field>& row, const Msg& msg, ByteWriter& w, EncodeState& st) {
  using Row = IeRow<F, Msg, Field>;
  using Value = typename Row::Value;
  const Value* value = nullptr;
  if constexpr (Row::kOptionalMember) {
    const auto& opt = msg.*(row.member);
    if (!opt) return {};
    value = &*opt;
  } else {
    value = &(msg.*(row.member));
  }
  if constexpr (F == Format::kHalfV) {
    put_half(st, w, IeCodec<Value>::to_nibble(*value));
    return {};
  } else if constexpr (F == Format::kHalfTV) {
    w.u8(static_cast<std::uint8_t>(row.iei | (IeCodec<Value>::to_nibble(*value) & 0x0f)));
    return {};
  } else {
    ByteWriter body;
    auto ok = IeCodec<Value>::encode(*value, body);
    if (!ok) return encode_error(st, row.name, ok.error().message());
    const std::size_t size = body.size();
    const std::uint32_t lo = min_value(F, row.min_length), hi = max_value(F, row.max_length);
    if (size < lo || size > hi) {
      return encode_error(st, row.name, "value of " + std::to_string(size) + " octet(s) outside " +
                                            std::to_string(lo) + ".." + std::to_string(hi));
    }
    if constexpr (has_iei(F)) w.u8(row.iei);
    if constexpr (length_size(F) == 1) w.u8(static_cast<std::uint8_t>(size));
    if constexpr (length_size(F) == 2) w.u16(static_cast<std::uint16_t>(size));
    w.bytes(body.view());
    return {};
  }
}

}  // namespace detail

// Appends the IEs of `msg` to `w` in table order. Fails with kInvalidArgument (naming the IE)
// when a value's encoding falls outside its row's length range; `w` is then partly written.
template <class Msg, class Table>
Status encode_ies(const Msg& msg, const Table& table, std::string_view message_name, ByteWriter& w) {
  detail::EncodeState st{message_name, std::nullopt};
  Status status;
  std::apply([&](const auto&... row) {
    ((status = status ? detail::encode_row(row, msg, w, st) : status), ...);
  }, table);
  return status;
}

// ---------------------------------------------------------------------------------------------
// Decoding.
namespace detail {

struct DecodeState {
  ByteReader reader;
  std::size_t base;                       // offset of the reader's first octet in the PDU
  std::string_view message;
  Layout* layout;
  std::optional<std::uint8_t> pending_high_nibble;  // second half of a shared octet
  std::size_t last_optional = 0;          // 1 + index of the last accepted optional row
  bool in_optional_part = false;
};

inline std::unexpected<Error> decode_error(const DecodeState& st, std::string_view ie, const std::string& what) {
  return fail(Code::kMalformed, std::string(st.message) + ": " + std::string(ie) + ": " + what);
}

// A framed IE: where its value lies. Checks the length against the PDU, nothing else.
struct Framed {
  IeSpan span;
  ByteView value;  // the whole value part as announced by the length
};

// Reads the length field (if any) and the value of an IE whose IEI (if any) was consumed.
// `fixed` is the value size for V/TV formats.
inline Result<Framed> frame(DecodeState& st, std::string_view name, Format f, std::size_t ie_offset,
                            std::uint32_t fixed) {
  Framed out;
  out.span.name = name;
  out.span.offset = ie_offset;
  std::size_t size = fixed;
  const std::uint32_t lsize = length_size(f);
  if (lsize != 0) {
    out.span.length_offset = st.base + st.reader.position();
    out.span.length_size = static_cast<std::uint8_t>(lsize);
    if (st.reader.remaining() < lsize) return decode_error(st, name, "length field missing (message truncated)");
    size = lsize == 1 ? *st.reader.u8("length") : *st.reader.u16("length");
  }
  out.span.value_offset = st.base + st.reader.position();
  if (size > st.reader.remaining()) {
    return decode_error(st, name, "length " + std::to_string(size) + " exceeds the " +
                                      std::to_string(st.reader.remaining()) + " octet(s) left in the message");
  }
  auto value = st.reader.take(size, name);
  if (!value) return std::unexpected(value.error());
  out.value = *value;
  out.span.value_size = size;
  return out;
}

// Decodes the value of a framed full-octet IE with the row's bounds. Error text names no IE.
template <class Value>
Result<Value> decode_value(ByteView value, std::uint32_t lo, std::uint32_t hi) {
  if (value.size() < lo) {
    return fail(Code::kMalformed, "value of " + std::to_string(value.size()) + " octet(s), minimum " + std::to_string(lo));
  }
  return IeCodec<Value>::decode(value.first(value.size() < hi ? value.size() : hi));
}

inline void record(DecodeState& st, IeSpan span) {
  if (!st.layout) return;
  span.optional_part = st.in_optional_part;
  st.layout->push_back(span);
}

template <class Msg>
Status decode_mandatory(const SpareHalfRow& row, Msg&, DecodeState& st) {
  if (st.pending_high_nibble) {
    st.pending_high_nibble.reset();
  } else {
    const std::size_t at = st.base + st.reader.position();
    auto octet = st.reader.u8(row.name);
    if (!octet) return decode_error(st, row.name, "missing (message truncated)");
    st.pending_high_nibble = static_cast<std::uint8_t>(*octet >> 4);
    record(st, IeSpan{row.name, at, 0, 0, at, 1, true});
  }
  return {};
}

template <Format F, class Msg, class Field>
Status decode_mandatory(const IeRow<F, Msg, Field>& row, Msg& msg, DecodeState& st) {
  using Value = typename IeRow<F, Msg, Field>::Value;
  if constexpr (F == Format::kHalfV) {
    std::uint8_t nibble = 0;
    if (st.pending_high_nibble) {
      nibble = *st.pending_high_nibble;
      st.pending_high_nibble.reset();
    } else {
      const std::size_t at = st.base + st.reader.position();
      auto octet = st.reader.u8(row.name);
      if (!octet) return decode_error(st, row.name, "missing (message truncated)");
      nibble = static_cast<std::uint8_t>(*octet & 0x0f);
      st.pending_high_nibble = static_cast<std::uint8_t>(*octet >> 4);
      record(st, IeSpan{row.name, at, 0, 0, at, 1, true});
    }
    auto v = IeCodec<Value>::from_nibble(nibble);
    if (!v) return decode_error(st, row.name, v.error().message());
    msg.*(row.member) = std::move(*v);
    return {};
  } else {
    const std::size_t at = st.base + st.reader.position();
    const std::uint32_t lo = min_value(F, row.min_length), hi = max_value(F, row.max_length);
    if (length_size(F) == 0 && st.reader.remaining() < lo) {
      return decode_error(st, row.name, "missing (message truncated)");
    }
    auto framed = frame(st, row.name, F, at, lo);
    if (!framed) return std::unexpected(framed.error());
    record(st, framed->span);
    auto v = decode_value<Value>(framed->value, lo, hi);
    if (!v) return decode_error(st, row.name, v.error().message());
    msg.*(row.member) = std::move(*v);
    return {};
  }
}

// Whether an optional row matches the IEI octet just read.
template <class Row>
constexpr bool matches(const Row& row, std::uint8_t iei) {
  if constexpr (Row::kFormat == Format::kHalfTV) return (iei & 0xf0) == row.iei;
  else return iei == row.iei;
}

// Decodes the optional IE at row `index` whose IEI octet (at `at`) was just consumed.
template <Format F, class Msg, class Field>
Status decode_optional(const IeRow<F, Msg, Field>& row, std::size_t index, std::uint8_t iei_octet,
                       std::size_t at, Msg& msg, DecodeState& st) {
  using Value = typename IeRow<F, Msg, Field>::Value;
  const bool in_sequence = index + 1 > st.last_optional;  // TS 24.301 §7.6.2, §7.6.3
  if constexpr (F == Format::kHalfTV) {
    IeSpan span{row.name, at, 0, 0, at, 1, false};
    if (in_sequence) {
      auto v = IeCodec<Value>::from_nibble(static_cast<std::uint8_t>(iei_octet & 0x0f));
      if (v) {  // otherwise: syntactically incorrect optional IE, treated as absent (§7.7.1)
        msg.*(row.member) = std::move(*v);
        st.last_optional = index + 1;
        span.accepted = true;
      }
    }
    record(st, span);
    return {};
  } else {
    const std::uint32_t lo = min_value(F, row.min_length), hi = max_value(F, row.max_length);
    if (length_size(F) == 0 && st.reader.remaining() < lo) {
      return decode_error(st, row.name, "truncated (" + std::to_string(st.reader.remaining()) +
                                            " of " + std::to_string(lo) + " value octets)");
    }
    auto framed = frame(st, row.name, F, at, lo);
    if (!framed) return std::unexpected(framed.error());
    framed->span.accepted = false;
    if (in_sequence) {
      auto v = decode_value<Value>(framed->value, lo, hi);
      if (v) {  // otherwise treated as absent (TS 24.301 §7.7.1)
        msg.*(row.member) = std::move(*v);
        st.last_optional = index + 1;
        framed->span.accepted = true;
      }
    }
    record(st, framed->span);
    return {};
  }
}

// Skips an IE whose IEI this message does not know (TS 24.007 §11.2.4, TS 24.301 §7.6.1).
inline Status skip_unknown(std::uint8_t iei, std::size_t at, DecodeState& st) {
  if ((iei & 0x80) != 0) {  // type 1 (TV half octet) or type 2 (T): the IEI octet is the IE
    record(st, IeSpan{"unknown IE", at, 0, 0, at, 1, false});
    return {};
  }
  if ((iei & 0xf0) == 0x00) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", iei);
    return decode_error(st, "unknown IE", std::string("IEI ") + hex + " is comprehension required");
  }
  const Format f = (iei & 0xf0) == 0x70 ? Format::kTLVE : Format::kTLV;
  auto framed = frame(st, "unknown IE", f, at, 0);
  if (!framed) return std::unexpected(framed.error());
  framed->span.accepted = false;
  record(st, framed->span);
  return {};
}

template <class Row>
constexpr bool kOptionalRow = [] {
  if constexpr (requires { Row::kOptionalMember; }) return Row::kOptionalMember;
  else return false;
}();

template <class Row, class Msg>
Status decode_if_mandatory(const Row& row, Msg& msg, DecodeState& st) {
  if constexpr (kOptionalRow<Row>) return {};
  else return decode_mandatory(row, msg, st);
}

// Returns whether `row` claimed the IEI; `status` receives the outcome when it did.
template <class Row, class Msg>
bool decode_if_optional(const Row& row, std::size_t index, std::uint8_t iei, std::size_t at, Msg& msg,
                        DecodeState& st, Status& status) {
  if constexpr (kOptionalRow<Row>) {
    if (!matches(row, iei)) return false;
    status = decode_optional(row, index, iei, at, msg, st);
    return true;
  } else {
    return false;
  }
}

template <class Msg, class Table, std::size_t... I>
Status decode_ies(Msg& msg, const Table& table, DecodeState& st, std::index_sequence<I...>) {
  Status status;
  // Mandatory part, in order.
  ((status = status ? decode_if_mandatory(std::get<I>(table), msg, st) : status), ...);
  if (!status) return status;
  // Non-imperative part: any optional IEs, each once, in table order.
  st.in_optional_part = true;
  while (!st.reader.empty()) {
    const std::size_t at = st.base + st.reader.position();
    const std::uint8_t iei = *st.reader.u8("IEI");
    bool matched = false;
    ((matched = matched || decode_if_optional(std::get<I>(table), I, iei, at, msg, st, status)), ...);
    if (!matched) status = skip_unknown(iei, at, st);
    if (!status) return status;
  }
  return {};
}

}  // namespace detail

// Decodes the IEs of one message from `body` (the octets after the message type) into `msg`,
// whose optional members must be empty. `base` is body's offset in the PDU (for `layout`).
// On failure `msg` may be partly filled; the caller discards it.
template <class Msg, class Table>
Status decode_ies(ByteView body, std::size_t base, const Table& table, std::string_view message_name,
                  Msg& msg, Layout* layout) {
  detail::DecodeState st{ByteReader(body), base, message_name, layout, std::nullopt, 0};
  return detail::decode_ies(msg, table, st, std::make_index_sequence<std::tuple_size_v<Table>>{});
}

// ---------------------------------------------------------------------------------------------
// Log printer: "name=value, name=value" over the present IEs, in table order.
namespace detail {

inline void describe_row(const SpareHalfRow&, const auto&, std::string&) {}

template <Format F, class Msg, class Field>
void describe_row(const IeRow<F, Msg, Field>& row, const Msg& msg, std::string& out) {
  using Row = IeRow<F, Msg, Field>;
  using Value = typename Row::Value;
  const Value* value = nullptr;
  if constexpr (Row::kOptionalMember) {
    const auto& opt = msg.*(row.member);
    if (!opt) return;
    value = &*opt;
  } else {
    value = &(msg.*(row.member));
  }
  if (!out.empty()) out += ", ";
  out += row.name;
  out += '=';
  out += IeCodec<Value>::describe(*value);
}

}  // namespace detail

template <class Msg, class Table>
std::string describe_ies(const Msg& msg, const Table& table) {
  std::string out;
  std::apply([&](const auto&... row) { (detail::describe_row(row, msg, out), ...); }, table);
  return out;
}

}  // namespace kmebind::nas
