// KME-Request / KME-Answer (kmebind, docs/diameter.md §2), and wiping secret AVPs.
#include <openssl/crypto.h>

#include "diameter/avp_io.h"
#include "diameter/fd_include.h"
#include "diameter/identity_avps.h"
#include "diameter/kme_avps.h"
#include "diameter/s6a_codec.h"

namespace kmebind::diameter {

using detail::AvpReader;

// KME-Request ::= { Auth-Session-State } { User-Name } { Terminal-Information }
//                 { KME-Supported-Procedures }
Status append_request(const S6aDictionary& d, const s6a::KmeRequest& kmr, struct msg* request) {
  if (auto st = detail::add_auth_session_state(request, d); !st) return st;
  if (auto st = detail::add_string(request, d.user_name, kmr.imsi); !st) return st;
  if (auto st = detail::add_terminal_information(request, d, {kmr.imei, ""}); !st) return st;
  return detail::add_u32(request, d.kme_supported_procedures, kmr.supported_procedures);
}

Decoded<s6a::KmeRequest> decode_kmr(const S6aDictionary& d, struct msg* request) {
  AvpReader r(request, "");
  if (auto st = detail::require_auth_session_state(r, d); !st) return std::unexpected(st.error());
  s6a::KmeRequest kmr;
  auto imsi = detail::read_imsi(r, d);
  if (!imsi) return std::unexpected(imsi.error());
  kmr.imsi = std::move(*imsi);
  auto terminal = r.one(d.terminal_information);
  if (!terminal) return std::unexpected(terminal.error());
  auto t = detail::read_terminal_information(r.group(*terminal, d.terminal_information), d);
  if (!t) return std::unexpected(t.error());
  kmr.imei = std::move(t->imei);
  auto procedures = r.u32(d.kme_supported_procedures);
  if (!procedures) return std::unexpected(procedures.error());
  if (*procedures > 0xFF) {
    return std::unexpected(r.invalid(d.kme_supported_procedures,
                                     *r.one(d.kme_supported_procedures), "bits above 7 set"));
  }
  kmr.supported_procedures = static_cast<std::uint8_t>(*procedures);
  return kmr;
}

// KME-Answer ::= result { Auth-Session-State } [ KME-Provisioning ] [ KME-Device-Challenge ]
// (at most one of the two).
Status append_answer(const S6aDictionary& d, const s6a::KmeAnswer& kma, struct msg* answer) {
  auto body = detail::add_answer_head(answer, d, kma.result);
  if (!body) return std::unexpected(body.error());
  if (!*body) return {};
  return detail::add_kme_action(answer, d, kma.action);
}

Decoded<s6a::KmeAnswer> decode_kma(const S6aDictionary& d, struct msg* answer) {
  AvpReader r(answer, "");
  s6a::KmeAnswer kma;
  auto result = detail::read_result(r, d);
  if (!result) return std::unexpected(result.error());
  kma.result = *result;
  if (detail::has_error_bit(answer)) return kma;

  auto action = detail::read_kme_action(r, d);
  if (!action) return std::unexpected(action.error());
  kma.action = std::move(*action);
  return kma;
}

void wipe_secret_avps(const S6aDictionary& d, struct msg* message) {
  if (message == nullptr) return;
  void* node = message;
  int depth = 0;
  while (true) {
    void* next = nullptr;
    if (fd_msg_browse_internal(node, MSG_BRW_WALK, &next, &depth) != 0 || next == nullptr) break;
    node = next;
    avp_hdr* h = nullptr;
    if (fd_msg_avp_hdr(static_cast<struct avp*>(node), &h) != 0 || h->avp_value == nullptr) continue;
    std::uint32_t vendor = (h->avp_flags & AVP_FLAG_VENDOR) ? h->avp_vendor : 0;
    bool secret = (vendor == d.kasme.vendor && h->avp_code == d.kasme.code) ||
                  (vendor == d.kme.vendor && h->avp_code == d.kme.code);
    if (secret && h->avp_value->os.data != nullptr) {
      OPENSSL_cleanse(h->avp_value->os.data, h->avp_value->os.len);
    }
  }
}

}  // namespace kmebind::diameter
