#include "diameter/avp_io.h"

#include <cstring>

#include "diameter/fd_include.h"

namespace kmebind::diameter::detail {
namespace {

Error fd_refused(const AvpDef& def, std::string_view what, int rc) {
  return Error(Code::kInternal, std::string("freeDiameter refused to ") + std::string(what) +
                                    " AVP " + def.name + ": " + std::strerror(rc));
}

Status add_value(void* parent, const AvpDef& def, avp_value* value) {
  if (def.model == nullptr) {
    return fail(Code::kInternal, std::string("AVP ") + def.name + " is not in the dictionary");
  }
  struct avp* a = nullptr;
  if (int rc = fd_msg_avp_new(def.model, 0, &a); rc != 0) {
    return std::unexpected(fd_refused(def, "create", rc));
  }
  if (value != nullptr) {
    if (int rc = fd_msg_avp_setvalue(a, value); rc != 0) {
      fd_msg_free(a);
      return std::unexpected(fd_refused(def, "set the value of", rc));
    }
  }
  if (int rc = fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, a); rc != 0) {
    fd_msg_free(a);
    return std::unexpected(fd_refused(def, "append", rc));
  }
  return {};
}

avp_hdr* header(struct avp* a) {
  avp_hdr* h = nullptr;
  if (a == nullptr || fd_msg_avp_hdr(a, &h) != 0) return nullptr;
  return h;
}

}  // namespace

Status add_u32(void* parent, const AvpDef& def, std::uint32_t value) {
  avp_value v{};
  v.u32 = value;
  return add_value(parent, def, &v);
}

Status add_i32(void* parent, const AvpDef& def, std::int32_t value) {
  avp_value v{};
  v.i32 = value;
  return add_value(parent, def, &v);
}

Status add_octets(void* parent, const AvpDef& def, ByteView value) {
  avp_value v{};
  // fd_msg_avp_setvalue copies the octets; it never writes through the pointer.
  v.os.data = const_cast<std::uint8_t*>(value.data());
  v.os.len = value.size();
  return add_value(parent, def, &v);
}

Status add_string(void* parent, const AvpDef& def, std::string_view value) {
  return add_octets(parent, def, as_bytes(value));
}

Result<struct avp*> add_group(void* parent, const AvpDef& def) {
  if (auto st = add_value(parent, def, nullptr); !st) return std::unexpected(st.error());
  void* last = nullptr;
  if (fd_msg_browse_internal(parent, MSG_BRW_LAST_CHILD, &last, nullptr) != 0 || !last) {
    return fail(Code::kInternal, std::string("grouped AVP ") + def.name + " vanished");
  }
  return static_cast<struct avp*>(last);
}

Status add_result(void* parent, const S6aDictionary& d, s6a::ResultCode result) {
  if (result.vendor_id == 0) return add_u32(parent, d.result_code, result.code);
  auto group = add_group(parent, d.experimental_result);
  if (!group) return std::unexpected(group.error());
  if (auto st = add_u32(*group, d.vendor_id, result.vendor_id); !st) return st;
  return add_u32(*group, d.experimental_result_code, result.code);
}

Status add_auth_session_state(void* parent, const S6aDictionary& d) {
  return add_i32(parent, d.auth_session_state, kNoStateMaintained);
}

Result<bool> add_answer_head(struct msg* answer, const S6aDictionary& d, s6a::ResultCode result) {
  bool protocol_error = result.vendor_id == 0 && result.code >= 3000 && result.code < 4000;
  if (protocol_error) set_error_bit(answer);
  if (auto st = add_result(answer, d, result); !st) return std::unexpected(st.error());
  if (protocol_error) return false;
  if (auto st = add_auth_session_state(answer, d); !st) return std::unexpected(st.error());
  return true;
}

bool has_error_bit(struct msg* message) {
  msg_hdr* h = nullptr;
  return fd_msg_hdr(message, &h) == 0 && (h->msg_flags & CMD_FLAG_ERROR) != 0;
}

void set_error_bit(struct msg* message) {
  msg_hdr* h = nullptr;
  if (fd_msg_hdr(message, &h) == 0) h->msg_flags |= CMD_FLAG_ERROR;
}

AvpReader::AvpReader(void* parent, std::string path) : path_(std::move(path)) {
  void* child = nullptr;
  if (parent == nullptr || fd_msg_browse_internal(parent, MSG_BRW_FIRST_CHILD, &child, nullptr) != 0) {
    return;
  }
  while (child != nullptr) {
    auto* a = static_cast<struct avp*>(child);
    if (avp_hdr* h = header(a)) {
      std::uint32_t vendor = (h->avp_flags & AVP_FLAG_VENDOR) ? h->avp_vendor : 0;
      children_.push_back({vendor, h->avp_code, a});
    }
    void* next = nullptr;
    if (fd_msg_browse_internal(child, MSG_BRW_NEXT, &next, nullptr) != 0) break;
    child = next;
  }
}

std::vector<struct avp*> AvpReader::all(const AvpDef& def) const {
  std::vector<struct avp*> out;
  for (const Child& c : children_) {
    if (c.code == def.code && c.vendor == def.vendor) out.push_back(c.avp);
  }
  return out;
}

DecodeError AvpReader::missing(const AvpDef& def) const {
  return DecodeError{s6a::kMissingAvp, "missing AVP " + name(def), nullptr, def.model};
}

DecodeError AvpReader::invalid(const AvpDef& def, struct avp* at, std::string_view why) const {
  return DecodeError{s6a::kInvalidAvpValue, "invalid AVP " + name(def) + ": " + std::string(why),
                     at, nullptr};
}

