#include "diameter/fd_quiesce.h"

#include <pthread.h>

#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>

#include "diameter/fd_include.h"

// freeDiameter 1.2 internals, exported by libfdcore.so.6 but absent from its public headers
// (fdcore-internal.h): the stop order of the routing/dispatch threads and the outgoing queue.
extern "C" {
int fd_rtdisp_cleanstop(void);
int fd_psm_terminate(struct peer_hdr* peer, char* reason);  // takes struct fd_peer*: peer_hdr first
extern struct fifo* fd_g_outgoing;
}

namespace kmebind::diameter::detail {
namespace {

using Clock = std::chrono::steady_clock;

// freeDiameter 1.2 runs one routing-in and one routing-out thread next to AppServThreads
// dispatch threads, all in the same loop that obeys fd_rtdisp_cleanstop.
constexpr std::size_t kRoutingThreads = 2;

std::size_t thread_count() {
  std::error_code ec;
  std::size_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/task", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace

std::size_t disconnect_peers(std::chrono::milliseconds limit) {
  if (std::strncmp(fd_core_version, "1.2.", 4) != 0) return 0;
  static char reason[] = "REBOOTING";  // RFC 6733 §5.4.3 Disconnect-Cause REBOOTING
  pthread_rwlock_rdlock(&fd_g_peers_rw);
  for (fd_list* li = fd_g_peers.next; li != &fd_g_peers; li = li->next) {
    auto* peer = static_cast<peer_hdr*>(li->o);
    if (fd_peer_get_state(peer) != STATE_ZOMBIE) fd_psm_terminate(peer, reason);
  }
  pthread_rwlock_unlock(&fd_g_peers_rw);
  const auto deadline = Clock::now() + limit;
  for (;;) {
    std::size_t live = 0;
    pthread_rwlock_rdlock(&fd_g_peers_rw);
    for (fd_list* li = fd_g_peers.next; li != &fd_g_peers; li = li->next) {
      if (fd_peer_get_state(static_cast<peer_hdr*>(li->o)) != STATE_ZOMBIE) ++live;
    }
    pthread_rwlock_unlock(&fd_g_peers_rw);
    if (live == 0 || Clock::now() >= deadline) return live;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

QuiesceReport quiesce_routing(std::chrono::milliseconds flush_limit,
                              std::chrono::milliseconds leave_limit) {
  QuiesceReport report;
  if (std::strncmp(fd_core_version, "1.2.", 4) != 0 || fd_g_config == nullptr) return report;
  report.applied = true;
  const auto start = Clock::now();
  // Answers already handed to fd_msg_send wait here for the routing-out thread.
  const auto flush_deadline = start + flush_limit;
  while (fd_g_outgoing != nullptr && fd_fifo_length(fd_g_outgoing) > 0 &&
         Clock::now() < flush_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  report.outgoing_flushed = fd_g_outgoing == nullptr || fd_fifo_length(fd_g_outgoing) == 0;
  report.expected = kRoutingThreads + fd_g_config->cnf_dispthr;
  report.threads_before = thread_count();
  fd_rtdisp_cleanstop();
  // Each thread leaves after its current message or when its 1-second wait times out.
  const auto leave_deadline = Clock::now() + leave_limit;
  for (;;) {
    report.threads_after = thread_count();
    report.complete = report.threads_after + report.expected <= report.threads_before;
    if (report.complete || Clock::now() >= leave_deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return report;
}

}  // namespace kmebind::diameter::detail
