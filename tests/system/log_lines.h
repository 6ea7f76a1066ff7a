// Reading a daemon's log for the rate limit on lines triggered by remote input
// (common/log_limiter.h, docs/operations.md §4): the lines of a kind, and every event of a kind
// accounted for as a line written or a count of suppressed ones.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace kmebind::test {

// Sets an environment variable (e.g. KMEBIND_LOG_LIMIT) for the processes started while it lives.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

// Lines of `log` that contain `needle`.
inline std::vector<std::string> lines_with(const std::string& log, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) out.push_back(line);
  }
  return out;
}

// Every event of one limiter key accounted for in `log`: the lines logged (those containing
// `line_text`), the counts their "(K similar lines suppressed …)" suffixes carry, and the counts
// of the "log: K lines of kind '<key>' suppressed" lines the daemon writes when a window closed.
inline std::uint64_t events_in_log(const std::string& log, const std::string& line_text,
                                   const std::string& key) {
  static const std::regex suffix(R"(\((\d+) similar lines? suppressed in the last \d+ s\))");
  static const std::regex drained(R"(log: (\d+) lines? of kind '([^']*)' suppressed)");
  std::uint64_t events = 0;
  for (const std::string& line : lines_with(log, line_text)) {
    ++events;
    std::smatch m;
    if (std::regex_search(line, m, suffix)) events += std::stoull(m[1]);
  }
  for (const std::string& line : lines_with(log, "log: ")) {
    std::smatch m;
    if (std::regex_search(line, m, drained) && m[2] == key) events += std::stoull(m[1]);
  }
  return events;
}

}  // namespace kmebind::test
