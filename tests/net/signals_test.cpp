// Control signals (docs/operations.md §6), in a child process so the test runner's own signal
// mask is untouched: SIGHUP reloads, SIGTERM and SIGINT stop, each taken by sigwait in the main
// thread even while another thread runs; a timed wait returns nothing when no signal comes.
#include "net/signals.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <thread>

namespace kmebind::net {
namespace {

// The child: blocks the signals, starts a worker thread, then acts like a daemon's main loop,
// writing 'R' per reload to `out`, and exits with 10 + the stop signal's number.
[[noreturn]] void daemon_child(int out) {
  if (!block_control_signals()) _exit(1);
  std::atomic<bool> done{false};
  std::thread worker([&] {
    while (!done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  if (::write(out, "S", 1) != 1) _exit(2);  // started
  for (;;) {
    auto sig = wait_control_signal();
    if (!sig) _exit(3);
    if (sig->action == ControlAction::kReload) {
      if (sig->number != SIGHUP || ::write(out, "R", 1) != 1) _exit(4);
      continue;
    }
    done = true;
    worker.join();
    _exit(10 + sig->number);
  }
}

char read_byte(int fd) {
  char c = 0;
  return ::read(fd, &c, 1) == 1 ? c : '?';
}

int run_daemon(int stop_signal, int reloads) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    ::close(fds[0]);
    daemon_child(fds[1]);
  }
  ::close(fds[1]);
  EXPECT_EQ(read_byte(fds[0]), 'S');
  for (int i = 0; i < reloads; ++i) {
    ::kill(pid, SIGHUP);
    EXPECT_EQ(read_byte(fds[0]), 'R') << "reload " << i;  // acknowledged before the next one
  }
  ::kill(pid, stop_signal);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  if (!WIFEXITED(status)) return -100 - (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return WEXITSTATUS(status);
}

TEST(ControlSignals, HupReloadsAndTermStopsTheMainLoop) {
  EXPECT_EQ(run_daemon(SIGTERM, 3), 10 + SIGTERM);
}

TEST(ControlSignals, IntStopsToo) {
  EXPECT_EQ(run_daemon(SIGINT, 0), 10 + SIGINT);
}

TEST(ControlSignals, TimedWaitReturnsNothingWithoutASignalAndTheSignalWhenOneIsPending) {
  sigset_t saved;
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, nullptr, &saved), 0);
  ASSERT_TRUE(block_control_signals());
  const auto start = std::chrono::steady_clock::now();
  auto none = wait_control_signal_for(std::chrono::milliseconds(30));
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(25));
  ASSERT_EQ(pthread_kill(pthread_self(), SIGHUP), 0);  // pending on this thread only
  auto hup = wait_control_signal_for(std::chrono::seconds(5));
  ASSERT_TRUE(hup && hup->has_value());
  EXPECT_EQ((*hup)->action, ControlAction::kReload);
  EXPECT_EQ(signal_name((*hup)->number), "SIGHUP");
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, &saved, nullptr), 0);
}

}  // namespace
}  // namespace kmebind::net
