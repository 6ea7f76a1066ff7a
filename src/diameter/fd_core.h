// The process's freeDiameter core (docs/diameter.md §5). freeDiameter 1.2 allows ONE core per
// process and no restart (shared/notes/freediameter.md trap 5): FdCore::create succeeds once per
// process; after stop() Diameter is over for this process.
//
// Life cycle:
//   auto core = FdCore::create(config);      // initialize, parse the generated .conf, dictionary,
//                                             // peer validation, hooks
//   auto server = S6aServer::create(*core, handler);   // and/or S6aClient::create(*core)
//   core->start();                             // threads, listeners, connections
//   core->wait_for_peers(1, 5s);               // client: until an HSS is open
//   ... FdCore::wait_for_termination_signal() ...
//   core->stop();                              // then destroy server/client, then the core
//
// Signals (trap 6): create() blocks SIGINT, SIGTERM and SIGPIPE in the calling thread before
// freeDiameter starts its threads, so every thread it creates inherits the mask and no signal
// kills the process mid-message. The application must therefore call create() from its main
// thread BEFORE starting any other thread (or block the same signals itself), and wait for
// SIGINT/SIGTERM synchronously (wait_for_termination_signal, sigwait or signalfd), then stop().
//
// Thread safety: all const members and stop() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>

#include "common/bytes.h"
#include "common/error.h"
#include "diameter/dictionary.h"
#include "diameter/fd_config.h"
#include "diameter/receive_guard.h"

struct msg;
struct fd_hook_hdl;

namespace kmebind::diameter {

// Counters of peer admission, for logs and metrics.
struct PeerStats {
  std::uint64_t accepted = 0;             // incoming peers admitted by the allow-list
  std::uint64_t refused_unknown = 0;      // identity not on the allow-list (CEA 3010)
  std::uint64_t refused_certificate = 0;  // TLS certificate does not name the claimed identity
  std::uint64_t refused_clear = 0;        // clear TCP from a peer while this node requires TLS
  std::uint64_t connect_failures = 0;     // connection attempts or links that failed
};

// Per-request facts about the link a request arrived on.
struct LinkInfo {
  std::string peer;           // Diameter Identity of the sending peer
  bool confidential = false;  // the link is TLS (HSS: procedure 1 only over TLS)
};

namespace detail {
struct PeerAuthority;
}

class FdCore {
 public:
  // Sees every whole Diameter message this node sends (`sent`) or receives, with the Diameter
  // Identity of the peer it goes to or comes from, after transport (docs/daemons.md §4). The
  // octets are a copy with secret AVP values zero-filled (diameter/secret_blanking.h: KASME and
  // KME, also inside grouped AVPs); they are valid only during the call. Called from
  // freeDiameter's threads, concurrently: the tap must be thread-safe and must not block long.
  using MessageTap = std::function<void(ByteView octets, bool sent, const std::string& peer_identity)>;

  // Validates `config`, blocks the signals above, initializes freeDiameter, writes and parses
  // its .conf, defines the S6a dictionary, advertises S6a/S6d (vendor 10415, auth) in CER/CEA,
  // installs peer validation (allow-list + certificate identity) and the message hooks.
  // kInvalidArgument for a bad config; kInternal if a core already exists in this process or
  // freeDiameter refuses the configuration (its log says why); kIo if the .conf cannot be written.
  static Result<std::unique_ptr<FdCore>> create(DiameterConfig config);

  ~FdCore();  // stop()
  FdCore(const FdCore&) = delete;
  FdCore& operator=(const FdCore&) = delete;

  // Installs `tap` (one per core; an empty function is refused) on freeDiameter's
  // HOOK_MESSAGE_SENT / HOOK_MESSAGE_RECEIVED. Without a tap no message is copied. Call before
  // start(): kInternal once started or if a tap is set already, or if freeDiameter refuses the hook.
  Status set_message_tap(MessageTap tap);

  // Starts freeDiameter's threads, listeners and peer connections. Call once, after the
  // S6aServer / S6aClient have been created. kInternal on failure.
  Status start();

  // Blocks until at least `count` configured peers are open (and their certificate checked), or
  // fails with kUnavailable after `timeout`.
  Status wait_for_peers(std::size_t count, std::chrono::milliseconds timeout) const;
  // Configured peers (DiameterConfig::peers) currently open and verified.
  std::size_t open_peers() const;
  // Whether `identity` may carry requests: its link is open and its certificate (TLS) or its
  // clear-TCP permission was checked when it connected.
  bool peer_verified(std::string_view identity) const;
  LinkInfo link_info(std::string_view peer_identity) const;
  PeerStats peer_stats() const;
  // AVPs the receive guard removed from received messages (docs/diameter.md §6).
  ReceiveGuardStats receive_guard_stats() const;

  // Sends DPR to every peer and waits until they are gone (≤ 3 s), lets freeDiameter's outgoing
  // queue empty and its routing/dispatch threads leave (≤ about 4 s; diameter/fd_quiesce.h:
  // freeDiameter 1.2 aborts otherwise), then fd_core_shutdown + fd_core_wait_shutdown_complete.
  // Each TLS link's close is safe at both ends only through diameter/tls_session_guard.h.
  // Stop the application's own request handling first (handlers are still called until the
  // peers are gone). Idempotent. Answers and requests handed
  // to the core afterwards are dropped (their freeDiameter messages are leaked on purpose: the
  // library's memory is being torn down), and pending client callbacks may never run.
  void stop();
  bool running() const;
  bool stopped() const;  // stop() was called
  // freeDiameter shut its core down without stop(): one of its threads met an error it treats
  // as fatal (docs/diameter.md §6). The node serves no Diameter any more; the daemon should
  // stop() and exit with a failure so that its supervisor restarts it.
  bool core_lost() const;

  // Hands a message to freeDiameter (fd_msg_send / fd_msg_send_timeout) unless the core is
  // stopped; on success *message becomes null. Returns false (message untouched) when stopped
  // or when freeDiameter refuses it. Used by S6aServer and S6aClient.
  bool send_answer(struct msg** message);
  bool send_request(struct msg** message, void (*answer_cb)(void*, struct msg**), void* data,
                    void (*expire_cb)(void*, char*, std::size_t, struct msg**),
                    std::chrono::steady_clock::time_point deadline);

  const S6aDictionary& dictionary() const { return dictionary_; }
  const DiameterConfig& config() const { return config_; }

  // freeDiameter's log threshold (DiameterConfig::fd_log_level, 0..6; out-of-range values are
  // clamped): lines below it are dropped before they are formatted. For a reload (SIGHUP) that
  // changes the daemon's log level; create() sets it from the configuration.
  static void set_log_level(int fd_log_level);

  // Waits for SIGINT or SIGTERM (blocked by create()) for up to `timeout`; returns the signal
  // number, or 0 on timeout. REQUIRES: called from a thread that has them blocked.
  static int wait_for_termination_signal(std::optional<std::chrono::milliseconds> timeout = {});

 private:
  explicit FdCore(DiameterConfig config);

  DiameterConfig config_;
  S6aDictionary dictionary_;
  std::unique_ptr<detail::PeerAuthority> authority_;
  MessageTap tap_;
  fd_hook_hdl* tap_hook_ = nullptr;
  mutable std::shared_mutex state_mutex_;
  bool started_ = false;
  bool running_ = false;
  bool stopped_ = false;
};

}  // namespace kmebind::diameter
