#include "sim_interrupt.h"

#include <signal.h>

#include <cstdio>
#include <ctime>

namespace kmebind::app {

InterruptWatcher::InterruptWatcher(std::string who) : who_(std::move(who)) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this, set] {
    const timespec tick{0, 200'000'000};
    while (!done_.load()) {
      if (sigtimedwait(&set, nullptr, &tick) > 0 && !interrupted_.exchange(true)) {
        std::fprintf(stderr, "kmebind %s: interrupted, stopping\n", who_.c_str());
      }
    }
  });
}

InterruptWatcher::~InterruptWatcher() {
  done_.store(true);
  thread_.join();
}

}  // namespace kmebind::app
