#include "diameter/receive_guard.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/limited_log.h"
#include "diameter/fd_include.h"
#include "diameter/log_text.h"

namespace kmebind::diameter::detail {
namespace {

constexpr std::uint32_t kSessionId = 263;  // RFC 6733 §8.8
constexpr std::uint32_t kProxyInfo = 284;  // RFC 6733 §6.7.2

fd_hook_hdl* g_guard_hook = nullptr;

// The process totals (receive_guard_totals).
std::atomic<std::uint64_t> g_removed_session_id_v_bit{0};
std::atomic<std::uint64_t> g_removed_session_id_nul{0};
std::atomic<std::uint64_t> g_removed_proxy_info{0};

// freeDiameter takes the first AVP with code 263 and Vendor-Id 0 as the Session-Id
// (fd_msg_sess_get) on every dispatch and in every answer it makes.
// The V bit with Vendor-Id 0 (the IETF space, RFC 6733 §4.1; Session-Id never has the V bit,
// §4.5): the model lookup by vendor refuses vendor 0, the AVP stays without a value, and
// fd_msg_sess_get asserts.
bool session_id_with_v_bit(const avp_hdr& h) {
  return h.avp_code == kSessionId && (h.avp_flags & AVP_FLAG_VENDOR) != 0 && h.avp_vendor == 0;
}

// A NUL octet in the value: fd_sess_fromsid_msg refuses it (EINVAL), and the dispatch thread
// treats that error as fatal and shuts the core down. Parsing the AVP here is what freeDiameter
// would do next anyway; it keeps the parsed value.
bool session_id_with_nul(struct avp* a, const avp_hdr& h) {
  if (h.avp_code != kSessionId || (h.avp_flags & AVP_FLAG_VENDOR) != 0) return false;
  if (parse_dict(a, fd_g_config->cnf_dict) != 0 || h.avp_value == nullptr) {
    return false;
  }
  const auto& os = h.avp_value->os;
  return os.len > 0 && std::memchr(os.data, 0, os.len) != nullptr;
}

// fd_msg_new_answer_from_req copies every Proxy-Info (code 284, vendor 0) of a request into the
// answer and fails when one does not parse. Parsing it here also leaves it parsed for that copy.
// freeDiameter 1.2.1 also fails to copy (and then leaks the half-made copy of) a Proxy-Info
// holding an AVP its dictionary does not know, so one is removed too: this node relays nothing,
// and RFC 6733 §6.7.2's Proxy-Host and Proxy-State are both known.
bool proxy_info_freediameter_cannot_copy(struct avp* a, const avp_hdr& h) {
  if (h.avp_code != kProxyInfo || h.avp_vendor != 0) return false;
  if (parse_dict(a, fd_g_config->cnf_dict) != 0) return true;
  // With the V bit (never set on Proxy-Info) the lookup by Vendor-Id 0 finds no model: an
  // unknown AVP, which freeDiameter cannot copy when its value is empty.
  dict_object* own_model = nullptr;
  if (fd_msg_model(a, &own_model) != 0 || own_model == nullptr) return true;
  void* child = nullptr;
  if (fd_msg_browse_internal(a, MSG_BRW_FIRST_CHILD, &child, nullptr) != 0) return true;
  while (child != nullptr) {
    dict_object* model = nullptr;
    if (fd_msg_model(child, &model) != 0 || model == nullptr) return true;
    void* next = nullptr;
    if (fd_msg_browse_internal(child, MSG_BRW_NEXT, &next, nullptr) != 0) return true;
    child = next;
  }
  return false;
}

// The log line's limiter key: the kind, and the peer when it is identified (an admitted or
// configured peer: a bounded set), else one key for every connection still in its CER.
LimiterKey limiter_key(std::string_view kind, struct peer_hdr* peer) {
  std::string_view id = "(connection)";
  if (peer != nullptr && peer->info.pi_diamid != nullptr) {
    id = std::string_view(peer->info.pi_diamid, peer->info.pi_diamidlen);
  }
  return LimiterKey("diameter.receive_guard", kind, id);
}

void guard_hook(enum fd_hook_type, struct msg* m, struct peer_hdr* peer, void* other,
                struct fd_hook_permsgdata*, void*) {
  if (m == nullptr) return;
  const GuardResult r = guard_received(m);
  if (r.session_ids == 0 && r.session_ids_with_nul == 0 && r.proxy_infos == 0) return;
  // {other} names the connection when the peer is not identified yet (its first message).
  const auto* connection = static_cast<const char*>(other);
  auto from = [&] {
    return peer != nullptr ? "'" + printable(peer->info.pi_diamid, peer->info.pi_diamidlen) + "'"
           : connection != nullptr ? "connection " + printable(connection, std::strlen(connection))
                                   : std::string("(unidentified peer)");
  };
  auto what = [m] {
    msg_hdr* h = nullptr;
    if (fd_msg_hdr(m, &h) != 0) return std::string("message");
    return std::string((h->msg_flags & CMD_FLAG_REQUEST) != 0 ? "request " : "answer ") +
           std::to_string(h->msg_code);
  };
  // The texts are made only for a line that is written.
  if (r.session_ids != 0) {
    if (auto p = log_permit(spdlog::level::warn, limiter_key("session_id_v_bit", peer))) {
      spdlog::warn(
          "diameter: {} from {}: removed {} Session-Id AVP(s) with the V bit set and Vendor-Id 0 "
          "(RFC 6733 §4.5: Session-Id never carries the V bit); freeDiameter aborts on them{}",
          what(), from(), r.session_ids, p.suffix());
    }
  }
  if (r.session_ids_with_nul != 0) {
    if (auto p = log_permit(spdlog::level::warn, limiter_key("session_id_nul", peer))) {
      spdlog::warn(
          "diameter: {} from {}: removed {} Session-Id AVP(s) with a NUL octet in the value "
          "(RFC 6733 §8.8: UTF8String); freeDiameter stops its Diameter core on them{}",
          what(), from(), r.session_ids_with_nul, p.suffix());
    }
  }
  if (r.proxy_infos != 0) {
    if (auto p = log_permit(spdlog::level::warn, limiter_key("proxy_info", peer))) {
      spdlog::warn(
          "diameter: {} from {}: removed {} Proxy-Info AVP(s) whose content does not parse "
          "(RFC 6733 §6.7.2); freeDiameter cannot answer a request that carries them{}",
          what(), from(), r.proxy_infos, p.suffix());
    }
  }
}

// HOOK_MESSAGE_PARSING_ERROR runs in fd_msg_parse_or_error before freeDiameter makes its error
// answer, whose Failed-AVP (RFC 6733 §7.5) is a raw copy of the offending AVP sized from its
// header: an AVP with an empty value gives a copy without data, which freeDiameter 1.2.1 cannot
// bufferize, so the answer is not sent and the link to the peer is dropped.
void parsing_error_hook(enum fd_hook_type, struct msg* m, struct peer_hdr*, void*,
                        struct fd_hook_permsgdata*, void*) {
  if (m != nullptr) widen_empty_unparsed_avps(m);
}

fd_hook_hdl* g_parsing_error_hook = nullptr;

}  // namespace

unsigned widen_empty_unparsed_avps(struct msg* m) {
  msg_hdr* mh = nullptr;
  if (fd_msg_hdr(m, &mh) != 0 || (mh->msg_flags & CMD_FLAG_REQUEST) == 0) return 0;
  unsigned widened = 0;
  void* at = nullptr;
  if (fd_msg_browse_internal(m, MSG_BRW_WALK, &at, nullptr) != 0) return 0;
  while (at != nullptr) {
    avp_hdr* h = nullptr;
    if (fd_msg_avp_hdr(static_cast<struct avp*>(at), &h) == 0 && h->avp_value == nullptr) {
      const std::uint32_t header = (h->avp_flags & AVP_FLAG_VENDOR) != 0 ? 12 : 8;
      dict_object* model = nullptr;
      (void)fd_msg_model(at, &model);
      dict_avp_data data{};
      const bool grouped = model != nullptr && fd_dict_getval(model, &data) == 0 &&
                           data.avp_basetype == AVP_TYPE_GROUPED;
      if (!grouped && h->avp_len <= header) {
        h->avp_len = header + 4;
        ++widened;
      }
    }
    void* next = nullptr;
    if (fd_msg_browse_internal(at, MSG_BRW_WALK, &next, nullptr) != 0) break;
    at = next;
  }
  return widened;
}

int parse_dict(void* msg_or_avp, struct dictionary* dict) {
  fd_pei pei{};
  const int rc = fd_msg_parse_dict(msg_or_avp, dict, &pei);
  if (pei.pei_avp_free != 0 && pei.pei_avp != nullptr) fd_msg_free(pei.pei_avp);
  return rc;
}

GuardResult guard_received(struct msg* m) {
  GuardResult r;
  std::vector<struct avp*> doomed;
  void* child = nullptr;
  if (fd_msg_browse_internal(m, MSG_BRW_FIRST_CHILD, &child, nullptr) != 0) return r;
  while (child != nullptr) {
    auto* a = static_cast<struct avp*>(child);
    avp_hdr* h = nullptr;
    if (fd_msg_avp_hdr(a, &h) == 0 && h != nullptr) {
      if (session_id_with_v_bit(*h)) {
        ++r.session_ids;
        doomed.push_back(a);
      } else if (session_id_with_nul(a, *h)) {
        ++r.session_ids_with_nul;
        doomed.push_back(a);
      } else if (proxy_info_freediameter_cannot_copy(a, *h)) {
        ++r.proxy_infos;
        doomed.push_back(a);
      }
    }
    void* next = nullptr;
    if (fd_msg_browse_internal(child, MSG_BRW_NEXT, &next, nullptr) != 0) break;
    child = next;
  }
  // fd_msg_free unlinks the AVP from its message before freeing it.
  for (struct avp* a : doomed) fd_msg_free(a);
  if (!doomed.empty()) {
    g_removed_session_id_v_bit.fetch_add(r.session_ids, std::memory_order_relaxed);
    g_removed_session_id_nul.fetch_add(r.session_ids_with_nul, std::memory_order_relaxed);
    g_removed_proxy_info.fetch_add(r.proxy_infos, std::memory_order_relaxed);
  }
  return r;
}

ReceiveGuardStats receive_guard_totals() {
  return ReceiveGuardStats{
      .session_id_v_bit = g_removed_session_id_v_bit.load(std::memory_order_relaxed),
      .session_id_nul = g_removed_session_id_nul.load(std::memory_order_relaxed),
      .proxy_info = g_removed_proxy_info.load(std::memory_order_relaxed),
  };
}

Status install_receive_guard() {
  if (g_guard_hook != nullptr) return {};
  // freeDiameter documents that hooks must not change the message. This one does, on purpose and
  // only here: HOOK_MESSAGE_RECEIVED runs on the receiving peer's thread, which alone holds the
  // message until it is queued for routing, and the changes go through the message API.
  const std::uint32_t mask = fd_hook_mask_helper(0, HOOK_MESSAGE_RECEIVED, -1);
  if (int rc = fd_hook_register(mask, guard_hook, nullptr, nullptr, &g_guard_hook); rc != 0) {
    g_guard_hook = nullptr;
    return fail(Code::kInternal, "freeDiameter refused the receive guard hook");
  }
  const std::uint32_t parsing = fd_hook_mask_helper(0, HOOK_MESSAGE_PARSING_ERROR, -1);
  if (fd_hook_register(parsing, parsing_error_hook, nullptr, nullptr, &g_parsing_error_hook) != 0) {
    g_parsing_error_hook = nullptr;
    return fail(Code::kInternal, "freeDiameter refused the parsing error hook");
  }
  return {};
}

}  // namespace kmebind::diameter::detail
