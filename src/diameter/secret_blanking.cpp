#include "diameter/secret_blanking.h"

#include <algorithm>

#include "diameter/dictionary.h"

namespace kmebind::diameter {
namespace {

constexpr std::uint32_t kVendor3gpp = 10415;
constexpr std::uint32_t kVendorKmebind = 32473;
constexpr std::uint8_t kFlagVendor = 0x80;  // RFC 6733 §4.1 'V' bit
// Grouped AVPs cannot be told apart from the octets alone; nesting is bounded anyway.
constexpr int kMaxDepth = 8;

std::uint32_t get24(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | std::uint32_t{p[2]};
}
std::uint32_t get32(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 24) | get24(p + 1); }

bool is_secret(std::uint32_t code, std::uint32_t vendor) {
  return (vendor == kVendor3gpp && code == avp_code::kKasme) ||
         (vendor == kVendorKmebind && code == avp_code::kKme);
}

// Grouped AVPs whose members may hold a secret: TS 29.272 §7.3.17 Authentication-Info,
// §7.3.18 E-UTRAN-Vector; kmebind KME-Provisioning, KME-Confirm and KME-Prefetch (the AIA's
// KME-Provisioning, docs/diameter.md §3).
bool is_container(std::uint32_t code, std::uint32_t vendor) {
  return (vendor == kVendor3gpp &&
          (code == avp_code::kAuthenticationInfo || code == avp_code::kEutranVector)) ||
         (vendor == kVendorKmebind &&
          (code == avp_code::kKmeProvisioning || code == avp_code::kKmeConfirm ||
           code == avp_code::kKmePrefetch));
}

// RFC 6733 §4.1: AVP Code (4), flags (1), AVP Length (3, header included, padding excluded),
// Vendor-ID (4) if 'V', data, padding to a multiple of 4.
std::size_t blank_avps(std::span<std::uint8_t> avps, int depth) {
  std::size_t blanked = 0;
  std::size_t at = 0;
  while (avps.size() - at >= 8) {
    const std::uint8_t* h = avps.data() + at;
    const std::uint32_t code = get32(h);
    const bool vendor_bit = (h[4] & kFlagVendor) != 0;
    const std::uint32_t length = get24(h + 5);
    const std::size_t header = vendor_bit ? 12 : 8;
    if (length < header || length > avps.size() - at) return blanked;  // malformed: stop
    const std::uint32_t vendor = vendor_bit ? get32(h + 8) : 0;
    std::span<std::uint8_t> data = avps.subspan(at + header, length - header);
    if (is_secret(code, vendor)) {
      std::fill(data.begin(), data.end(), std::uint8_t{0});
      ++blanked;
    } else if (depth < kMaxDepth && is_container(code, vendor)) {
      blanked += blank_avps(data, depth + 1);
    }
    const std::size_t padded = (std::size_t{length} + 3) & ~std::size_t{3};
    if (padded >= avps.size() - at) return blanked;  // last AVP (its padding may be absent)
    at += padded;
  }
  return blanked;
}

}  // namespace

std::size_t blank_secret_avps(std::span<std::uint8_t> message) {
  if (message.size() < kDiameterHeaderLength) return 0;
  // RFC 6733 §3: Message Length (octets 1-3) covers the header; never walk past either bound.
  const std::size_t length = std::min<std::size_t>(get24(message.data() + 1), message.size());
  if (length < kDiameterHeaderLength) return 0;
  return blank_avps(message.subspan(kDiameterHeaderLength, length - kDiameterHeaderLength), 0);
}

}  // namespace kmebind::diameter
