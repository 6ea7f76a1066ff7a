#include "nas/ie_basic.h"

namespace kmebind::nas {

std::string_view to_string(Format f) {
  switch (f) {
    case Format::kV: return "V";
    case Format::kTV: return "TV";
    case Format::kLV: return "LV";
    case Format::kTLV: return "TLV";
    case Format::kLVE: return "LV-E";
    case Format::kTLVE: return "TLV-E";
    case Format::kHalfV: return "V 1/2";
    case Format::kHalfTV: return "TV 1";
  }
  return "?";
}

// TS 24.008 §10.5.7.3
std::optional<std::uint32_t> GprsTimer::seconds() const {
  switch (unit) {
    case Unit::k2Seconds: return 2u * value;
    case Unit::kDecihours: return 360u * value;
    case Unit::kDeactivated: return std::nullopt;
    default: return 60u * value;  // 1 minute, and "other values ... interpreted as multiples of 1 minute"
  }
}

GprsTimer GprsTimer::from_seconds(std::uint32_t s) {
  if (s <= 2u * 31) return {Unit::k2Seconds, static_cast<std::uint8_t>((s + 1) / 2)};
  if (s <= 60u * 31) return {Unit::k1Minute, static_cast<std::uint8_t>((s + 59) / 60)};
  const std::uint32_t dh = (s + 359) / 360;
  return {Unit::kDecihours, static_cast<std::uint8_t>(dh > 31 ? 31 : dh)};
}

Status GprsTimer::encode(ByteWriter& w) const {
  if (value > 31) return fail(Code::kInvalidArgument, "GPRS timer value above 31");
  w.u8(static_cast<std::uint8_t>((static_cast<std::uint8_t>(unit) << 5) | value));
  return {};
}

Result<GprsTimer> GprsTimer::decode(ByteView in) {
  if (in.empty()) return fail(Code::kMalformed, "need 1 octet");
  return GprsTimer{static_cast<Unit>(in[0] >> 5), static_cast<std::uint8_t>(in[0] & 0x1f)};
}

std::string GprsTimer::describe() const {
  auto s = seconds();
  return s ? std::to_string(*s) + " s" : std::string("deactivated");
}

// TS 24.008 §10.5.7.4a
std::optional<std::uint32_t> GprsTimer3::seconds() const {
  static constexpr std::uint32_t kUnitSeconds[] = {600, 3600, 36000, 2, 30, 60, 1152000, 0};
  if (unit >= 7) return std::nullopt;
  return kUnitSeconds[unit] * value;
}

Status GprsTimer3::encode(ByteWriter& w) const {
  if (value > 31 || unit > 7) return fail(Code::kInvalidArgument, "GPRS timer 3 unit/value out of range");
  w.u8(static_cast<std::uint8_t>((unit << 5) | value));
  return {};
}

Result<GprsTimer3> GprsTimer3::decode(ByteView in) {
  if (in.empty()) return fail(Code::kMalformed, "need 1 octet");
  return GprsTimer3{static_cast<std::uint8_t>(in[0] >> 5), static_cast<std::uint8_t>(in[0] & 0x1f)};
}

std::string GprsTimer3::describe() const {
  auto s = seconds();
  return s ? std::to_string(*s) + " s" : std::string("deactivated");
}

}  // namespace kmebind::nas
