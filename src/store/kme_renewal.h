// Internal to src/store: what both engines write for SubscriberStore::request_kme_renewal — the
// per-pair renewal marks (schema.cpp version 4) and their audit rows.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace kmebind::store {

// A pair whose present KME request_kme_renewal marked.
struct MarkedKme {
  std::string imei;
  std::uint32_t version = 0;
};

// In IMEI order, as the audit rows are written (the UPDATE ... RETURNING order is unspecified).
inline void sort_marked(std::vector<MarkedKme>& marked) {
  std::sort(marked.begin(), marked.end(),
            [](const MarkedKme& a, const MarkedKme& b) { return a.imei < b.imei; });
}

// Audit detail of one marked pair ("kme-renew" row with the pair's IMEI).
inline std::string kme_renewal_detail(std::uint32_t version) {
  return "KME version " + std::to_string(version) +
         " marked for re-provisioning at the pair's next KME-Request";
}

// Audit detail of the one "kme-renew" row written when no pair of the IMSI holds a KME.
inline constexpr std::string_view kKmeRenewalNothingMarked =
    "KME re-provisioning requested; no pair holds a KME (each is provisioned at its next "
    "KME-Request anyway)";

// The audit rows of one request_kme_renewal, through the engine's `write(imei, detail)` (a
// Status): one "kme-renew" row per marked pair in IMEI order, or one without an IMEI when no pair
// holds a KME.
template <class Write>
Status write_kme_renewal_audit(std::vector<MarkedKme>& marked, Write write) {
  if (marked.empty()) return write(std::string_view{}, kKmeRenewalNothingMarked);
  sort_marked(marked);
  for (const MarkedKme& m : marked) {
    if (auto st = write(std::string_view(m.imei), kme_renewal_detail(m.version)); !st) return st;
  }
  return {};
}

}  // namespace kmebind::store
