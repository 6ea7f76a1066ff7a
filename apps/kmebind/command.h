// Subcommand registry of the one `kmebind` binary. Each apps/kmebind/<name>_cmd.cpp registers its
// subcommand with KMEBIND_COMMAND; main() builds the CLI11 tree from the registry, so adding a
// subcommand touches no other file.
//
// Exit codes (documented in --help and docs/daemons.md, "Exit codes"):
//   0 success; 1 the operation failed (store, network, verification); 2 bad usage or arguments;
//   3 configuration invalid.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace kmebind::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitConfig = 3;

// Called once with the root app; adds its subcommand and arranges (through the subcommand's
// callback) to store the exit code in `*exit_code`.
using CommandSetup = std::function<void(CLI::App& root, int* exit_code)>;

struct CommandEntry {
  std::string name;
  int order;  // position in --help
  CommandSetup setup;
};

std::vector<CommandEntry>& command_registry();

struct CommandRegistrar {
  CommandRegistrar(std::string name, int order, CommandSetup setup) {
    command_registry().push_back({std::move(name), order, std::move(setup)});
  }
};

// Prints "kmebind <cmd>: <message>" to stderr and returns kExitUsage. For bad arguments.
int usage_error(const std::string& command, const std::string& message);

}  // namespace kmebind::app

#define KMEBIND_COMMAND_CAT2(a, b) a##b
#define KMEBIND_COMMAND_CAT(a, b) KMEBIND_COMMAND_CAT2(a, b)
#define KMEBIND_COMMAND(name, order, setup_fn)                                          \
  static ::kmebind::app::CommandRegistrar KMEBIND_COMMAND_CAT(kmebind_cmd_, __LINE__)( \
      name, order, setup_fn)
