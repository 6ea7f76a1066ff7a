// Test support: freeDiameter allows one core per process and no restart (trap 5), so every test
// that needs freeDiameter runs its body in a forked child. The test process itself never
// initializes freeDiameter, so every child starts clean.
//
// A child runs its body, then exits 0 if no GoogleTest assertion failed in it (failures are
// printed by the child as they happen), 1 otherwise, 2 on an exception, kChildSkipped (77) if the
// body skipped the test (GTEST_SKIP; in_child then skips the test in the parent too, so that a
// skip is not reported as a pass). A watchdog alarm kills
// a stuck child; Child's destructor SIGKILLs and reaps a child still running, so a failing test
// leaves no process behind.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

#include "test_ports.h"

namespace kmebind::diameter::testing {

using kmebind::test::free_loopback_port;

// The exit code of a child whose body called GTEST_SKIP (77: "skipped", as in Automake's tests).
inline constexpr int kChildSkipped = 77;

class Child {
 public:
  // Forks and runs `body` in the child; `watchdog_s` bounds the child's life.
  static Child spawn(const std::function<void()>& body, unsigned watchdog_s = 30) {
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
      alarm(watchdog_s);
      int code = 0;
      try {
        body();
        code = ::testing::Test::HasFailure() ? 1 : ::testing::Test::IsSkipped() ? kChildSkipped : 0;
      } catch (...) {
        std::fprintf(stderr, "child: uncaught exception\n");
        code = 2;
      }
      std::fflush(stdout);
      std::fflush(stderr);
      _exit(code);
    }
    return Child(pid);
  }

  Child(Child&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  Child& operator=(Child&&) = delete;
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // The child's exit code; -1 if it was killed by a signal or did not exit within `timeout`
  // (it is then killed).
  int wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  void signal(int sig) {
    if (pid_ > 0) kill(pid_, sig);
  }
  pid_t pid() const { return pid_; }

 private:
  explicit Child(pid_t pid) : pid_(pid) {}
  pid_t pid_;
};

// Runs `body` in a child and returns its exit code (0 = passed).
inline int run_in_child(const std::function<void()>& body, unsigned watchdog_s = 20) {
  Child child = Child::spawn(body, watchdog_s);
  return child.wait(std::chrono::seconds(watchdog_s + 5));
}

// Runs `body` in a child and expects it to pass (its own output names any failed assertion);
// a body that skipped skips the test.
inline void in_child(const std::function<void()>& body, unsigned watchdog_s = 20) {
  int exit_code = run_in_child(body, watchdog_s);
  if (exit_code == kChildSkipped) GTEST_SKIP() << "skipped in the child (see its output above)";
  EXPECT_EQ(exit_code, 0) << "the child process running this test failed (see its output above)";
}

// A one-shot "ready" signal from a child to the parent.
class ReadyPipe {
 public:
  ReadyPipe() {
    if (pipe(fds_) != 0) fds_[0] = fds_[1] = -1;
  }
  ~ReadyPipe() {
    for (int fd : fds_) {
      if (fd >= 0) close(fd);
    }
  }
  ReadyPipe(const ReadyPipe&) = delete;
  ReadyPipe& operator=(const ReadyPipe&) = delete;

  void notify(char c = 'R') {
    ssize_t n = write(fds_[1], &c, 1);
    (void)n;
  }
  // The byte sent, or 0 after `timeout`.
  char wait(std::chrono::milliseconds timeout) {
    pollfd p{fds_[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return 0;
    char c = 0;
    return read(fds_[0], &c, 1) == 1 ? c : 0;
  }

 private:
  int fds_[2];
};

}  // namespace kmebind::diameter::testing
