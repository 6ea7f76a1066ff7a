#include "ue/ue_config.h"

#include "crypto/kdf.h"

namespace kmebind::ue {

Status UeConfig::validate() const {
  if (auto sn = crypto::plmn_to_sn_id(plmn); !sn) return std::unexpected(sn.error().with_context("UE config plmn"));
  if (apn) {
    ByteWriter w;
    if (auto st = nas::AccessPointName{*apn}.encode(w); !st || w.size() > 100) {
      return fail(Code::kInvalidArgument, "UE config apn: not a valid APN (labels of 1-63 octets, at most 100 octets)");
    }
  }
  if (t3410_ms <= 0 || t3411_ms <= 0 || t3402_ms <= 0) {
    return fail(Code::kInvalidArgument, "UE config: timers T3410, T3411 and T3402 must be positive");
  }
  if (max_attach_attempts == 0) return fail(Code::kInvalidArgument, "UE config: max_attach_attempts must be at least 1");
  return {};
}

}  // namespace kmebind::ue
