// Internal to src/diameter: building and reading AVPs of freeDiameter messages, the pieces every
// message codec uses. Appenders add at the end of a message or grouped AVP; readers index the
// direct children of one parent and check counts, lengths and values, reporting a DecodeError
// that names the AVP by its path ("E-UTRAN-Vector/RAND").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "diameter/dictionary.h"
#include "diameter/s6a_codec.h"

namespace kmebind::diameter::detail {

// `parent` is a struct msg* or a grouped struct avp* (freeDiameter's msg_or_avp).
Status add_u32(void* parent, const AvpDef& def, std::uint32_t value);
Status add_i32(void* parent, const AvpDef& def, std::int32_t value);
Status add_octets(void* parent, const AvpDef& def, ByteView value);
Status add_string(void* parent, const AvpDef& def, std::string_view value);
// Appends an empty grouped AVP and returns it, for its children to be appended to.
Result<struct avp*> add_group(void* parent, const AvpDef& def);
// Result-Code, or Experimental-Result {Vendor-Id, Experimental-Result-Code} (RFC 6733 §7.6).
Status add_result(void* parent, const S6aDictionary& d, s6a::ResultCode result);

// Auth-Session-State NO_STATE_MAINTAINED, the first AVP every S6a request and answer body has.
Status add_auth_session_state(void* parent, const S6aDictionary& d);
// The start of an answer: the result, then (unless it is a 3xxx protocol error, which sets the E
// bit and ends the answer, RFC 6733 §7.2) Auth-Session-State. Returns whether a body follows.
Result<bool> add_answer_head(struct msg* answer, const S6aDictionary& d, s6a::ResultCode result);

// True when the message has the E bit (RFC 6733 §3).
bool has_error_bit(struct msg* message);
void set_error_bit(struct msg* message);

// The direct children of one message or grouped AVP, indexed by (vendor, code).
// REQUIRES: the parent outlives the reader and every AVP it returns.
class AvpReader {
 public:
  // `path` prefixes AVP names in error messages ("" at message level, "Terminal-Information/"
  // inside that group).
  AvpReader(void* parent, std::string path);

  // Exactly one → it; none → MISSING_AVP; several → AVP_OCCURS_TOO_MANY_TIMES.
  Decoded<struct avp*> one(const AvpDef& def) const;
  // At most one → it or nullptr; several → AVP_OCCURS_TOO_MANY_TIMES.
  Decoded<struct avp*> optional(const AvpDef& def) const;
  // Every occurrence, in order.
  std::vector<struct avp*> all(const AvpDef& def) const;

  Decoded<std::uint32_t> u32(const AvpDef& def) const;
  Decoded<std::optional<std::uint32_t>> optional_u32(const AvpDef& def) const;
  Decoded<std::int32_t> i32(const AvpDef& def) const;
  Decoded<std::optional<std::int32_t>> optional_i32(const AvpDef& def) const;
  // Octets with min <= size <= max, else INVALID_AVP_VALUE. The view lives as long as the AVP.
  Decoded<ByteView> octets(const AvpDef& def, std::size_t min, std::size_t max) const;
  Decoded<std::optional<ByteView>> optional_octets(const AvpDef& def, std::size_t min,
                                                   std::size_t max) const;
  // A child reader for the grouped AVP `group` (one of ours).
  AvpReader group(struct avp* group, const AvpDef& def) const;

  std::string name(const AvpDef& def) const { return path_ + def.name; }
  DecodeError missing(const AvpDef& def) const;
  DecodeError invalid(const AvpDef& def, struct avp* at, std::string_view why) const;

 private:
  struct Child {
    std::uint32_t vendor;
    std::uint32_t code;
    struct avp* avp;
  };
  std::vector<Child> children_;
  std::string path_;
};

// Value readers for one AVP (already found). INVALID_AVP_VALUE when the AVP carries no value.
Decoded<std::uint32_t> read_u32(const AvpReader& r, const AvpDef& def, struct avp* a);
Decoded<std::int32_t> read_i32(const AvpReader& r, const AvpDef& def, struct avp* a);
Decoded<ByteView> read_octets(const AvpReader& r, const AvpDef& def, struct avp* a,
                              std::size_t min, std::size_t max);

// Decimal digits only, min..max of them (IMSI, IMEI, Software-Version).
bool all_digits(ByteView text, std::size_t min, std::size_t max);
inline std::string to_string(ByteView v) { return std::string(v.begin(), v.end()); }

// The Result-Code or Experimental-Result of an answer; MISSING_AVP naming Result-Code if neither.
Decoded<s6a::ResultCode> read_result(const AvpReader& r, const S6aDictionary& d);
// Requests must carry Auth-Session-State (TS 29.272 §7.2.3, §7.2.5); MISSING_AVP otherwise.
Decoded<void> require_auth_session_state(const AvpReader& r, const S6aDictionary& d);

}  // namespace kmebind::diameter::detail
