// Settings of one simulated UE's EMM core (ue.h). Plain values; the sim's YAML loader fills them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "nas/ie_esm.h"

namespace kmebind::ue {

struct UeConfig {
  // Serving PLMN "MCC-MNC" ("001-01"): the serving network identity of KASME (TS 33.401 A.2).
  std::string plmn = "001-01";
  // Identify with the GUTI of the last Attach accept, when one is known (TS 24.301 §5.5.1.2.2);
  // otherwise, and always when false, with the IMSI.
  bool use_guti = false;
  // Advertise EIA0 (null integrity) and accept it in Security mode command. TS 33.401 §5.1.4.1
  // allows it for emergency calls only: test networks only.
  bool support_eia0 = false;
  // APN in the PDN connectivity request (TS 24.301 §8.3.20.3); none lets the network choose.
  std::optional<std::string> apn;
  nas::PdnType pdn_type = nas::PdnType::kIpv4;

  // TS 24.301 §10.2 Table 10.2.1: T3410 (attach guard) 15 s, T3411 (retry) 10 s, T3402 12 min;
  // §5.5.1.2.6: 5 attempts before T3402.
  std::int64_t t3410_ms = 15'000;
  std::int64_t t3411_ms = 10'000;
  std::int64_t t3402_ms = 720'000;
  std::uint32_t max_attach_attempts = 5;

  // kInvalidArgument naming the first bad field: PLMN not MCC-MNC, APN not encodable, a timer
  // not positive, max_attach_attempts 0.
  Status validate() const;
};

}  // namespace kmebind::ue
