// Codec between the typed S6a values of src/s6a/messages.h and freeDiameter messages: the
// AVPs of AIR/AIA (TS 29.272 §7.2.5-7.2.6), ULR/ULA (§7.2.3-7.2.4) and kmebind's KME-Request/
// Answer (docs/diameter.md §2). The client appends requests and decodes answers; the server
// decodes requests and appends answers. The transport owns the envelope: Session-Id,
// Origin-Host/Realm and Destination-Realm are not the codec's.
//
// Decoding never trusts its input: a missing mandatory AVP, an AVP of the wrong length or value,
// or a repeated single AVP is a DecodeError naming the AVP (never echoing its value), with the
// Result-Code a server answers with. Secrets (KASME, KME) come out as SecretBytes.
// Thread safety: all functions are reentrant; a message must not be used by two threads at once.
#pragma once

#include <expected>
#include <string>

#include "common/error.h"
#include "diameter/dictionary.h"
#include "s6a/messages.h"

struct msg;
struct avp;

namespace kmebind::diameter {

// RFC 6733 §7.1.5, used by the decoders in addition to those of s6a/result_code.h.
inline constexpr s6a::ResultCode kAvpOccursTooManyTimes{0, 5009};

struct DecodeError {
  s6a::ResultCode result;  // kMissingAvp, kInvalidAvpValue or kAvpOccursTooManyTimes
  std::string message;     // names the AVP (path inside groups) and the problem, never the value
  // The offending AVP inside the decoded message (invalid or repeated), for a Failed-AVP; null
  // when the AVP is missing. Valid as long as the message.
  struct avp* failed_avp = nullptr;
  dict_object* missing_model = nullptr;  // model of the missing AVP, null otherwise

  Error to_error() const { return Error(Code::kMalformed, message); }
};

template <class T>
using Decoded = std::expected<T, DecodeError>;

// Requests. `request` must be a request message of the matching command (S6aDictionary::air,
// ::ulr, ::kmr). Appends Auth-Session-State (NO_STATE_MAINTAINED) and the body AVPs.
// Fails with kInvalidArgument for a value that cannot be encoded (Re-Synchronization-Info not
// 16 + 14 octets, an MSISDN with a non-digit, ...) and kInternal if freeDiameter refuses an AVP;
// the message may then hold part of the AVPs and should be freed.
Status append_request(const S6aDictionary& d, const s6a::AuthenticationInformationRequest& air,
                      struct msg* request);
Status append_request(const S6aDictionary& d, const s6a::UpdateLocationRequest& ulr,
                      struct msg* request);
Status append_request(const S6aDictionary& d, const s6a::KmeRequest& kmr, struct msg* request);

// Answers. `answer` must be an answer message of the matching command (normally from
// fd_msg_new_answer_from_req). Appends the result first: Result-Code (vendor 0) or
// Experimental-Result {Vendor-Id, Experimental-Result-Code}. A protocol error (vendor 0, 3xxx)
// sets the E bit and appends nothing else (RFC 6733 §7.2); any other result appends
// Auth-Session-State and the body. Same failures as append_request.
Status append_answer(const S6aDictionary& d, const s6a::AuthenticationInformationAnswer& aia,
                     struct msg* answer);
Status append_answer(const S6aDictionary& d, const s6a::UpdateLocationAnswer& ula,
                     struct msg* answer);
Status append_answer(const S6aDictionary& d, const s6a::KmeAnswer& kma, struct msg* answer);

// Request decoders (server side). `request` must have been resolved against the dictionary
// (fd_msg_parse_dict; freeDiameter does this for received messages).
Decoded<s6a::AuthenticationInformationRequest> decode_air(const S6aDictionary& d,
                                                          struct msg* request);
Decoded<s6a::UpdateLocationRequest> decode_ulr(const S6aDictionary& d, struct msg* request);
Decoded<s6a::KmeRequest> decode_kmr(const S6aDictionary& d, struct msg* request);

// Answer decoders (client side). An answer with the E bit yields only its result. An answer
// without Result-Code or Experimental-Result is a DecodeError.
Decoded<s6a::AuthenticationInformationAnswer> decode_aia(const S6aDictionary& d,
                                                         struct msg* answer);
Decoded<s6a::UpdateLocationAnswer> decode_ula(const S6aDictionary& d, struct msg* answer);
Decoded<s6a::KmeAnswer> decode_kma(const S6aDictionary& d, struct msg* answer);

// Zeroes in place the value octets of every KASME and KME AVP in `message` (at any depth):
// freeDiameter frees messages without wiping them. Call before freeing a message we own.
void wipe_secret_avps(const S6aDictionary& d, struct msg* message);

// MSISDN AVP coding (TS 29.329 §6.3.2: E.164 digits as a TBCD string, TS 29.002): digits are
// nibbles, low nibble first, 0xF filler after an odd count. encode fails with kInvalidArgument
// for an empty string, a non-digit or more than 15 digits; decode with kMalformed for a filler
// anywhere but the last nibble, a nibble above 9, or an empty value.
Result<Bytes> encode_tbcd_msisdn(std::string_view digits);
Result<std::string> decode_tbcd_msisdn(ByteView tbcd);

}  // namespace kmebind::diameter
