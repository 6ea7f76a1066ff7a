// Blanks secret AVP values in an encoded Diameter message before it leaves the process for a
// capture (docs/daemons.md §4): KASME (TS 29.272 §7.3.21, code 1450, vendor 10415) and the
// kmebind KME AVP (docs/diameter.md §3, code 7, vendor 32473), wherever they occur, including
// inside grouped AVPs. Values are zero-filled in place; lengths, headers and padding are kept, so
// the capture still decodes.
//
// The walk is bounded by the buffer: it never reads or writes past `message`. Input that is not a
// well-formed Diameter message (short header, AVP length out of bounds) is left as it is from the
// first malformed AVP on; the result is safe to walk again.
#pragma once

#include <cstdint>
#include <span>

namespace kmebind::diameter {

// RFC 6733 §3: a Diameter header is 20 octets.
inline constexpr std::size_t kDiameterHeaderLength = 20;

// Zero-fills the values of secret AVPs in a whole Diameter message (header included). Returns the
// number of AVP values blanked.
std::size_t blank_secret_avps(std::span<std::uint8_t> message);

}  // namespace kmebind::diameter
