// Test support for the codec: freeDiameter's dictionary without a running core (fd_core_initialize
// only, inside a forked child — see fork_harness.h), message helpers, and a trip through the
// wire format (bufferize → parse_buffer → parse_dict) so that decoders see what a peer would.
#pragma once

#include <cstring>
#include <memory>

#include <gtest/gtest.h>

#include "diameter/avp_io.h"
#include "diameter/dictionary.h"
#include "diameter/fd_include.h"
#include "diameter/s6a_codec.h"
#include "fork_harness.h"

namespace kmebind::diameter::testing {

struct MsgFree {
  void operator()(struct msg* m) const {
    if (m != nullptr) fd_msg_free(m);
  }
};
using MsgPtr = std::unique_ptr<struct msg, MsgFree>;

// The dictionary, defined once per (child) process.
inline const S6aDictionary& dict() {
  static const S6aDictionary d = [] {
    fd_g_debug_lvl = FD_LOG_FATAL;
    if (fd_core_initialize() != 0) std::abort();
    fd_g_debug_lvl = FD_LOG_FATAL;
    auto defined = define_s6a_dictionary(fd_g_config->cnf_dict);
    if (!defined) std::abort();
    return *defined;
  }();
  return d;
}

inline MsgPtr new_request(dict_object* command) {
  struct msg* m = nullptr;
  EXPECT_EQ(fd_msg_new(command, MSGFL_ALLOC_ETEID, &m), 0);
  return MsgPtr(m);
}

// An empty answer to a fresh request of `request_command`.
inline MsgPtr new_answer(dict_object* request_command) {
  struct msg* m = nullptr;
  EXPECT_EQ(fd_msg_new(request_command, MSGFL_ALLOC_ETEID, &m), 0);
  EXPECT_EQ(fd_msg_new_answer_from_req(dict().dict, &m, 0), 0);
  return MsgPtr(m);
}

inline Bytes to_wire(struct msg* m) {
  std::uint8_t* buffer = nullptr;
  std::size_t len = 0;
  EXPECT_EQ(fd_msg_bufferize(m, &buffer, &len), 0);
  Bytes out(buffer, buffer + len);
  std::free(buffer);
  return out;
}

// Parses octets as freeDiameter does on receipt; null if they do not parse.
inline MsgPtr from_wire(ByteView octets) {
  auto* buffer = static_cast<std::uint8_t*>(std::malloc(octets.size() + 1));
  if (!octets.empty()) std::memcpy(buffer, octets.data(), octets.size());
  struct msg* m = nullptr;
  if (fd_msg_parse_buffer(&buffer, octets.size(), &m) != 0) {
    std::free(buffer);
    return nullptr;
  }
  MsgPtr owned(m);
  fd_pei pei{};
  if (fd_msg_parse_dict(m, dict().dict, &pei) != 0) return nullptr;
  return owned;
}

inline MsgPtr wire(struct msg* m) {
  MsgPtr out = from_wire(to_wire(m));
  EXPECT_NE(out, nullptr);
  return out;
}

inline struct avp* find(void* parent, const AvpDef& def) {
  auto a = detail::AvpReader(parent, "").optional(def);
  return a ? *a : nullptr;
}

// Unlinks and frees the first `def` child of `parent`.
inline void drop(void* parent, const AvpDef& def) {
  struct avp* a = find(parent, def);
  ASSERT_NE(a, nullptr) << def.name;
  fd_msg_free(a);
}

// Replaces the value of an OctetString AVP.
inline void set_octets(struct avp* a, ByteView value) {
  avp_hdr* h = nullptr;
  ASSERT_EQ(fd_msg_avp_hdr(a, &h), 0);
  std::free(h->avp_value->os.data);
  h->avp_value->os.data = static_cast<std::uint8_t*>(std::malloc(value.size() + 1));
  if (!value.empty()) std::memcpy(h->avp_value->os.data, value.data(), value.size());
  h->avp_value->os.len = value.size();
}

inline void set_i32(struct avp* a, std::int32_t value) {
  avp_hdr* h = nullptr;
  ASSERT_EQ(fd_msg_avp_hdr(a, &h), 0);
  h->avp_value->i32 = value;
}

inline void set_u32(struct avp* a, std::uint32_t value) {
  avp_hdr* h = nullptr;
  ASSERT_EQ(fd_msg_avp_hdr(a, &h), 0);
  h->avp_value->u32 = value;
}

inline Bytes pattern(std::size_t n, std::uint8_t start) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(start + i);
  return out;
}

}  // namespace kmebind::diameter::testing
