// The scratch directories of the stateful harnesses (hss_core_fuzz, attach_fuzz): one per harness
// process, named <prefix><pid>. A finding aborts the process before its cleanup runs, so each
// harness removes, at start, those of processes that no longer run.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace kmebind::fuzz {

// Removes every directory of `base` named `prefix` + a process id that is not running now.
inline void remove_stale_scratch_dirs(const std::filesystem::path& base, std::string_view prefix) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string pid = name.substr(prefix.size());
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code ignored;
    if (!std::filesystem::exists("/proc/" + pid, ignored)) {
      std::filesystem::remove_all(entry.path(), ignored);
    }
  }
}

}  // namespace kmebind::fuzz
