// redact_location(): store locations as they may appear in messages and logs.
#include <string>

#include "store/subscriber_store.h"

namespace kmebind::store {
namespace {

// Replaces the value of each "password=" query parameter with "***".
void redact_query_passwords(std::string& url, std::size_t query_start) {
  for (std::size_t pos = query_start; pos < url.size();) {
    const std::size_t end = std::min(url.find('&', pos), url.size());
    constexpr std::string_view kKey = "password=";
    if (std::string_view(url).substr(pos, end - pos).starts_with(kKey)) {
      const std::size_t value = pos + kKey.size();
      url.replace(value, end - value, "***");
      pos = value + 3 + 1;
    } else {
      pos = end + 1;
    }
  }
}

}  // namespace

// PostgreSQL connection URIs (libpq §34.1.1):
// postgresql://[user[:password]@][host][:port][,...][/dbname][?param=value&...]
std::string redact_location(std::string_view location) {
  const std::size_t scheme = location.find("://");
  if (scheme == std::string_view::npos) return std::string(location);
  std::string url(location);
  const std::size_t authority = scheme + 3;
  const std::size_t query = std::min(url.find('?', authority), url.size());
  const std::size_t path = std::min(url.find('/', authority), query);
  const std::size_t at = url.rfind('@', path == 0 ? 0 : path - 1);
  if (at != std::string::npos && at >= authority) {
    const std::size_t colon = url.find(':', authority);
    if (colon != std::string::npos && colon < at) url.replace(colon + 1, at - colon - 1, "***");
  }
  const std::size_t q = url.find('?', authority);
  if (q != std::string::npos) redact_query_passwords(url, q + 1);
  return url;
}

}  // namespace kmebind::store
