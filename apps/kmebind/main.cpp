// kmebind: one binary, one subcommand per role (DESIGN.md §1).
#include <algorithm>
#include <iostream>

#include "command.h"

namespace kmebind::app {

std::vector<CommandEntry>& command_registry() {
  static std::vector<CommandEntry> registry;
  return registry;
}

int usage_error(const std::string& command, const std::string& message) {
  std::cerr << "kmebind " << command << ": " << message << "\n";
  return kExitUsage;
}

namespace {

int run(int argc, char** argv) {
  CLI::App root{
      "kmebind — IMSI/IMEI binding with an HSS-provisioned device key (KME),\n"
      "3GPP TR 33.868 §5.4.4.2.3.3 (S3-130709).\n\n"
      "Exit codes: 0 ok, 1 operation failed, 2 bad usage or argument, 3 invalid configuration."};
  root.name("kmebind");  // not argv[0]: usage lines show "kmebind", not the build path
  root.require_subcommand(1);
  // One line per usage error, naming the (sub)command, e.g. "kmebind crypto milenage: --k: ...".
  // CLI11 passes the root here; the deepest subcommand parsed so far is the one that failed.
  root.failure_message([](const CLI::App* app, const CLI::Error& e) {
    std::string path = "kmebind";
    for (;;) {
      const auto parsed = app->get_subcommands();
      if (parsed.empty()) break;
      app = parsed.front();
      path += " " + app->get_name();
    }
    return path + ": " + e.what() + " (see --help)\n";
  });
  root.set_version_flag("--version", "kmebind 0.1.0");
  int exit_code = kExitOk;
  auto& registry = command_registry();
  std::sort(registry.begin(), registry.end(),
            [](const CommandEntry& a, const CommandEntry& b) { return a.order < b.order; });
  for (auto& entry : registry) entry.setup(root, &exit_code);
  // CLI11 reports "A subcommand is required" for `kmebind foo`; name the word it did not know.
  if (argc > 1 && argv[1][0] != '-' &&
      std::none_of(registry.begin(), registry.end(),
                   [&](const CommandEntry& e) { return e.name == argv[1]; })) {
    std::string known;
    for (const auto& e : registry) known += (known.empty() ? "" : ", ") + e.name;
    std::cerr << "kmebind: unknown command '" << argv[1] << "'; the commands are " << known
              << " (see --help)\n";
    return kExitUsage;
  }
  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = root.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  return exit_code;
}

}  // namespace
}  // namespace kmebind::app

// Commands report errors as Result values; an exception that still gets here (a library call's
// throwing overload) ends the command with exit code 1 and one line, not with std::terminate.
int main(int argc, char** argv) {
  try {
    return kmebind::app::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "kmebind: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "kmebind: internal error: unknown exception\n";
  }
  return kmebind::app::kExitFailure;
}
