// Internal to the `kmebind admin` command (admin_*.cpp): the options every admin subcommand
// shares, opening the store, and reporting errors with the documented exit codes
// (docs/admin.md): 0 ok, 1 the operation failed, 2 bad usage or argument, 3 configuration
// (missing key file or store, wrong master key).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "command.h"
#include "common/error.h"
#include "store/subscriber_store.h"

namespace kmebind::app::admin {

struct Context {
  std::string location = "./kmebind.db";  // --store
  std::string key_file = "./kmebind.key";
  CLI::Option* key_file_option = nullptr;  // given on the command line?
  int* exit_code = nullptr;

  // The master key (--key-file if given, else $KMEBIND_MASTER_KEY, else the default key file)
  // and the existing store. Errors are configuration errors (exit 3), except a busy store.
  Result<std::unique_ptr<store::SubscriberStore>> open_store() const;
  Result<SecretBytes> master_key() const;
};

// Adds a subcommand that accepts the admin options anywhere on the line.
CLI::App* add_group(CLI::App* parent, const std::string& name, const std::string& help);
// Sets what a leaf subcommand runs; its return value becomes the exit code.
void on_run(CLI::App* sub, Context& ctx, std::function<int()> body);

// Print "kmebind <command>: <message>" on stderr and return the exit code:
int usage(const std::string& command, const std::string& message);       // 2
int config_error(const std::string& command, const Error& error);        // 3 (1 if kUnavailable)
// kInvalidArgument -> 2 (the user's value was refused), anything else -> 1.
int operation_error(const std::string& command, const Error& error);

// A public key given as hex or as @file.pem (SubjectPublicKeyInfo). Returns the store's raw
// form (X25519/Ed25519 32 octets, P-256 uncompressed 65), checked to be a valid key of `type`.
enum class KeyKind { kX25519, kP256, kEd25519 };
Result<Bytes> read_public_key(const std::string& option, const std::string& value, KeyKind kind);

// UTC ISO 8601 of a Unix time.
std::string iso_time(std::int64_t unix_s);

// Setup functions of each subcommand group (admin_<group>.cpp).
void setup_init(CLI::App* admin, Context& ctx);
void setup_subscriber(CLI::App* admin, Context& ctx);
void setup_binding(CLI::App* admin, Context& ctx);
void setup_device(CLI::App* admin, Context& ctx);
void setup_kme(CLI::App* admin, Context& ctx);
void setup_exchange(CLI::App* admin, Context& ctx);
void setup_generate(CLI::App* admin, Context& ctx);
void setup_audit(CLI::App* admin, Context& ctx);

}  // namespace kmebind::app::admin
