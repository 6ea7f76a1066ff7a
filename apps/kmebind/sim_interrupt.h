// SIGINT/SIGTERM for `kmebind sim` and `kmebind demo`: instead of dying mid-run (daemons left to
// their death signal, devices' new KMEs not saved, a working directory left in /tmp), the run
// ends early and cleans up. The two signals are blocked in the calling thread — and so in every
// thread it creates afterwards — and taken by a watcher thread that sets interrupted().
// REQUIRES: constructed on the main thread before any other thread exists. Child processes
// unblock them before exec (demo_process.cpp).
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace kmebind::app {

class InterruptWatcher {
 public:
  // `who` names the command in the one line printed on stderr when a signal arrives.
  explicit InterruptWatcher(std::string who);
  // Stops the watcher (within 200 ms). The signals stay blocked: the process is ending.
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  const std::atomic<bool>& interrupted() const { return interrupted_; }

 private:
  std::string who_;
  std::atomic<bool> interrupted_{false};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace kmebind::app
