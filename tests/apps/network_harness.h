// Test support for the network tests (tests/apps/network_*_test.cpp): runs the built kmebind
// binary (KMEBIND_BINARY) as real processes on 127.0.0.1 in a temporary directory. Every child is
// started with PR_SET_PDEATHSIG(SIGKILL) and killed and reaped when its owner goes out of scope,
// so a failed or crashed test leaves no daemon behind.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_ports.h"

namespace kmebind::test {

namespace fs = std::filesystem;

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::trunc);
  out << text;
}

inline bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// Replaces the first occurrence of `from` (which must be there) in the file.
inline ::testing::AssertionResult replace_in_file(const fs::path& p, const std::string& from,
                                                  const std::string& to) {
  std::string text = slurp(p);
  const std::size_t at = text.find(from);
  if (at == std::string::npos)
    return ::testing::AssertionFailure() << p << " has no '" << from << "'";
  text.replace(at, from.size(), to);
  write_file(p, text);
  return ::testing::AssertionSuccess();
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("kmebind-net-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    if (std::getenv("KMEBIND_KEEP_TEST_DIRS") == nullptr) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// One kmebind process: stdout and stderr go to files next to each other.
class Process {
 public:
  Process(std::vector<std::string> args, fs::path out, fs::path err,
          std::vector<std::string> env = {})
      : out_(std::move(out)), err_(std::move(err)) {
    std::vector<std::string> argv_s{KMEBIND_BINARY};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());  // first: getenv() takes the first match
    for (char** v = environ; *v != nullptr; ++v) envp.push_back(*v);
    envp.push_back(nullptr);
    const int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
      ::dup2(in, 0);
      ::dup2(o, 1);
      ::dup2(e, 2);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(o);
    ::close(e);
    ::close(in);
  }
  ~Process() { kill(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Waits until stdout holds a line starting with `prefix` (returned), or the process exits or
  // `timeout` passes (nullopt).
  std::optional<std::string> wait_for_stdout(const std::string& prefix,
                                             std::chrono::seconds timeout) {
    return wait_for_line(out_, prefix, timeout);
  }
  std::optional<std::string> wait_for_stderr(const std::string& prefix,
                                             std::chrono::seconds timeout) {
    return wait_for_line(err_, prefix, timeout);
  }

  // Waits for the exit; returns the exit code (128 + signal), or nullopt on timeout (then kills).
  std::optional<int> wait(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (reap(WNOHANG)) return code_;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill();
    return std::nullopt;
  }
  void signal(int sig) {
    if (!code_) ::kill(pid_, sig);
  }
  void kill() {
    if (pid_ <= 0 || code_) return;
    ::kill(pid_, SIGKILL);
    reap(0);
  }
  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }

 private:
  bool reap(int flags) {
    if (code_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, flags) != pid_) return false;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
  }
  std::optional<std::string> wait_for_line(const fs::path& file, const std::string& prefix,
                                           std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const std::string text = slurp(file);
      std::size_t at = 0;
      while ((at = text.find(prefix, at)) != std::string::npos) {
        if (at == 0 || text[at - 1] == '\n') {
          const std::size_t end = text.find('\n', at);
          if (end != std::string::npos) return text.substr(at, end - at);
        }
        ++at;
      }
      if (reap(WNOHANG) || std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  fs::path out_;
  fs::path err_;
  pid_t pid_ = -1;
  std::optional<int> code_;
};

// Runs kmebind to completion (at most `timeout`).
struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};
inline CliResult run_kmebind(const fs::path& dir, const std::string& name,
                             std::vector<std::string> args,
                             std::chrono::seconds timeout = std::chrono::seconds(90),
                             std::vector<std::string> env = {}) {
  Process p(std::move(args), dir / (name + ".out"), dir / (name + ".err"), std::move(env));
  CliResult r;
  r.code = p.wait(timeout).value_or(-1);
  r.out = p.out();
  r.err = p.err();
  return r;
}

// `--diameter-port P --nas-port Q` for `kmebind demo`, on two ports reserved for this test
// process (test_ports.h): the demo's own choice would be ephemeral ports, which an outgoing
// connection of a test running beside this one can take before the daemons bind them.
inline std::vector<std::string> demo_port_args() {
  return {"--diameter-port", std::to_string(free_loopback_port()), "--nas-port",
          std::to_string(free_loopback_port())};
}

// `kmebind demo ARGS PORTS`, with PORTS from demo_port_args().
inline std::vector<std::string> demo_args(std::vector<std::string> args) {
  args.insert(args.begin(), "demo");
  for (auto& a : demo_port_args()) args.push_back(std::move(a));
  return args;
}

// A working directory from `kmebind demo --prepare` (certificates, store, devices, configs), its
// daemons on ports reserved for this test process.
inline ::testing::AssertionResult prepare_demo_dir(const fs::path& dir, std::size_t ues,
                                                   std::size_t violations) {
  CliResult r =
      run_kmebind(dir.parent_path(), dir.filename().string() + "-prepare",
                  demo_args({"--prepare", "--dir", dir.string(), "--ues", std::to_string(ues),
                             "--violations", std::to_string(violations), "--log-level", "debug"}));
  if (r.code != 0)
    return ::testing::AssertionFailure() << "demo --prepare: " << r.code << "\n" << r.out << r.err;
  return ::testing::AssertionSuccess();
}

// `kmebind hss|cnn --config <dir>/<role>.yaml` until its ready line.
inline std::unique_ptr<Process> start_daemon(const fs::path& dir, const std::string& role,
                                             std::string* ready, const std::string& tag = "") {
  auto p = std::make_unique<Process>(
      std::vector<std::string>{role, "--config", (dir / (role + ".yaml")).string()},
      dir / (role + tag + ".out"), dir / (role + tag + ".err"));
  auto line = p->wait_for_stdout("kmebind " + role + " ready:", std::chrono::seconds(25));
  if (!line) {
    ADD_FAILURE() << role << " not ready:\n" << p->err() << "\n" << slurp(dir / (role + ".log"));
    return nullptr;
  }
  if (ready != nullptr) *ready = *line;
  return p;
}

inline std::optional<nlohmann::json> parse_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// The JSON lines of a `kmebind sim --outcomes` file.
inline std::vector<nlohmann::json> read_outcomes(const fs::path& file) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(slurp(file));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

inline bool have_program(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace kmebind::test
