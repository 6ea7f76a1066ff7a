// Text a Diameter peer chose (an identity, an Origin-Host, a connection name) made safe for one
// log line: at most 255 characters, every octet outside printable ASCII shown as '?', so that a
// peer cannot break a line, forge another or send terminal control sequences.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace kmebind::diameter::detail {

inline std::string printable(std::string_view text) {
  constexpr std::size_t kMaxShown = 255;
  std::string out;
  const std::size_t n = text.size() < kMaxShown ? text.size() : kMaxShown;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[i];
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

// A C string or a (pointer, length) pair from freeDiameter; "?" for a null pointer.
inline std::string printable(const char* text, std::size_t size) {
  return text == nullptr ? std::string("?") : printable(std::string_view(text, size));
}
inline std::string printable(const char* text) {
  return text == nullptr ? std::string("?") : printable(std::string_view(text, std::strlen(text)));
}

}  // namespace kmebind::diameter::detail