Decoded<struct avp*> AvpReader::optional(const AvpDef& def) const {
  struct avp* found = nullptr;
  for (const Child& c : children_) {
    if (c.code != def.code || c.vendor != def.vendor) continue;
    if (found != nullptr) {
      return std::unexpected(DecodeError{kAvpOccursTooManyTimes,
                                         "AVP " + name(def) + " occurs more than once", c.avp,
                                         nullptr});
    }
    found = c.avp;
  }
  return found;
}

Decoded<struct avp*> AvpReader::one(const AvpDef& def) const {
  auto found = optional(def);
  if (found && *found == nullptr) return std::unexpected(missing(def));
  return found;
}

Decoded<std::uint32_t> read_u32(const AvpReader& r, const AvpDef& def, struct avp* a) {
  avp_hdr* h = header(a);
  if (h == nullptr || h->avp_value == nullptr) return std::unexpected(r.invalid(def, a, "no value"));
  return h->avp_value->u32;
}

Decoded<std::int32_t> read_i32(const AvpReader& r, const AvpDef& def, struct avp* a) {
  avp_hdr* h = header(a);
  if (h == nullptr || h->avp_value == nullptr) return std::unexpected(r.invalid(def, a, "no value"));
  return h->avp_value->i32;
}

Decoded<ByteView> read_octets(const AvpReader& r, const AvpDef& def, struct avp* a,
                              std::size_t min, std::size_t max) {
  avp_hdr* h = header(a);
  if (h == nullptr || h->avp_value == nullptr) return std::unexpected(r.invalid(def, a, "no value"));
  ByteView v(h->avp_value->os.data, h->avp_value->os.len);
  if (v.size() < min || v.size() > max) {
    std::string expected = min == max ? std::to_string(min)
                                      : std::to_string(min) + ".." + std::to_string(max);
    return std::unexpected(r.invalid(
        def, a, std::to_string(v.size()) + " octets, expected " + expected));
  }
  return v;
}

Decoded<std::uint32_t> AvpReader::u32(const AvpDef& def) const {
  auto a = one(def);
  if (!a) return std::unexpected(a.error());
  return read_u32(*this, def, *a);
}

Decoded<std::optional<std::uint32_t>> AvpReader::optional_u32(const AvpDef& def) const {
  auto a = optional(def);
  if (!a) return std::unexpected(a.error());
  if (*a == nullptr) return std::optional<std::uint32_t>{};
  auto v = read_u32(*this, def, *a);
  if (!v) return std::unexpected(v.error());
  return std::optional<std::uint32_t>{*v};
}

Decoded<std::int32_t> AvpReader::i32(const AvpDef& def) const {
  auto a = one(def);
  if (!a) return std::unexpected(a.error());
  return read_i32(*this, def, *a);
}

Decoded<std::optional<std::int32_t>> AvpReader::optional_i32(const AvpDef& def) const {
  auto a = optional(def);
  if (!a) return std::unexpected(a.error());
  if (*a == nullptr) return std::optional<std::int32_t>{};
  auto v = read_i32(*this, def, *a);
  if (!v) return std::unexpected(v.error());
  return std::optional<std::int32_t>{*v};
}

Decoded<ByteView> AvpReader::octets(const AvpDef& def, std::size_t min, std::size_t max) const {
  auto a = one(def);
  if (!a) return std::unexpected(a.error());
  return read_octets(*this, def, *a, min, max);
}

Decoded<std::optional<ByteView>> AvpReader::optional_octets(const AvpDef& def, std::size_t min,
                                                            std::size_t max) const {
  auto a = optional(def);
  if (!a) return std::unexpected(a.error());
  if (*a == nullptr) return std::optional<ByteView>{};
  auto v = read_octets(*this, def, *a, min, max);
  if (!v) return std::unexpected(v.error());
  return std::optional<ByteView>{*v};
}

AvpReader AvpReader::group(struct avp* group, const AvpDef& def) const {
  return AvpReader(group, path_ + def.name + "/");
}

bool all_digits(ByteView text, std::size_t min, std::size_t max) {
  if (text.size() < min || text.size() > max) return false;
  for (std::uint8_t c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Decoded<s6a::ResultCode> read_result(const AvpReader& r, const S6aDictionary& d) {
  auto rc = r.optional(d.result_code);
  if (!rc) return std::unexpected(rc.error());
  auto er = r.optional(d.experimental_result);
  if (!er) return std::unexpected(er.error());
  if (*rc != nullptr && *er != nullptr) {
    return std::unexpected(
        r.invalid(d.experimental_result, *er, "present together with Result-Code"));
  }
  if (*rc != nullptr) {
    auto code = read_u32(r, d.result_code, *rc);
    if (!code) return std::unexpected(code.error());
    return s6a::ResultCode{0, *code};
  }
  if (*er == nullptr) return std::unexpected(r.missing(d.result_code));
  AvpReader g = r.group(*er, d.experimental_result);
  auto vendor = g.u32(d.vendor_id);
  if (!vendor) return std::unexpected(vendor.error());
  if (*vendor == 0) {
    return std::unexpected(g.invalid(d.vendor_id, g.one(d.vendor_id).value_or(nullptr),
                                     "vendor 0 in Experimental-Result"));
  }
  auto code = g.u32(d.experimental_result_code);
  if (!code) return std::unexpected(code.error());
  return s6a::ResultCode{*vendor, *code};
}

Decoded<void> require_auth_session_state(const AvpReader& r, const S6aDictionary& d) {
  auto state = r.i32(d.auth_session_state);
  if (!state) return std::unexpected(state.error());
  return {};
}

}  // namespace kmebind::diameter::detail
