// One thread at a time per TLS session in the GnuTLS calls that write (docs/daemons.md "Orderly
// stop", "TLS close race").
//
// Why: freeDiameter 1.2.1 (libfdcore.so.6, Debian 12) lets two threads write on one GnuTLS session.
// Its per-connection receiver thread answers the peer's close_notify with
// gnutls_bye(GNUTLS_SHUT_RDWR) (cnxctx.c fd_tls_recv_handle_error, when gnutls_record_recv returns
// 0), while the peer's state-machine (PSM) thread may be writing on the same session: the DPA
// (p_dp.c fd_p_dp_handle → fd_out_send → gnutls_record_send) or its own close_notify
// (p_psm.c fd_psm_cleanup → p_ce.c fd_p_ce_clear_cnx → cnxctx.c fd_cnx_destroy →
// gnutls_bye(GNUTLS_SHUT_WR), skipped only when the receiver has already flagged an error, which
// it does after its own gnutls_bye). GnuTLS allows one thread receiving while another sends, not
// two sending: both flush the session's pending record buffer, one frees it while the other is in
// writev (ASan: heap-use-after-free in the PSM thread; without ASan glibc "double free or
// corruption", exit 134, or a stop that hangs). Both ends of a DPR/DPA exchange tear the
// connection down at once (the DPR's receiver right after sending the DPA, its sender on
// receiving it), so every Diameter disconnect over TLS risks it.
//
// What: tls_session_guard.cpp defines gnutls_record_send, gnutls_bye and gnutls_deinit. An
// executable that links a shared library exports the symbols that library references, and the
// dynamic linker resolves libfdcore's references (gnutls_bye@GNUTLS_3_4, ...) to the executable's
// definitions before libgnutls's (ELF symbol interposition), so every such call freeDiameter makes
// comes here. Each takes its session's mutex and calls the GnuTLS function (dlsym RTLD_NEXT);
// gnutls_deinit forgets the session. gnutls_record_recv is not serialised (one receiver is
// allowed next to one sender). A thread cancelled inside a call (freeDiameter cancels receiver and
// sender threads) releases the mutex while unwinding. Nothing in freeDiameter's memory is touched:
// the guard holds for any freeDiameter version that calls these GnuTLS functions. No call
// re-enters the guard while it holds a mutex: libgnutls.so.30 (3.7.9) calls its exported
// gnutls_record_send itself only from gnutls_record_uncork, gnutls_record_send_file and the
// handshake's 0-RTT data (objdump -R: its one relocation of the three names), which freeDiameter
// does not use and which run outside the guard.
#pragma once

#include <cstdint>
#include <functional>

namespace kmebind::diameter::detail {

struct TlsGuardStats {
  std::uint64_t sends = 0;   // gnutls_record_send calls that went through the guard
  std::uint64_t byes = 0;    // gnutls_bye calls
  std::uint64_t waited = 0;  // calls that found another thread writing on the same session
};

// Whether libfdcore's calls reach the guard: the process-wide lookup of gnutls_bye,
// gnutls_record_send and gnutls_deinit finds the definitions of tls_session_guard.cpp, and
// GnuTLS's own functions were found behind them.
bool tls_session_guard_active();

// Counters since the process started (all threads).
TlsGuardStats tls_session_guard_stats();

// Runs `call` holding the guard's lock of `session` (any address stands for one session), as the
// interposed functions run GnuTLS's. A thread waiting here can be cancelled (pthread_cancel), as it
// could inside GnuTLS's writev. For tests.
void with_session_lock(const void* session, const std::function<void()>& call);

}  // namespace kmebind::diameter::detail
