// Internal to src/hss: which KME procedure of TR 33.868 §5.4.4.2.3.3 the HSS lets a CNN run
// (DESIGN.md §4 hardening). Procedure 1 puts the KME on the S6a link, so it needs the global
// switch AND a confidential link AND the subscriber's permission; procedure 2 needs only the
// subscriber's permission. The same rule is applied at the KME-Request and at the ULR.
#pragma once

#include <cstdint>
#include <optional>

#include "hss/hss_config.h"
#include "s6a/messages.h"
#include "store/subscriber_store.h"

namespace kmebind::hss {

// KmeRequest::supported_procedures bits.
inline constexpr std::uint8_t kSupportsProcedure1 = 0x01;
inline constexpr std::uint8_t kSupportsProcedure2 = 0x02;

bool procedure_permitted(s6a::KmeProcedure procedure, const store::SubscriberRecord& sub,
                         const HssConfig& config, const LinkInfo& link);

// Procedure 2 if permitted and in `cnn_supported`, else procedure 1 likewise, else nullopt.
std::optional<s6a::KmeProcedure> choose_procedure(const store::SubscriberRecord& sub,
                                                  const HssConfig& config, const LinkInfo& link,
                                                  std::uint8_t cnn_supported);

}  // namespace kmebind::hss
