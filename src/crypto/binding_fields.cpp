#include "crypto/binding_fields.h"

#include <string>

namespace kmebind::crypto::detail {

Status append_lv(ByteWriter& w, ByteView value, std::string_view what) {
  if (value.size() > 0xff) {
    return fail(Code::kInvalidArgument, std::string(what) + " longer than 255 octets");
  }
  w.u8(static_cast<std::uint8_t>(value.size()));
  w.bytes(value);
  return {};
}

Status check_identity(std::string_view value, std::string_view what) {
  if (value.empty() || value.size() > 0xff) {
    return fail(Code::kInvalidArgument, std::string(what) + " must be 1..255 characters, got " +
                                            std::to_string(value.size()));
  }
  return {};
}

}  // namespace kmebind::crypto::detail
