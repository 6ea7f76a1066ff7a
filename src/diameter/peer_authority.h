// Internal to src/diameter: who may talk to this node. Holds the server's allow-list and, for
// every peer whose link is open, whether its identity was checked: the TLS certificate must name
// the identity the peer claims (peer_identity.h), and a clear-TCP link is accepted only where the
// configuration asked for clear TCP. freeDiameter calls in through static trampolines (its peer
// validation callback carries no user data), so one authority is installed per process.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "diameter/fd_config.h"
#include "diameter/fd_core.h"

struct peer_info;
struct peer_hdr;

namespace kmebind::diameter::detail {

struct PeerAuthority {
  explicit PeerAuthority(const DiameterConfig& config);

  // fd_peer_validate_register callback body: decides for a peer that is not configured.
  // Sets *auth to 1 (accept) or -1 (refuse, CEA DIAMETER_UNKNOWN_PEER) and logs refusals.
  void validate(struct peer_info* info, int* auth);
  // Hook bodies: a link opened (check it, mark verified) or failed (unmark).
  void on_connect_success(struct peer_hdr* peer);
  void on_connect_failed(struct peer_hdr* peer);

  bool verified(std::string_view identity) const;
  // Whether the verified, open link of `identity` is TLS; nullopt if it is not (yet) verified.
  std::optional<bool> link_tls(std::string_view identity) const;
  PeerStats stats() const;

  // Registers the validation callback and the hooks (no-op hooks for every message event, trap
  // 7; logging hooks for errors and peer events). REQUIRES: `authority` outlives the core.
  static Status install(PeerAuthority* authority);
  static void uninstall();

 private:
  // Whether the link of `identity` (its certificate list, if freeDiameter kept one; whether it
  // is TLS; whether the peer connected to us) is acceptable.
  bool link_acceptable(const std::string& identity, const void* cert_list, unsigned cert_count,
                       bool tls, bool incoming);

  std::set<std::string> allowed_;              // lower-case identities (server)
  std::map<std::string, bool> configured_tls_;  // lower-case peer identity → TLS (client)
  bool clear_node_;
  mutable std::mutex mutex_;
  std::map<std::string, bool> verified_;  // lower-case identity with a checked, open link → TLS
  std::atomic<std::uint64_t> accepted_{0}, refused_unknown_{0}, refused_certificate_{0},
      refused_clear_{0}, connect_failures_{0};
};

std::string lower_identity(std::string_view identity);

}  // namespace kmebind::diameter::detail
