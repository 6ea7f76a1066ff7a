#include "diameter/error_answer.h"

#include <cerrno>
#include <string>

#include "diameter/fd_include.h"

namespace kmebind::diameter::detail {
namespace {

// An example of a missing AVP for Failed-AVP (RFC 6733 §7.1.5: short, zero value).
struct avp* example_of(dict_object* model) {
  dict_avp_data data{};
  struct avp* a = nullptr;
  if (model == nullptr || fd_dict_getval(model, &data) != 0 || fd_msg_avp_new(model, 0, &a) != 0) {
    return nullptr;
  }
  if (data.avp_basetype == AVP_TYPE_GROUPED) {
    if (fd_msg_update_length(a) == 0) return a;
    fd_msg_free(a);
    return nullptr;
  }
  avp_value v{};
  std::uint8_t zero = 0;
  if (data.avp_basetype == AVP_TYPE_OCTETSTRING) {
    // One zero octet, not none: fd_msg_rescode_set copies the AVP as raw octets, and a copy
    // with an empty value cannot be bufferized (the answer would never leave).
    v.os.data = &zero;
    v.os.len = 1;
  }
  // fd_msg_rescode_set copies a non-grouped AVP as raw octets of its recorded length, which is
  // only computed by fd_msg_update_length.
  if (fd_msg_avp_setvalue(a, &v) != 0 || fd_msg_update_length(a) != 0) {
    fd_msg_free(a);
    return nullptr;
  }
  return a;
}

// The value length of a received AVP: its header's length less the header (RFC 6733 §4.1).
std::size_t value_length(struct avp* a) {
  avp_hdr* h = nullptr;
  if (fd_msg_avp_hdr(a, &h) != 0) return 0;
  const std::size_t header = (h->avp_flags & AVP_FLAG_VENDOR) != 0 ? 12 : 8;
  return h->avp_len > header ? h->avp_len - header : 0;
}

}  // namespace

const char* result_name(s6a::ResultCode rc) {
  switch (rc.code) {
    case 5004: return "DIAMETER_INVALID_AVP_VALUE";
    case 5005: return "DIAMETER_MISSING_AVP";
    case 5009: return "DIAMETER_AVP_OCCURS_TOO_MANY_TIMES";
    default: return "DIAMETER_UNABLE_TO_COMPLY";
  }
}

int answer_decode_error(const S6aDictionary& d, struct msg** message, const DecodeError& error) {
  // fd_msg_new_answer_from_req copies the Session-Id and asserts (aborts the process) when a
  // Session-Id AVP (RFC 6733 §8.8, code 263) came without a value: no answer to such a request.
  void* child = nullptr;
  if (fd_msg_browse_internal(*message, MSG_BRW_FIRST_CHILD, &child, nullptr) != 0) child = nullptr;
  while (child != nullptr) {
    avp_hdr* h = nullptr;
    if (fd_msg_avp_hdr(static_cast<struct avp*>(child), &h) == 0 && h->avp_code == 263 &&
        h->avp_value == nullptr) {
      return EINVAL;
    }
    void* next = nullptr;
    if (fd_msg_browse_internal(child, MSG_BRW_NEXT, &next, nullptr) != 0) break;
    child = next;
  }
  if (int rc = fd_msg_new_answer_from_req(d.dict, message, 0); rc != 0) return rc;
  struct avp* example = nullptr;
  struct avp* failed = error.failed_avp;
  if (failed == nullptr) {
    example = example_of(error.missing_model);
    failed = example;
  } else if (value_length(failed) == 0) {
    // fd_msg_rescode_set copies the offending AVP as raw octets, and a copy with an empty value
    // cannot be bufferized (the answer would never leave): send an example of it instead, or no
    // Failed-AVP if there is no model to make one from.
    dict_object* model = nullptr;
    if (fd_msg_model(failed, &model) != 0) model = nullptr;
    example = example_of(model);
    failed = example;
  }
  std::string text = error.message;
  int rc = fd_msg_rescode_set(*message, const_cast<char*>(result_name(error.result)), text.data(),
                              failed, 1);
  if (example != nullptr) fd_msg_free(example);
  return rc;
}

}  // namespace kmebind::diameter::detail
