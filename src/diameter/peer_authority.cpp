#include "diameter/peer_authority.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "common/limited_log.h"
#include "diameter/fd_include.h"
#include "diameter/log_text.h"
#include "diameter/peer_identity.h"

namespace kmebind::diameter::detail {
namespace {

std::atomic<PeerAuthority*> g_authority{nullptr};
fd_hook_hdl* g_noop_hooks = nullptr;
fd_hook_hdl* g_event_hooks = nullptr;

std::string peer_name(struct peer_hdr* peer) {
  if (peer == nullptr) return "(unidentified peer)";
  return printable(peer->info.pi_diamid, peer->info.pi_diamidlen);
}

// The peer a received message came from: freeDiameter's routing and dispatch threads report
// parsing errors without the peer, but the message records its source.
std::string source_name(struct msg* m, struct peer_hdr* peer) {
  if (peer != nullptr || m == nullptr) return peer_name(peer);
  DiamId_t id = nullptr;
  std::size_t len = 0;
  if (fd_msg_source_get(m, &id, &len) != 0 || id == nullptr) return peer_name(nullptr);
  return printable(id, len);
}

std::string describe_message(struct msg* m) {
  msg_hdr* h = nullptr;
  if (m == nullptr || fd_msg_hdr(m, &h) != 0) return "message";
  return std::string((h->msg_flags & CMD_FLAG_REQUEST) ? "request " : "answer ") +
         std::to_string(h->msg_code);
}

int validate_trampoline(struct peer_info* info, int* auth, int (**cb2)(struct peer_info*)) {
  if (cb2 != nullptr) *cb2 = nullptr;
  PeerAuthority* authority = g_authority.load();
  if (authority == nullptr || info == nullptr) {
    *auth = -1;
    return 0;
  }
  authority->validate(info, auth);
  return 0;
}

void noop_hook(enum fd_hook_type, struct msg*, struct peer_hdr*, void*, struct fd_hook_permsgdata*,
               void*) {}

void event_hook(enum fd_hook_type type, struct msg* m, struct peer_hdr* peer, void* other,
                struct fd_hook_permsgdata*, void*) {
  PeerAuthority* authority = g_authority.load();
  switch (type) {
    case HOOK_PEER_CONNECT_SUCCESS:
      if (authority != nullptr && peer != nullptr) authority->on_connect_success(peer);
      break;
    case HOOK_PEER_CONNECT_FAILED:
      if (authority != nullptr) authority->on_connect_failed(peer);
      // A known peer's failures are counted apart from those of connections not identified yet
      // (any TCP client can make those), so a flood of the latter does not hide the former.
      log_limited(
          spdlog::level::warn,
          LimiterKey("diameter.link_failed", peer != nullptr ? peer_name(peer) : "unidentified"),
          "diameter: link with {} failed: {}", peer_name(peer),
          printable(static_cast<const char*>(other)));
      break;
    case HOOK_MESSAGE_PARSING_ERROR:
      if (m != nullptr) {
        log_limited(spdlog::level::warn, "diameter.parse_error",
                    "diameter: {} from {} does not parse: {}", describe_message(m),
                    source_name(m, peer), printable(static_cast<const char*>(other)));
      } else {
        log_limited(spdlog::level::warn, "diameter.parse_error",
                    "diameter: unparseable octets from {}", peer_name(peer));
      }
      break;
    case HOOK_MESSAGE_ROUTING_ERROR:
    case HOOK_MESSAGE_DROPPED:
      log_limited(spdlog::level::warn, "diameter.routing_error", "diameter: {} {}: {}",
                  describe_message(m), type == HOOK_MESSAGE_DROPPED ? "dropped" : "not routable",
                  printable(static_cast<const char*>(other)));
      break;
    default: break;
  }
}

}  // namespace

std::string lower_identity(std::string_view identity) {
  std::string out(identity);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return out;
}

PeerAuthority::PeerAuthority(const DiameterConfig& config) : clear_node_(config.clear_tcp) {
  for (const std::string& id : config.allowed_peers) allowed_.insert(lower_identity(id));
  for (const PeerConfig& p : config.peers) configured_tls_[lower_identity(p.identity)] = p.tls;
}

bool PeerAuthority::link_acceptable(const std::string& identity, const void* cert_list,
                                    unsigned cert_count, bool tls, bool incoming) {
  if (cert_list != nullptr && cert_count > 0) {
    const auto* certs = static_cast<const gnutls_datum_t*>(cert_list);
    return certificate_names_identity(ByteView(certs[0].data, certs[0].size), identity);
  }
  // freeDiameter keeps the certificate list of incoming links only. On a link we opened it
  // checked during the handshake that the server's certificate names the peer's identity
  // ("The certificate hostname does not match ..."), so a TLS link we opened is acceptable.
  if (tls) return !incoming;
  if (clear_node_) return true;
  if (incoming) return false;
  auto it = configured_tls_.find(lower_identity(identity));
  return it != configured_tls_.end() && !it->second;
}

void PeerAuthority::validate(struct peer_info* info, int* auth) {
  std::string identity(info->pi_diamid, info->pi_diamidlen);
  std::string shown = printable(info->pi_diamid, info->pi_diamidlen);
  if (!allowed_.contains(lower_identity(identity))) {
    ++refused_unknown_;
    log_limited(spdlog::level::warn, "diameter.peer_refused",
                "diameter: refused peer '{}': not on the allow-list", shown);
    *auth = -1;
    return;
  }
  bool tls = info->runtime.pir_cert_list != nullptr && info->runtime.pir_cert_list_size > 0;
  if (!link_acceptable(identity, info->runtime.pir_cert_list, info->runtime.pir_cert_list_size,
                       tls, true)) {
    if (tls) {
      ++refused_certificate_;
      log_limited(spdlog::level::warn, "diameter.peer_refused",
                  "diameter: refused peer '{}': its TLS certificate does not name it", shown);
    } else {
      ++refused_clear_;
      log_limited(spdlog::level::warn, "diameter.peer_refused",
                  "diameter: refused peer '{}': clear TCP while TLS is required", shown);
    }
    *auth = -1;
    return;
  }
  if (!tls) info->config.pic_flags.sec = PI_SEC_NONE;  // trap 3: mark the clear peer as such
  ++accepted_;
  spdlog::info("diameter: accepted peer '{}' over {}", shown, tls ? "TLS" : "clear TCP");
  *auth = 1;
}

void PeerAuthority::on_connect_success(struct peer_hdr* peer) {
  std::string identity(peer->info.pi_diamid, peer->info.pi_diamidlen);
  std::string key = lower_identity(identity);
  bool configured = configured_tls_.contains(key);
  char proto[64] = {};
  bool tls = fd_peer_cnx_proto_info(peer, proto, sizeof proto) == 0 &&
             std::strstr(proto, "TLS") != nullptr;
  bool ok = link_acceptable(identity, peer->info.runtime.pir_cert_list,
                            peer->info.runtime.pir_cert_list_size, tls, !configured);
  if (!configured) ok = ok && allowed_.contains(key);
  if (!ok && configured) {
    ++refused_certificate_;
    spdlog::error("diameter: peer '{}' is not used: its TLS certificate does not name it",
                  peer_name(peer));
  }
  std::lock_guard lock(mutex_);
  if (ok) {
    verified_[key] = tls || peer->info.runtime.pir_cert_list != nullptr;
  } else {
    verified_.erase(key);
  }
}

void PeerAuthority::on_connect_failed(struct peer_hdr* peer) {
  ++connect_failures_;
  if (peer == nullptr) return;
  std::string key = lower_identity(std::string_view(peer->info.pi_diamid, peer->info.pi_diamidlen));
  std::lock_guard lock(mutex_);
  verified_.erase(key);
}

bool PeerAuthority::verified(std::string_view identity) const {
  std::string key = lower_identity(identity);
  std::lock_guard lock(mutex_);
  return verified_.contains(key);
}

std::optional<bool> PeerAuthority::link_tls(std::string_view identity) const {
  std::string key = lower_identity(identity);
  std::lock_guard lock(mutex_);
  auto it = verified_.find(key);
  if (it == verified_.end()) return std::nullopt;
  return it->second;
}

PeerStats PeerAuthority::stats() const {
  return PeerStats{accepted_.load(), refused_unknown_.load(), refused_certificate_.load(),
                   refused_clear_.load(), connect_failures_.load()};
}

Status PeerAuthority::install(PeerAuthority* authority) {
  g_authority.store(authority);
  if (int rc = fd_peer_validate_register(validate_trampoline); rc != 0) {
    return fail(Code::kInternal, "freeDiameter refused the peer validation callback");
  }
  // Trap 7: without a hook, each message event is dumped to text under a global lock.
  std::uint32_t noop_mask = fd_hook_mask_helper(
      0, HOOK_MESSAGE_RECEIVED, HOOK_MESSAGE_LOCAL, HOOK_MESSAGE_SENDING, HOOK_MESSAGE_SENT,
      HOOK_MESSAGE_FAILOVER, HOOK_MESSAGE_ROUTING_FORWARD, HOOK_MESSAGE_ROUTING_LOCAL,
      HOOK_MESSAGE_PARSING_ERROR2, -1);
  if (fd_hook_register(noop_mask, noop_hook, nullptr, nullptr, &g_noop_hooks) != 0) {
    return fail(Code::kInternal, "freeDiameter refused the message hooks");
  }
  std::uint32_t event_mask = fd_hook_mask_helper(
      0, HOOK_MESSAGE_PARSING_ERROR, HOOK_MESSAGE_ROUTING_ERROR, HOOK_MESSAGE_DROPPED,
      HOOK_PEER_CONNECT_FAILED, HOOK_PEER_CONNECT_SUCCESS, -1);
  if (fd_hook_register(event_mask, event_hook, nullptr, nullptr, &g_event_hooks) != 0) {
    return fail(Code::kInternal, "freeDiameter refused the peer event hooks");
  }
  return {};
}

void PeerAuthority::uninstall() { g_authority.store(nullptr); }

}  // namespace kmebind::diameter::detail
