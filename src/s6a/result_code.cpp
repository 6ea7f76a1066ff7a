#include "s6a/result_code.h"

namespace kmebind::s6a {

std::string_view describe(ResultCode rc) {
  if (rc == kSuccess) return "DIAMETER_SUCCESS";
  if (rc == kUnableToComply) return "DIAMETER_UNABLE_TO_COMPLY";
  if (rc == kMissingAvp) return "DIAMETER_MISSING_AVP";
  if (rc == kInvalidAvpValue) return "DIAMETER_INVALID_AVP_VALUE";
  if (rc == kTooBusy) return "DIAMETER_TOO_BUSY";
  if (rc == kErrorUserUnknown) return "DIAMETER_ERROR_USER_UNKNOWN";
  if (rc == kErrorRoamingNotAllowed) return "DIAMETER_ERROR_ROAMING_NOT_ALLOWED";
  if (rc == kErrorUnknownEpsSubscription) return "DIAMETER_ERROR_UNKNOWN_EPS_SUBSCRIPTION";
  if (rc == kErrorRatNotAllowed) return "DIAMETER_ERROR_RAT_NOT_ALLOWED";
  if (rc == kErrorEquipmentUnknown) return "DIAMETER_ERROR_EQUIPMENT_UNKNOWN";
  if (rc == kAuthenticationDataUnavailable) return "DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE";
  if (rc == kErrorBindingViolation) return "KME_ERROR_BINDING_VIOLATION";
  if (rc == kErrorNoDeviceKey) return "KME_ERROR_NO_DEVICE_KEY";
  if (rc == kErrorKmeConfirmFailed) return "KME_ERROR_CONFIRM_FAILED";
  if (rc == kErrorCookieExpired) return "KME_ERROR_COOKIE_EXPIRED";
  if (rc == kErrorProcedureNotAllowed) return "KME_ERROR_PROCEDURE_NOT_ALLOWED";
  if (rc == kErrorKmeVersionConflict) return "KME_ERROR_VERSION_CONFLICT";
  if (rc == kErrorKmeProofMissing) return "KME_ERROR_PROOF_MISSING";
  if (rc == kErrorDeviceProofFailed) return "KME_ERROR_DEVICE_PROOF_FAILED";
  return "unrecognised result";
}

}  // namespace kmebind::s6a
