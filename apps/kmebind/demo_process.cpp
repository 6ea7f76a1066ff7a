#include "demo_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace kmebind::app {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string tail(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (std::size_t n = 0; n < lines && pos > 0; ++n) {
    const std::size_t nl = text.rfind('\n', pos - 1);
    pos = nl == std::string::npos ? 0 : nl;
  }
  std::string out = text.substr(pos == 0 ? 0 : pos + 1);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ChildProcess::ChildProcess(std::string role, fs::path config, fs::path out_file, fs::path err_file,
                           fs::path log_file)
    : role_(std::move(role)),
      config_(std::move(config)),
      out_file_(std::move(out_file)),
      err_file_(std::move(err_file)),
      log_file_(std::move(log_file)) {}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_code_) stop(std::chrono::seconds(10));
}

std::string ChildProcess::last_lines(std::size_t lines) const {
  std::string out;
  const std::string err = tail(read_all(err_file_), lines);
  if (!err.empty()) out += "\n  " + role_ + " stderr:\n" + err;
  const std::string log = tail(read_all(log_file_), lines);
  if (!log.empty()) out += "\n  " + role_ + " log (" + log_file_.string() + "):\n" + log;
  return out;
}

Result<std::string> ChildProcess::start(std::chrono::milliseconds timeout) {
  if (pid_ > 0 && !exit_code_) return fail(Code::kAlreadyExists, role_ + " is running already");
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return fail(Code::kIo, std::string("cannot find this executable: ") + std::strerror(errno));
  exe[n] = '\0';
  // Everything the child needs is made before fork(): after it only async-signal-safe calls.
  std::string arg_role = role_, arg_flag = "--config", arg_config = config_.string();
  char* const argv[] = {exe, arg_role.data(), arg_flag.data(), arg_config.data(), nullptr};
  const int out = ::open(out_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  const int err = ::open(err_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || err < 0 || in < 0) {
    const int e = errno;
    for (int fd : {out, err, in}) {
      if (fd >= 0) ::close(fd);
    }
    return fail(Code::kIo, "cannot create the output files of " + role_ + ": " + std::strerror(e));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(126);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execv(exe, argv);
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(out);
  ::close(err);
  ::close(in);
  if (pid < 0) return fail(Code::kIo, "cannot start " + role_ + ": " + std::strerror(fork_errno));
  pid_ = pid;
  exit_code_.reset();

  const std::string ready = "kmebind " + role_ + " ready:";
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const std::string text = read_all(out_file_);
    if (const std::size_t at = text.find(ready); at != std::string::npos) {
      const std::size_t end = text.find('\n', at);
      if (end != std::string::npos) return text.substr(at, end - at);
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = exit_code_of(status);
      return fail(Code::kUnavailable, "kmebind " + role_ + " exited with code " +
                                          std::to_string(*exit_code_) + " before it was ready" +
                                          last_lines(8));
    }
    if (Clock::now() >= deadline) {
      stop(std::chrono::seconds(5));
      return fail(Code::kUnavailable, "kmebind " + role_ + " was not ready within " +
                                          std::to_string(timeout.count() / 1000) + " s" +
                                          last_lines(8));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool ChildProcess::running() {
  if (pid_ <= 0 || exit_code_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_code_ = exit_code_of(status);
    return false;
  }
  return true;
}

std::optional<int> ChildProcess::stop(std::chrono::milliseconds timeout) {
  if (!running()) return exit_code_;
  ::kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  while (Clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = exit_code_of(status);
      return exit_code_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  if (::waitpid(pid_, &status, 0) == pid_) exit_code_ = exit_code_of(status);
  return exit_code_;
}

void ChildProcess::kill_now() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  if (::waitpid(pid_, &status, 0) == pid_) exit_code_ = exit_code_of(status);
}

}  // namespace kmebind::app
