#include "diameter/fd_core.h"

#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string_view>
#include <thread>

#include "common/limited_log.h"
#include "diameter/fd_include.h"
#include "diameter/fd_quiesce.h"
#include "diameter/listen_wait.h"
#include "diameter/peer_authority.h"
#include "diameter/receive_guard.h"
#include "diameter/secret_blanking.h"
#include "diameter/tls_session_guard.h"

namespace kmebind::diameter {
namespace {

std::atomic<bool> g_core_created{false};

// freeDiameter log lines → spdlog (FD_LOG_ANNOYING 0, DEBUG 1, NOTICE 3, ERROR 5, FATAL 6).
// FdCore::stop() was called (the process has one core); a shutdown freeDiameter starts without
// it is the core giving up on its own (core_lost()).
std::atomic<bool> g_stop_requested{false};
std::atomic<bool> g_core_lost{false};
// Set while the core serves (from start() to stop()): then freeDiameter's ERROR and NOTICE lines
// are mostly a remote party's doing (each TCP connection that fails its TLS handshake logs an
// ERROR, each refused CER three NOTICEs), so they are rate-limited per level
// (common/limited_log.h); start-up, configuration, shutdown and FATAL lines are not.
std::atomic<bool> g_serving{false};

// freeDiameter 1.2.1's TLS receive thread, when the peer closed the connection:
// "ERROR: in '(fd_tls_rcvthr_core(conn, conn->cc_tls_para.session))' :\tTransport endpoint is not
// connected".
bool peer_closed_tls(std::string_view line) {
  return line.find("fd_tls_rcvthr_core") != std::string_view::npos &&
         line.find("Transport endpoint is not connected") != std::string_view::npos;
}

// The limiter key of a freeDiameter line: its CHECK macros write "ERROR: in '<the call>' :\t
// <reason>", and the call text (from freeDiameter's source, a bounded set) tells one failing call
// site from another; other lines share one key, since they may carry peer-chosen text.
std::string_view fd_call_site(std::string_view line) {
  constexpr std::string_view kCheck = "ERROR: in '";
  if (!line.starts_with(kCheck)) return {};
  const std::size_t end = line.find("' :", kCheck.size());
  if (end == std::string_view::npos) return {};
  return line.substr(kCheck.size(), std::min<std::size_t>(end - kCheck.size(), 96));
}

void route_fd_log(int level, const char* format, va_list args) {
  // freeDiameter calls the handler for every line, its per-message debug lines included, and
  // leaves the threshold to the handler (its own default handler checks it the same way):
  // format only what will be kept.
  // Relaxed atomic access: set_log_level may change the threshold from a reload while
  // freeDiameter's threads log (an int; freeDiameter's own reads are plain).
  if (level < std::atomic_ref<int>(fd_g_debug_lvl).load(std::memory_order_relaxed)) return;
  char line[1024];
  std::vsnprintf(line, sizeof line, format, args);
  spdlog::level::level_enum to = spdlog::level::trace;
  // freeDiameter announces its normal shutdown at FATAL so that it always shows.
  bool shutdown_notice = std::strncmp(line, "Initiating freeDiameter shutdown", 32) == 0;
  if (shutdown_notice && !g_stop_requested.load()) {
    // One of its routing or dispatch threads met an error it treats as fatal ("An unrecoverable
    // error occurred, ... thread is terminating"): the core stops serving for good.
    g_core_lost = true;
    spdlog::critical("diameter: freeDiameter is shutting its core down on its own (see above); "
                     "this node no longer serves Diameter");
    to = spdlog::level::critical;
  } else if (shutdown_notice) {  // NOLINT(bugprone-branch-clone): info, like NOTICE, on purpose
    to = spdlog::level::info;
  } else if (level >= FD_LOG_ERROR && level < FD_LOG_FATAL && peer_closed_tls(line)) {
    // Its TLS receive thread reports a connection the peer closed (after DPR/DPA on every clean
    // stop of either side, or a peer that went away) as an ERROR: not an error of this node.
    log_limited(spdlog::level::info, "freediameter.peer_closed_tls",
                "freeDiameter: a peer closed its TLS connection ({})", line);
    return;
  } else if (level >= FD_LOG_FATAL) {
    to = spdlog::level::critical;
  } else if (level >= FD_LOG_ERROR) {
    to = spdlog::level::err;
  } else if (level >= FD_LOG_NOTICE) {
    to = spdlog::level::info;
  } else if (level >= FD_LOG_DEBUG) {
    to = spdlog::level::debug;
  }
  if (!shutdown_notice && (to == spdlog::level::err || to == spdlog::level::info) &&
      g_serving.load(std::memory_order_relaxed)) {
    const std::string_view kind =
        to == spdlog::level::err ? "freediameter.error" : "freediameter.notice";
    const std::string_view site = fd_call_site(line);
    if (site.empty()) {
      log_limited(to, kind, "freeDiameter: {}", line);
    } else {
      log_limited(to, LimiterKey(kind, site), "freeDiameter: {}", line);
    }
    return;
  }
  spdlog::log(to, "freeDiameter: {}", line);
}

sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

Status fd_failed(std::string_view what, int rc) {
  return fail(Code::kInternal,
              "freeDiameter " + std::string(what) + " failed (" + std::to_string(rc) +
                  "); the freeDiameter lines logged just before say why");
}

// freeDiameter drops loopback addresses given in ListenOn (fd_ep_add_merge filters them unless
// EP_ACCEPTALL) and then listens on every address. Adding the endpoint ourselves with
// EP_ACCEPTALL makes it bind exactly `address` and advertise it as Host-IP-Address.
Status bind_listen_address(const std::string& address) {
  addrinfo hints{};
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  addrinfo* ai = nullptr;
  if (getaddrinfo(address.c_str(), nullptr, &hints, &ai) != 0 || ai == nullptr) {
    return fail(Code::kInvalidArgument, "diameter: listen address " + address + " does not parse");
  }
  int rc = fd_ep_add_merge(&fd_g_config->cnf_endpoints, ai->ai_addr, ai->ai_addrlen,
                           EP_FL_CONF | EP_ACCEPTALL);
  freeaddrinfo(ai);
  if (rc != 0) return fd_failed("listen address " + address, rc);
  return {};
}

// HOOK_MESSAGE_SENT / HOOK_MESSAGE_RECEIVED → FdCore's tap, with secrets blanked.
void tap_hook(enum fd_hook_type type, struct msg* m, struct peer_hdr* peer, void*,
              struct fd_hook_permsgdata*, void* regdata) {
  if (m == nullptr || regdata == nullptr) return;
  const auto& tap = *static_cast<const FdCore::MessageTap*>(regdata);
  std::uint8_t* buffer = nullptr;
  std::size_t length = 0;
  if (fd_msg_bufferize(m, &buffer, &length) != 0 || buffer == nullptr) return;
  std::span<std::uint8_t> octets(buffer, length);
  blank_secret_avps(octets);
  std::string identity;
  if (peer != nullptr && peer->info.pi_diamid != nullptr) {
    identity.assign(peer->info.pi_diamid, peer->info.pi_diamidlen);
  }
  tap(ByteView(octets), type == HOOK_MESSAGE_SENT, identity);
  // The blanked copy holds no secret; freed as freeDiameter allocated it.
  std::free(buffer);
}

}  // namespace

FdCore::FdCore(DiameterConfig config)
    : config_(std::move(config)), authority_(std::make_unique<detail::PeerAuthority>(config_)) {}

void FdCore::set_log_level(int fd_log_level) {
  std::atomic_ref<int>(fd_g_debug_lvl)
      .store(std::clamp(fd_log_level, FD_LOG_ANNOYING, FD_LOG_FATAL), std::memory_order_relaxed);
}

Result<std::unique_ptr<FdCore>> FdCore::create(DiameterConfig config) {
  if (auto st = validate(config); !st) return std::unexpected(st.error());
  if (g_core_created.exchange(true)) {
    return fail(Code::kInternal,
                "diameter: freeDiameter allows one core per process and this process has one");
  }
  // Trap 6: freeDiameter's threads inherit this mask.
  sigset_t blocked = termination_signals();
  sigaddset(&blocked, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &blocked, nullptr);

  fd_log_handler_register(route_fd_log);
  // freeDiameter 1.2 writes on one TLS session from two threads when a link closes
  // (diameter/tls_session_guard.h); the guard serialises those writes.
  if (config.tls && !detail::tls_session_guard_active()) {
    spdlog::warn("diameter: GnuTLS calls of freeDiameter do not reach the TLS session guard; a TLS "
                 "link closing may crash this process (docs/daemons.md \"TLS close race\")");
  }
  set_log_level(config.fd_log_level);
  if (int rc = fd_core_initialize(); rc != 0) return std::unexpected(fd_failed("initialization", rc).error());
  set_log_level(config.fd_log_level);  // again: fd_core_initialize may set its own default

  std::unique_ptr<FdCore> core(new FdCore(std::move(config)));
  auto path = write_freediameter_conf(core->config_);
  if (!path) return std::unexpected(path.error());
  if (int rc = fd_core_parseconf(path->c_str()); rc != 0) {
    return std::unexpected(fd_failed("configuration " + path->string(), rc).error());
  }
  if (auto st = bind_listen_address(core->config_.listen_address); !st) {
    return std::unexpected(st.error());
  }
  auto dictionary = define_s6a_dictionary(fd_g_config->cnf_dict,
                                          DictionaryOptions{core->config_.kme_command_code});
  if (!dictionary) return std::unexpected(dictionary.error());
  core->dictionary_ = *dictionary;
  // TS 29.272 §7.1.8: advertised in CER/CEA as Vendor-Specific-Application-Id {10415, 16777251}.
  if (int rc = fd_disp_app_support(core->dictionary_.app_s6a, core->dictionary_.vendor_3gpp, 1, 0);
      rc != 0) {
    return std::unexpected(fd_failed("S6a application support", rc).error());
  }
  // First of the HOOK_MESSAGE_RECEIVED callbacks: before the tap reads the message.
  if (auto st = detail::install_receive_guard(); !st) return std::unexpected(st.error());
  if (auto st = detail::PeerAuthority::install(core->authority_.get()); !st) {
    return std::unexpected(st.error());
  }
  return core;
}

FdCore::~FdCore() {
  stop();
  if (tap_hook_ != nullptr) fd_hook_unregister(tap_hook_);
  detail::PeerAuthority::uninstall();
}

Status FdCore::set_message_tap(MessageTap tap) {
  std::unique_lock lock(state_mutex_);
  if (!tap) return fail(Code::kInvalidArgument, "diameter: the message tap is empty");
  if (started_) return fail(Code::kInternal, "diameter: set the message tap before start()");
  if (tap_hook_ != nullptr) return fail(Code::kInternal, "diameter: a message tap is set already");
  tap_ = std::move(tap);
  std::uint32_t mask = fd_hook_mask_helper(0, HOOK_MESSAGE_SENT, HOOK_MESSAGE_RECEIVED, -1);
  if (int rc = fd_hook_register(mask, tap_hook, &tap_, nullptr, &tap_hook_); rc != 0) {
    tap_hook_ = nullptr;
    tap_ = nullptr;
    return fd_failed("message tap hook", rc);
  }
  return {};
}

Status FdCore::start() {
  std::unique_lock lock(state_mutex_);
  if (started_) return fail(Code::kInternal, "diameter: the core was started already");
  started_ = true;
  if (int rc = fd_core_start(); rc != 0) return fd_failed("start", rc);
  if (int rc = fd_core_waitstartcomplete(); rc != 0) return fd_failed("start", rc);
  // freeDiameter listens in its server thread, after the above returned (listen_wait.h).
  if (config_.listen_port != 0 &&
      !detail::wait_until_listening(config_.listen_port, std::chrono::seconds(5))) {
    return fail(Code::kUnavailable, "diameter: freeDiameter did not listen on port " +
                                        std::to_string(config_.listen_port) + " within 5 s");
  }
  running_ = true;
  g_serving = true;
  spdlog::info("diameter: {} started ({} peer(s) configured)", config_.identity,
               config_.peers.size());
  return {};
}

void FdCore::stop() {
  {
    std::unique_lock lock(state_mutex_);
    if (stopped_ || !started_) {
      stopped_ = true;
      return;
    }
    stopped_ = true;
    running_ = false;
  }
  g_serving = false;  // the lines of the stop are few and all wanted
  // Not under the lock: freeDiameter's threads may be inside send_answer / send_request.
  // freeDiameter 1.2 aborts in fd_core_shutdown when its routing/dispatch threads are slow to
  // leave their queues (diameter/fd_quiesce.h): let them leave first.
  if (std::size_t live = detail::disconnect_peers(std::chrono::milliseconds(3000)); live > 0) {
    spdlog::warn("diameter: {} peer(s) still connected 3 s after DPR", live);
  }
  detail::QuiesceReport q =
      detail::quiesce_routing(std::chrono::milliseconds(1000), std::chrono::milliseconds(3000));
  if (q.applied && (!q.complete || !q.outgoing_flushed)) {
    spdlog::warn(
        "diameter: {} of {} routing/dispatch threads left in {} ms{}; freeDiameter's teardown "
        "may still abort",
        q.threads_before > q.threads_after ? q.threads_before - q.threads_after : 0, q.expected,
        q.took.count(), q.outgoing_flushed ? "" : " (answers were still queued)");
  } else if (q.applied) {
    spdlog::debug("diameter: routing/dispatch threads left in {} ms", q.took.count());
  }
  g_stop_requested = true;
  fd_core_shutdown();
  fd_core_wait_shutdown_complete();
  if (const auto tls = detail::tls_session_guard_stats(); tls.waited > 0) {
    spdlog::debug("diameter: {} TLS write(s) waited for another thread writing on their session "
                  "(diameter/tls_session_guard.h)", tls.waited);
  }
  spdlog::info("diameter: {} stopped", config_.identity);
}

bool FdCore::running() const {
  std::shared_lock lock(state_mutex_);
  return running_;
}

bool FdCore::core_lost() const { return g_core_lost.load(); }

bool FdCore::stopped() const {
  std::shared_lock lock(state_mutex_);
  return stopped_;
}

std::size_t FdCore::open_peers() const {
  std::size_t open = 0;
  for (const PeerConfig& p : config_.peers) {
    peer_hdr* hdr = nullptr;
    if (fd_peer_getbyid(const_cast<char*>(p.identity.c_str()), p.identity.size(), 1, &hdr) != 0 ||
        hdr == nullptr) {
      continue;
    }
    if (fd_peer_get_state(hdr) == STATE_OPEN && authority_->verified(p.identity)) ++open;
  }
  return open;
}

Status FdCore::wait_for_peers(std::size_t count, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (open_peers() < count) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail(Code::kUnavailable, "diameter: " + std::to_string(open_peers()) + " of " +
                                          std::to_string(count) + " peer(s) open after " +
                                          std::to_string(timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {};
}

bool FdCore::peer_verified(std::string_view identity) const {
  // The authority records a verified peer when its link opens and forgets it when a connection
  // attempt fails, but not on an orderly disconnect: ask freeDiameter whether the link is open.
  if (!authority_->verified(identity)) return false;
  std::string id(identity);
  peer_hdr* hdr = nullptr;
  return fd_peer_getbyid(id.data(), id.size(), 1, &hdr) == 0 && hdr != nullptr &&
         fd_peer_get_state(hdr) == STATE_OPEN;
}

LinkInfo FdCore::link_info(std::string_view peer_identity) const {
  LinkInfo info{std::string(peer_identity), false};
  // Recorded when the link opened; asked of freeDiameter only in the moment before that.
  if (std::optional<bool> tls = authority_->link_tls(peer_identity)) {
    info.confidential = *tls;
    return info;
  }
  std::string id(peer_identity);
  peer_hdr* hdr = nullptr;
  if (fd_peer_getbyid(id.data(), id.size(), 1, &hdr) == 0 && hdr != nullptr) {
    // "TCP,TLS,soc#6" for a TLS link, on links opened in either direction (the certificate list
    // is kept for incoming links only).
    char proto[64] = {};
    info.confidential = fd_peer_cnx_proto_info(hdr, proto, sizeof proto) == 0 &&
                        std::strstr(proto, "TLS") != nullptr;
  }
  return info;
}

PeerStats FdCore::peer_stats() const { return authority_->stats(); }
ReceiveGuardStats FdCore::receive_guard_stats() const { return detail::receive_guard_totals(); }

bool FdCore::send_answer(struct msg** message) {
  std::shared_lock lock(state_mutex_);
  if (!running_) return false;
  return fd_msg_send(message, nullptr, nullptr) == 0;
}

bool FdCore::send_request(struct msg** message, void (*answer_cb)(void*, struct msg**), void* data,
                          void (*expire_cb)(void*, char*, std::size_t, struct msg**),
                          std::chrono::steady_clock::time_point deadline) {
  // freeDiameter's request timeouts are absolute CLOCK_REALTIME times.
  auto left = deadline - std::chrono::steady_clock::now();
  if (left < std::chrono::nanoseconds(0)) left = std::chrono::nanoseconds(0);
  timespec when{};
  clock_gettime(CLOCK_REALTIME, &when);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count() + when.tv_nsec;
  when.tv_sec += static_cast<time_t>(ns / 1'000'000'000);
  when.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  std::shared_lock lock(state_mutex_);
  if (!running_) return false;
  return fd_msg_send_timeout(message, answer_cb, data, expire_cb, &when) == 0;
}

int FdCore::wait_for_termination_signal(std::optional<std::chrono::milliseconds> timeout) {
  sigset_t set = termination_signals();
  if (!timeout) {
    int sig = 0;
    return sigwait(&set, &sig) == 0 ? sig : 0;
  }
  auto ms = timeout->count();
  timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1'000'000)};
  int sig = sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

}  // namespace kmebind::diameter
