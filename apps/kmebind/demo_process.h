// A daemon the demo runs as a child process (docs/demo.md §5): `kmebind hss|cnn --config F`
// started from this same executable, with stdout and stderr in files of the working directory.
// Started means: its "kmebind <role> ready: ..." line appeared on stdout. The child gets
// SIGTERM if this process dies first (PR_SET_PDEATHSIG), so a killed demo leaves no daemon
// behind; the destructor stops a child that is still running (SIGTERM, then SIGKILL).
//
// Thread safety: one owner thread. REQUIRES: start() is called from the thread that lives as
// long as the child should (the death signal follows the thread that forked).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace kmebind::app {

class ChildProcess {
 public:
  ChildProcess(std::string role, std::filesystem::path config, std::filesystem::path out_file,
               std::filesystem::path err_file, std::filesystem::path log_file);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts `<this executable> <role> --config <config>` and waits up to `timeout` for its ready
  // line, which it returns. kUnavailable when the child exits or stays silent, with its exit
  // status and the last lines of its stderr and log in the message.
  Result<std::string> start(std::chrono::milliseconds timeout);

  // SIGTERM, then waits up to `timeout` for the exit (SIGKILL after it). Returns the exit code
  // (128 + signal when killed by one); nullopt when the child was not running.
  std::optional<int> stop(std::chrono::milliseconds timeout);
  // SIGKILL and reap (a crash, for tests).
  void kill_now();

  bool running();
  pid_t pid() const { return pid_; }
  const std::string& role() const { return role_; }
  // The last `lines` lines of the child's stderr and log file, for error messages.
  std::string last_lines(std::size_t lines) const;

 private:
  std::string role_;
  std::filesystem::path config_;
  std::filesystem::path out_file_;
  std::filesystem::path err_file_;
  std::filesystem::path log_file_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

}  // namespace kmebind::app
