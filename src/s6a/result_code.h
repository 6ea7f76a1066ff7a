// Diameter result codes the S6a interface and its KME extension use.
// Base protocol codes: RFC 6733 §7.1. S6a experimental results (vendor 10415): TS 29.272 §7.4.3-7.4.4.
// KME extension experimental results (vendor 32473): kmebind's own, specified in docs/protocol.md.
#pragma once

#include <cstdint>
#include <string_view>

namespace kmebind::s6a {

inline constexpr std::uint32_t kVendor3gpp = 10415;    // 3GPP
inline constexpr std::uint32_t kVendorKmebind = 32473;  // IANA example enterprise number (RFC 5612)

// A Result-Code (vendor 0) or an Experimental-Result (vendor + code), as carried in an answer.
struct ResultCode {
  std::uint32_t vendor_id = 0;  // 0: Result-Code AVP; otherwise Experimental-Result
  std::uint32_t code = 2001;

  bool ok() const { return vendor_id == 0 && code >= 2000 && code < 3000; }
  friend bool operator==(const ResultCode&, const ResultCode&) = default;
};

// RFC 6733 §7.1
inline constexpr ResultCode kSuccess{0, 2001};
inline constexpr ResultCode kUnableToComply{0, 5012};
inline constexpr ResultCode kMissingAvp{0, 5005};
inline constexpr ResultCode kInvalidAvpValue{0, 5004};
inline constexpr ResultCode kTooBusy{0, 3004};
// TS 29.272 §7.4.3 (permanent failures) and §7.4.4 (transient failures)
inline constexpr ResultCode kErrorUserUnknown{kVendor3gpp, 5001};
inline constexpr ResultCode kErrorRoamingNotAllowed{kVendor3gpp, 5004};
inline constexpr ResultCode kErrorUnknownEpsSubscription{kVendor3gpp, 5420};
inline constexpr ResultCode kErrorRatNotAllowed{kVendor3gpp, 5421};
inline constexpr ResultCode kErrorEquipmentUnknown{kVendor3gpp, 5422};
inline constexpr ResultCode kAuthenticationDataUnavailable{kVendor3gpp, 4181};
// kmebind KME extension (vendor 32473), docs/protocol.md
inline constexpr ResultCode kErrorBindingViolation{kVendorKmebind, 5901};  // IMSI/IMEI pair not allowed
inline constexpr ResultCode kErrorNoDeviceKey{kVendorKmebind, 5902};       // no public key for the IMEI
inline constexpr ResultCode kErrorKmeConfirmFailed{kVendorKmebind, 5903};  // Cookie or signature refused
inline constexpr ResultCode kErrorCookieExpired{kVendorKmebind, 5904};
inline constexpr ResultCode kErrorProcedureNotAllowed{kVendorKmebind, 5905};
inline constexpr ResultCode kErrorKmeVersionConflict{kVendorKmebind, 5906};  // stale or replayed confirm
// A KME-required pair's ULR without the proof the HSS checks itself (docs/security.md §3.21)
inline constexpr ResultCode kErrorKmeProofMissing{kVendorKmebind, 5907};
inline constexpr ResultCode kErrorDeviceProofFailed{kVendorKmebind, 5908};  // token or Rsp refused

std::string_view describe(ResultCode rc);

}  // namespace kmebind::s6a
