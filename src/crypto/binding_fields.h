// Internal to src/crypto: the one-octet-length field encoding used in the associated data of
// Cookies and wrapped KMEs and in the KME transcript.
#pragma once

#include <string_view>

#include "common/bytes.h"

namespace kmebind::crypto::detail {

// Appends len (1 octet) ‖ value. kInvalidArgument naming `what` if value is longer than 255.
Status append_lv(ByteWriter& w, ByteView value, std::string_view what);

// The identity checks shared by Cookie and KME wrapping: 1..255 octets.
Status check_identity(std::string_view value, std::string_view what);

}  // namespace kmebind::crypto::detail
