// Internal to src/diameter: the answer the server sends by itself to a request that does not
// decode (RFC 6733 §7.1.5, §7.5): Result-Code, Error-Message naming the AVP, Failed-AVP with the
// offending AVP or, for a missing one, an example of it (zero-length / zero value).
#pragma once

#include "diameter/s6a_codec.h"

struct msg;

namespace kmebind::diameter::detail {

// "DIAMETER_MISSING_AVP" etc.: the Result-Code names freeDiameter's fd_msg_rescode_set knows.
const char* result_name(s6a::ResultCode rc);

// Replaces the request in *message by its error answer (Origin-Host/Realm added). Returns 0, or
// the errno of the freeDiameter call that failed. `error` must come from decoding *message.
int answer_decode_error(const S6aDictionary& d, struct msg** message, const DecodeError& error);

}  // namespace kmebind::diameter::detail
