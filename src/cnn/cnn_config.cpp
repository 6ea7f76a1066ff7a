#include "cnn/cnn_config.h"

#include <algorithm>

#include "cnn/ipv4_pool.h"
#include "crypto/kdf.h"
#include "nas/ie_esm.h"

namespace kmebind::cnn {
namespace {

Status bad(const std::string& field, const std::string& why) {
  return fail(Code::kInvalidArgument, "CNN configuration: " + field + ": " + why);
}

}  // namespace

Status CnnConfig::validate() const {
  if (auto sn = crypto::plmn_to_sn_id(plmn); !sn) return bad("plmn", sn.error().message());
  if (tacs.empty() || tacs.size() > 16) return bad("tacs", "need 1 to 16 tracking area codes");
  for (std::size_t i = 0; i < tacs.size(); ++i) {
    if (std::count(tacs.begin(), tacs.end(), tacs[i]) > 1) {
      return bad("tacs", "TAC " + std::to_string(tacs[i]) + " listed twice");
    }
  }
  if (ciphering_preference.empty()) return bad("ciphering_preference", "empty");
  if (integrity_preference.empty()) return bad("integrity_preference", "empty");
  for (auto a : ciphering_preference) {
    if (a != nas::CipheringAlgorithm::kEea0 && a != nas::CipheringAlgorithm::kEea2) {
      return bad("ciphering_preference", nas::to_string(a) + " is not implemented (EEA0, EEA2)");
    }
    if (a == nas::CipheringAlgorithm::kEea0 && !allow_null_algorithms) {
      return bad("ciphering_preference", "EEA0 needs allow_null_algorithms");
    }
  }
  for (auto a : integrity_preference) {
    if (a != nas::IntegrityAlgorithm::kEia0 && a != nas::IntegrityAlgorithm::kEia2) {
      return bad("integrity_preference", nas::to_string(a) + " is not implemented (EIA0, EIA2)");
    }
    if (a == nas::IntegrityAlgorithm::kEia0 && !allow_null_algorithms) {
      return bad("integrity_preference", "EIA0 needs allow_null_algorithms");
    }
  }
  const std::pair<const char*, std::int64_t> timers[] = {
      {"t3450_ms", t3450_ms},       {"t3460_ms", t3460_ms},
      {"t3470_ms", t3470_ms},       {"kme_guard_ms", kme_guard_ms},
      {"s6a_answer_timeout_ms", s6a_answer_timeout_ms},
  };
  for (const auto& [name, value] : timers) {
    if (value <= 0) return bad(name, "must be > 0");
  }
  if (max_retransmissions > 10) return bad("max_retransmissions", "at most 10");
  if (supported_kme_procedures == 0 || (supported_kme_procedures & ~0x03) != 0) {
    return bad("supported_kme_procedures", "bit 0 (procedure 1) and/or bit 1 (procedure 2)");
  }
  ByteWriter w;
  if (apn.empty() || apn.size() > 100 || !nas::AccessPointName{apn}.encode(w)) {
    return bad("apn", "\"" + apn + "\" is not an encodable APN");
  }
  if (auto pool = Ipv4Pool::parse(ipv4_pool); !pool) return bad("ipv4_pool", pool.error().message());
  if (default_qci == 0) return bad("default_qci", "must be 1..255");
  if (max_ues == 0) return bad("max_ues", "must be > 0");
  if (max_attaching == 0) return bad("max_attaching", "must be > 0");
  return {};
}

}  // namespace kmebind::cnn
