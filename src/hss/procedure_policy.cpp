#include "hss/procedure_policy.h"

namespace kmebind::hss {

bool procedure_permitted(s6a::KmeProcedure procedure, const store::SubscriberRecord& sub,
                         const HssConfig& config, const LinkInfo& link) {
  switch (procedure) {
    case s6a::KmeProcedure::kSharedWithCnn:
      return sub.procedure1_allowed && config.allow_procedure1 && link.confidential;
    case s6a::KmeProcedure::kHiddenFromCnn:
      return sub.procedure2_allowed;
  }
  return false;
}

std::optional<s6a::KmeProcedure> choose_procedure(const store::SubscriberRecord& sub,
                                                  const HssConfig& config, const LinkInfo& link,
                                                  std::uint8_t cnn_supported) {
  if ((cnn_supported & kSupportsProcedure2) != 0 &&
      procedure_permitted(s6a::KmeProcedure::kHiddenFromCnn, sub, config, link)) {
    return s6a::KmeProcedure::kHiddenFromCnn;
  }
  if ((cnn_supported & kSupportsProcedure1) != 0 &&
      procedure_permitted(s6a::KmeProcedure::kSharedWithCnn, sub, config, link)) {
    return s6a::KmeProcedure::kSharedWithCnn;
  }
  return std::nullopt;
}

}  // namespace kmebind::hss
