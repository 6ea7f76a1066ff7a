// Internal to src/store: the two helpers every engine file (sqlite_*.cpp, pg_*.cpp) uses.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>

#include "common/error.h"

namespace kmebind::store {

// Passes a failed result's error on: `if (!r) return pass(r);`.
template <class T>
std::unexpected<Error> pass(const Result<T>& r) {
  return std::unexpected(r.error());
}

// Wall-clock Unix seconds, as the store records times (stored_at, audit created_at).
inline std::int64_t now_unix_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace kmebind::store
