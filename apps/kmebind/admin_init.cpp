// `kmebind admin init`: the master key file, a new store, and the KME import key pair.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "admin.h"
#include "crypto/pem.h"
#include "store/kme_import.h"
#include "store/master_key.h"

namespace kmebind::app::admin {
namespace {

struct InitOptions {
  bool force = false;
  std::string public_out;
};

// The SQLite file behind a location, to tell whether the store exists already.
std::string store_file(const std::string& location) {
  return location.starts_with("sqlite://") ? location.substr(9) : location;
}

Status write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return fail(Code::kIo, "cannot write " + path.string());
  return {};
}

bool is_postgres(const std::string& location) {
  return location.starts_with("postgres://") || location.starts_with("postgresql://");
}

// A PostgreSQL database holds a kmebind store already when opening it without creating succeeds
// or fails only on the (throwaway) key; kNotFound means it holds none.
Status check_no_pg_store(const std::string& location) {
  auto probe_key = store::generate_master_key();
  if (!probe_key) return std::unexpected(probe_key.error());
  store::StoreOptions options;
  options.create_if_missing = false;
  options.max_connections = 1;
  auto s = store::open_store(location, std::move(*probe_key), options);
  if (!s && s.error().code() == Code::kNotFound) return {};
  if (!s && s.error().code() != Code::kCorruption) return std::unexpected(s.error());
  return fail(Code::kAlreadyExists, "store " + store::redact_location(location) +
                                        " exists already; init makes a new store (drop its tables "
                                        "or choose another database)");
}

int run_init(Context& ctx, const InitOptions& o) {
  const std::string cmd = "admin init";
  const bool pg = is_postgres(ctx.location);
  const std::filesystem::path db = pg ? std::filesystem::path() : std::filesystem::path(store_file(ctx.location));
  std::error_code ec;
  if (pg) {
    if (auto st = check_no_pg_store(ctx.location); !st) return operation_error(cmd, st.error());
  } else if (std::filesystem::exists(db, ec)) {
    return operation_error(cmd, Error(Code::kAlreadyExists,
                                      "store " + db.string() +
                                          " exists already; init makes a new store (remove it or "
                                          "choose another --store)"));
  }
  if (std::filesystem::exists(ctx.key_file, ec) && !o.force) {
    return operation_error(cmd, Error(Code::kAlreadyExists,
                                      "key file " + ctx.key_file +
                                          " exists; refusing to overwrite it (use --force)"));
  }
  auto key = store::generate_master_key();
  if (!key) return operation_error(cmd, key.error());
  if (auto st = store::write_master_key_file(ctx.key_file, *key, o.force); !st) {
    return operation_error(cmd, st.error());
  }
  auto s = store::open_store(ctx.location, std::move(*key));
  if (!s) return operation_error(cmd, s.error());
  // IMSIs and device keys are not for every local user either (K/OPc/KME are sealed anyway);
  // SQLite gives its -wal and -shm files the same mode.
  if (!pg) {
    std::filesystem::permissions(db, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace, ec);
  }
  auto pub = store::create_import_key(**s, false);
  if (!pub) return operation_error(cmd, pub.error());
  auto pem = crypto::public_key_to_pem(crypto::KeyType::kX25519, *pub);
  if (!pem) return operation_error(cmd, pem.error());
  // Next to the store file; for a PostgreSQL store, next to the key file.
  const std::filesystem::path home = pg ? std::filesystem::path(ctx.key_file) : db;
  const std::filesystem::path prefix =
      o.public_out.empty() ? (home.has_parent_path() ? home.parent_path() : ".") / "import-public"
                           : std::filesystem::path(o.public_out);
  const std::string pem_path = prefix.string() + ".pem";
  const std::string hex_path = prefix.string() + ".hex";
  if (auto st = write_text(pem_path, *pem); !st) return operation_error(cmd, st.error());
  if (auto st = write_text(hex_path, to_hex(*pub) + "\n"); !st) return operation_error(cmd, st.error());
  std::cout << "master key file: " << ctx.key_file << " (mode 0600; keep it secret, back it up)\n"
            << "store: " << (pg ? store::redact_location(ctx.location) : db.string()) << " (schema version " << (*s)->schema_version() << ")\n"
            << "KME import public key (ECIES profile A, X25519): " << to_hex(*pub) << "\n"
            << "written to " << pem_path << " and " << hex_path << "\n";
  return kExitOk;
}

}  // namespace

void setup_init(CLI::App* admin, Context& ctx) {
  auto o = std::make_shared<InitOptions>();
  CLI::App* sub = add_group(
      admin, "init",
      "Create the master key file (mode 0600), a new store, and the KME import key pair (ECIES "
      "profile A); prints the import public key and writes it to import-public.pem/.hex");
  sub->add_flag("--force", o->force, "Overwrite an existing key file (a store sealed with the "
                                     "old key can then no longer be opened)");
  sub->add_option("--import-public-out", o->public_out,
                  "Path prefix of the import public key files (default: <store dir>/import-public)");
  on_run(sub, ctx, [&ctx, o] { return run_init(ctx, *o); });
}

}  // namespace kmebind::app::admin
