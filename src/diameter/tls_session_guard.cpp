#include "diameter/tls_session_guard.h"

#include <dlfcn.h>
#include <gnutls/gnutls.h>
#include <time.h>

#include <atomic>
#include <bit>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace kmebind::diameter::detail {
namespace {

using SendFn = ssize_t (*)(gnutls_session_t, const void*, size_t);
using ByeFn = int (*)(gnutls_session_t, gnutls_close_request_t);
using DeinitFn = void (*)(gnutls_session_t);

// GnuTLS's own definition: the next one after this executable in the lookup order.
template <class Fn>
Fn gnutls_definition(const char* name) {
  return std::bit_cast<Fn>(dlsym(RTLD_NEXT, name));
}

SendFn gnutls_send() {
  static const SendFn fn = gnutls_definition<SendFn>("gnutls_record_send");
  return fn;
}
ByeFn gnutls_bye_fn() {
  static const ByeFn fn = gnutls_definition<ByeFn>("gnutls_bye");
  return fn;
}
DeinitFn gnutls_deinit_fn() {
  static const DeinitFn fn = gnutls_definition<DeinitFn>("gnutls_deinit");
  return fn;
}

// One mutex per live session. A thread waiting for a mutex holds a reference, so forgetting the
// session (gnutls_deinit) never frees a mutex in use.
class SessionLocks {
 public:
  std::shared_ptr<std::mutex> of(gnutls_session_t session) {
    std::lock_guard lock(mutex_);
    auto& entry = locks_[session];
    if (!entry) entry = std::make_shared<std::mutex>();
    return entry;
  }
  void forget(gnutls_session_t session) {
    std::lock_guard lock(mutex_);
    locks_.erase(session);
  }

 private:
  std::mutex mutex_;
  std::unordered_map<gnutls_session_t, std::shared_ptr<std::mutex>> locks_;
};

// Never destroyed: freeDiameter's threads may still close sessions while the process exits.
SessionLocks& session_locks() {
  static auto* locks = new SessionLocks();
  return *locks;
}

std::atomic<std::uint64_t> g_sends{0};
std::atomic<std::uint64_t> g_byes{0};
std::atomic<std::uint64_t> g_waited{0};

// Runs `call` holding the session's mutex. Not noexcept: a cancelled thread unwinds through here
// and the lock is released on the way. The wait polls instead of blocking in lock(): waiting for a
// std::mutex is not a cancellation point, and freeDiameter stops a peer's threads by cancelling
// and joining them (fd_thr_term); a thread queued behind a writev that does not end (a peer that
// stopped reading) would otherwise make the stop hang. nanosleep is a cancellation point.
template <class Call>
auto serialized(gnutls_session_t session, Call call) {
  const std::shared_ptr<std::mutex> mutex = session_locks().of(session);
  std::unique_lock lock(*mutex, std::try_to_lock);
  if (!lock.owns_lock()) {
    g_waited.fetch_add(1, std::memory_order_relaxed);
    // ::nanosleep directly, not std::this_thread::sleep_for: a cancellation then unwinds from libc
    // straight into this frame (ASan reports a false stack-buffer-overflow when it unwinds
    // through an instrumented frame of ours that it had to skip).
    const timespec pause{0, 200'000};
    while (!lock.try_lock()) ::nanosleep(&pause, nullptr);
  }
  return call();
}

}  // namespace

void with_session_lock(const void* session, const std::function<void()>& call) {
  // gnutls_session_t is a pointer to an opaque struct: any distinct address names a session here.
  serialized(static_cast<gnutls_session_t>(const_cast<void*>(session)), call);
}

bool tls_session_guard_active() {
  // The global lookup order libfdcore's references follow. They are versioned (GNUTLS_3_4) and
  // bind to the executable's unversioned definitions all the same (glibc accepts a base
  // definition for a non-hidden version reference); dlvsym would not, it asks for a hidden one.
  // tests/diameter/tls_session_guard_test.cpp counts freeDiameter's calls arriving here.
  const auto resolves_here = [](const char* name, void* ours) {
    return dlsym(RTLD_DEFAULT, name) == ours;
  };
  return resolves_here("gnutls_record_send", std::bit_cast<void*>(&gnutls_record_send)) &&
         resolves_here("gnutls_bye", std::bit_cast<void*>(&gnutls_bye)) &&
         resolves_here("gnutls_deinit", std::bit_cast<void*>(&gnutls_deinit)) &&
         gnutls_send() != nullptr && gnutls_bye_fn() != nullptr && gnutls_deinit_fn() != nullptr;
}

TlsGuardStats tls_session_guard_stats() {
  return TlsGuardStats{g_sends.load(std::memory_order_relaxed),
                       g_byes.load(std::memory_order_relaxed),
                       g_waited.load(std::memory_order_relaxed)};
}

}  // namespace kmebind::diameter::detail

// The interposed GnuTLS entry points (tls_session_guard.h). Same signatures as <gnutls/gnutls.h>.
extern "C" {

ssize_t gnutls_record_send(gnutls_session_t session, const void* data, size_t data_size) {
  using namespace kmebind::diameter::detail;
  g_sends.fetch_add(1, std::memory_order_relaxed);
  const SendFn send = gnutls_send();
  if (send == nullptr) return GNUTLS_E_INTERNAL_ERROR;
  return serialized(session, [&] { return send(session, data, data_size); });
}

int gnutls_bye(gnutls_session_t session, gnutls_close_request_t how) {
  using namespace kmebind::diameter::detail;
  g_byes.fetch_add(1, std::memory_order_relaxed);
  const ByeFn bye = gnutls_bye_fn();
  if (bye == nullptr) return GNUTLS_E_INTERNAL_ERROR;
  return serialized(session, [&] { return bye(session, how); });
}

void gnutls_deinit(gnutls_session_t session) {
  using namespace kmebind::diameter::detail;
  // Under the session's lock: a write still running on another thread finishes first (freeDiameter
  // joins the session's receiver before it deinits, so none should be).
  if (const DeinitFn deinit = gnutls_deinit_fn(); deinit != nullptr) {
    serialized(session, [&] { deinit(session); });
  }
  session_locks().forget(session);
}

}  // extern "C"
