// `kmebind admin`: provisioning of the subscriber store (DESIGN.md §1) — subscribers, allowed
// IMSI/IMEI pairs, device keys, KME status and import, bulk import/export. docs/admin.md.
#include <time.h>

#include <fstream>
#include <iostream>
#include <iterator>

#include "admin.h"
#include "crypto/pem.h"
#include "store/master_key.h"

namespace kmebind::app::admin {

Result<SecretBytes> Context::master_key() const {
  std::optional<std::filesystem::path> explicit_file;
  if (key_file_option != nullptr && key_file_option->count() > 0) explicit_file = key_file;
  return store::resolve_master_key(explicit_file, key_file);
}

Result<std::unique_ptr<store::SubscriberStore>> Context::open_store() const {
  auto key = master_key();
  if (!key) return std::unexpected(key.error());
  store::StoreOptions options;
  options.create_if_missing = false;
  auto s = store::open_store(location, std::move(*key), options);
  if (!s && s.error().code() == Code::kNotFound) {
    return fail(Code::kNotFound, s.error().message() + "; create it with `kmebind admin init`");
  }
  return s;
}

CLI::App* add_group(CLI::App* parent, const std::string& name, const std::string& help) {
  CLI::App* sub = parent->add_subcommand(name, help);
  sub->fallthrough();
  return sub;
}

void on_run(CLI::App* sub, Context& ctx, std::function<int()> body) {
  sub->callback([&ctx, body = std::move(body)] { *ctx.exit_code = body(); });
}

int usage(const std::string& command, const std::string& message) {
  return usage_error(command, message);
}

int config_error(const std::string& command, const Error& error) {
  std::cerr << "kmebind " << command << ": " << error.message() << "\n";
  return error.code() == Code::kUnavailable ? kExitFailure : kExitConfig;
}

int operation_error(const std::string& command, const Error& error) {
  std::cerr << "kmebind " << command << ": " << error.message() << "\n";
  return error.code() == Code::kInvalidArgument ? kExitUsage : kExitFailure;
}

namespace {

crypto::KeyType key_type(KeyKind kind) {
  switch (kind) {
    case KeyKind::kX25519: return crypto::KeyType::kX25519;
    case KeyKind::kP256: return crypto::KeyType::kP256;
    case KeyKind::kEd25519: return crypto::KeyType::kEd25519;
  }
  return crypto::KeyType::kX25519;
}

}  // namespace

Result<Bytes> read_public_key(const std::string& option, const std::string& value, KeyKind kind) {
  const crypto::KeyType want = key_type(kind);
  std::string pem;
  if (value.starts_with("@")) {
    std::ifstream in(value.substr(1));
    if (!in) return fail(Code::kInvalidArgument, option + ": cannot read " + value.substr(1));
    pem.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    auto raw = from_hex(value, option);
    if (!raw) return fail(Code::kInvalidArgument, option + ": must be hex or @file.pem");
    // Through PEM and back: checks the point (any form).
    auto text = crypto::public_key_to_pem(want, *raw);
    if (!text) {
      return fail(Code::kInvalidArgument, option + ": not a valid " +
                                              std::string(crypto::to_string(want)) + " public key");
    }
    pem = std::move(*text);
  }
  auto parsed = crypto::public_key_from_pem(pem);
  if (!parsed) return fail(Code::kInvalidArgument, option + ": " + parsed.error().message());
  if (parsed->type != want) {
    return fail(Code::kInvalidArgument, option + ": the PEM key is " +
                                            std::string(crypto::to_string(parsed->type)) +
                                            ", expected " + std::string(crypto::to_string(want)));
  }
  // The store's form: P-256 uncompressed, which the HSS loads without a square root.
  auto stored = crypto::stored_public_key(want, parsed->raw);
  if (!stored) return fail(Code::kInvalidArgument, option + ": " + stored.error().message());
  return std::move(*stored);
}

std::string iso_time(std::int64_t unix_s) {
  const time_t t = static_cast<time_t>(unix_s);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

void setup_admin(CLI::App& root, int* exit_code) {
  static Context ctx;
  ctx.exit_code = exit_code;
  CLI::App* admin = root.add_subcommand(
      "admin",
      "Provision the subscriber store: subscribers, allowed IMSI/IMEI pairs, device keys, KME "
      "status and import, bulk import/export (docs/admin.md).\nExit codes: 0 ok, 1 operation "
      "failed, 2 bad usage or argument, 3 configuration (missing key file or store, wrong key).");
  admin->require_subcommand(1);
  admin->add_option("--store", ctx.location,
                    "Store location: a SQLite file path, sqlite:///path or postgresql://user@host/db "
                    "(default ./kmebind.db)");
  ctx.key_file_option = admin->add_option(
      "--key-file", ctx.key_file,
      "Master key file, 64 hex digits, mode 0600 (default ./kmebind.key; without this option "
      "the environment variable KMEBIND_MASTER_KEY is used when set)");
  setup_init(admin, ctx);
  setup_subscriber(admin, ctx);
  setup_binding(admin, ctx);
  setup_device(admin, ctx);
  setup_kme(admin, ctx);
  setup_exchange(admin, ctx);
  setup_audit(admin, ctx);
  setup_generate(admin, ctx);
}

}  // namespace

}  // namespace kmebind::app::admin

KMEBIND_COMMAND("admin", 50, kmebind::app::admin::setup_admin);
