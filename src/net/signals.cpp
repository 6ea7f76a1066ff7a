#include "net/signals.h"

#include <pthread.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

namespace kmebind::net {
namespace {

sigset_t control_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

ControlSignal classify(int number) {
  return {number, number == SIGHUP ? ControlAction::kReload : ControlAction::kStop};
}

}  // namespace

Status block_control_signals() {
  const sigset_t set = control_set();
  if (const int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
    return fail(Code::kInternal, std::string("pthread_sigmask: ") + std::strerror(rc));
  }
  return {};
}

Result<ControlSignal> wait_control_signal() {
  const sigset_t set = control_set();
  int number = 0;
  if (const int rc = sigwait(&set, &number); rc != 0) {
    return fail(Code::kInternal, std::string("sigwait: ") + std::strerror(rc));
  }
  return classify(number);
}

Result<std::optional<ControlSignal>> wait_control_signal_for(std::chrono::milliseconds timeout) {
  const sigset_t set = control_set();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  for (;;) {
    const int number = sigtimedwait(&set, nullptr, &ts);
    if (number > 0) return std::optional<ControlSignal>(classify(number));
    if (errno == EAGAIN) return std::optional<ControlSignal>();
    if (errno == EINTR) continue;  // another signal's handler ran; the wait restarts
    return fail(Code::kInternal, std::string("sigtimedwait: ") + std::strerror(errno));
  }
}

std::string_view signal_name(int number) {
  switch (number) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "another signal";
  }
}

}  // namespace kmebind::net
