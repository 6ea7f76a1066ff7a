// `kmebind admin kme status|renew|import|seal-import`.
#include <openssl/crypto.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <span>
#include <spanstream>
#include <sstream>
#include <variant>

#include "admin.h"
#include "crypto/pem.h"
#include "crypto/signature.h"
#include "store/kme_import.h"

namespace kmebind::app::admin {
namespace {

constexpr std::size_t kMaxBadRowsShown = 100;

// STATE of a `kme status` row.
std::string kme_state(const store::KmeStatus& k) {
  std::string state = k.present                                   ? "stored"
                      : k.procedure == store::kKmeNoProcedure     ? "counter-set"
                                                                  : "revoked";
  if (k.renewal_requested) state += ",renewal-requested";
  return state;
}

// `kme status --imsi I --imei E`: the pair's version counter, also when no KME row exists.
int print_pair_counter(const std::string& cmd, store::SubscriberStore& s, const std::string& imsi,
                       const std::string& imei) {
  auto allowed = s.is_binding_allowed(imsi, imei);
  if (!allowed) return operation_error(cmd, allowed.error());
  auto counter = s.kme_version(imsi, imei);
  if (!counter) return operation_error(cmd, counter.error());
  std::cout << "imei: " << imei << "\nbinding_allowed: " << (*allowed ? "yes" : "no")
            << "\nkme_version_counter: " << *counter
            << "\nnext_kme_version: " << std::uint64_t{*counter} + 1 << "\n";
  return kExitOk;
}

int run_status(Context& ctx, const std::string& imsi, const std::string& imei) {
  const std::string cmd = "admin kme status";
  if (!imei.empty() && imsi.empty()) return usage(cmd, "--imei needs --imsi");
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  std::optional<std::string_view> filter;
  std::string imei14;  // --imei as the store keys it (14 digits)
  if (!imsi.empty()) {
    filter = imsi;
    auto sub = (*s)->get_subscriber(imsi);
    if (!sub) return operation_error(cmd, sub.error());
    std::cout << "imsi: " << imsi << "\nbinding_mode: " << store::to_string(sub->binding_mode)
              << "\nkme_renewal_requested: " << (sub->kme_renewal_requested ? "yes" : "no") << "\n";
    if (!imei.empty()) {
      auto normalized = store::normalize_imei(imei);
      if (!normalized) return operation_error(cmd, normalized.error());
      imei14 = std::move(*normalized);
      if (int code = print_pair_counter(cmd, **s, imsi, imei14); code != kExitOk) return code;
    }
  }
  std::cout << "IMSI            IMEI           VERSION STORED_AT            PROCEDURE SOURCE STATE\n";
  // Keyset paging: each page starts after the last pair printed (one index range read per page).
  constexpr std::size_t kPage = 1000;
  std::optional<store::PairKey> after;
  for (;;) {
    auto rows = (*s)->list_kme_status(filter, kPage, after);
    if (!rows) return operation_error(cmd, rows.error());
    for (const auto& k : *rows) {
      if (!imei14.empty() && k.imei != imei14) continue;
      std::printf("%-15s %-14s %7u %-20s %-9s %s %s\n", k.imsi.c_str(), k.imei.c_str(), k.version,
                  iso_time(k.stored_at_unix_s).c_str(),
                  std::string(store::kme_procedure_name(k.procedure)).c_str(), k.source.c_str(),
                  kme_state(k).c_str());
    }
    if (rows->size() < kPage) break;
    after = store::PairKey{rows->back().imsi, rows->back().imei};
  }
  std::fflush(stdout);
  return kExitOk;
}

struct RenewOptions {
  std::string imsi, imei;
  std::optional<std::uint32_t> after_version;
};

// docs/admin.md "A device locked out by its KME version": raises the pair's
// version counter so that the HSS's next provisioning is above the device's version
// (docs/security.md §4.3).
int run_raise(Context& ctx, const RenewOptions& o) {
  const std::string cmd = "admin kme renew";
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  auto before = (*s)->raise_kme_version(o.imsi, o.imei, *o.after_version, "admin");
  if (!before) return operation_error(cmd, before.error());
  auto imei = store::normalize_imei(o.imei);  // succeeded in the store: cannot fail here
  const std::string pair = "IMSI " + o.imsi + " / IMEI " + (imei ? *imei : o.imei);
  const std::uint64_t next = std::uint64_t{*o.after_version} + 1;
  if (before->counter == *o.after_version && !before->kme_present) {
    std::cout << "KME version counter of " << pair << " is " << before->counter
              << " already and no KME is stored; nothing changed. The next KME provisioned will "
              << "be version " << next << "\n";
    return kExitOk;
  }
  std::cout << "KME version counter of " << pair << " raised from " << before->counter << " to "
            << *o.after_version;
  if (before->kme_present) std::cout << "; its KME (version " << before->counter << ") revoked";
  std::cout << ". The next attach of the device provisions KME version " << next << "\n";
  return kExitOk;
}

int run_renew(Context& ctx, const RenewOptions& o) {
  const std::string cmd = "admin kme renew";
  if (o.after_version && o.imei.empty()) {
    return usage(cmd, "--after-version needs --imei: the KME version counter belongs to an "
                      "IMSI/IMEI pair");
  }
  if (!o.imei.empty() && !o.after_version) {
    return usage(cmd, "--imei is only used with --after-version (a renewal without it applies to "
                      "every device of the IMSI)");
  }
  if (o.after_version) return run_raise(ctx, o);
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  if (auto st = (*s)->request_kme_renewal(o.imsi, "admin"); !st) return operation_error(cmd, st.error());
  // The pairs now pending, as the store lists them (each is renewed at its own next attach).
  std::size_t pending = 0;
  std::optional<store::PairKey> after;
  for (;;) {
    constexpr std::size_t kPage = 1000;
    auto rows = (*s)->list_kme_status(o.imsi, kPage, after);
    if (!rows) return operation_error(cmd, rows.error());
    for (const auto& k : *rows) pending += k.renewal_requested ? 1 : 0;
    if (rows->size() < kPage) break;
    after = store::PairKey{rows->back().imsi, rows->back().imei};
  }
  if (pending == 0) {
    std::cout << "No KME is stored for " << o.imsi
              << ": each allowed device is provisioned at its next attach anyway\n";
  } else {
    std::cout << "KME renewal requested for " << pending << (pending == 1 ? " pair" : " pairs")
              << " of " << o.imsi
              << ": each device is re-provisioned at its own next attach (`kme status --imsi "
              << o.imsi << "`: renewal-requested)\n";
  }
  return kExitOk;
}

struct ImportOptions {
  std::string file, source, sender_key, signature;
  bool skip_bad = false;
  bool unsigned_file = false;
};

// The whole file, read once: the signature is checked over exactly the bytes that are parsed.
std::optional<std::string> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(text).str();
}

ByteView bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// docs/admin.md "Signed import files": checks FILE.sig (or --signature) against --sender-key and
// returns the source recorded with each KME: NAME@ed25519:<fingerprint>, or NAME@unsigned.
// Prints the reason and returns the exit code on failure.
std::variant<std::string, int> authenticate_import(const std::string& cmd, const ImportOptions& o,
                                                   const std::string& text) {
  if (o.unsigned_file) {
    std::cerr
        << "kmebind " << cmd << ": warning: importing an unsigned file: anyone holding the "
        << "import public key could have written it (docs/admin.md \"Signed import files\")\n";
    return o.source + "@unsigned";
  }
  auto key = read_public_key("--sender-key", o.sender_key, KeyKind::kEd25519);
  if (!key) return usage(cmd, key.error().message());
  const std::string sig_path =
      o.signature.empty() ? o.file + std::string(store::kImportSignatureSuffix) : o.signature;
  auto sig_file = read_all(sig_path);
  if (!sig_file) {
    return usage(cmd, (o.signature.empty() ? "no signature file " : "--signature: cannot read ") +
                          sig_path + " (the sender's Ed25519 signature of " + o.file + ")");
  }
  auto sig = store::parse_import_signature(bytes_of(*sig_file));
  if (!sig) return operation_error(cmd, sig.error().with_context(sig_path));
  if (auto st = store::verify_import_signature(*key, bytes_of(text), *sig); !st) {
    std::cerr << "kmebind " << cmd << ": " << o.file << ": " << st.error().message()
              << "; nothing imported\n";
    return kExitFailure;
  }
  auto fingerprint = store::sender_key_fingerprint(*key);
  if (!fingerprint) return operation_error(cmd, fingerprint.error());
  return o.source + "@" + *fingerprint;
}

struct GoodKme {
  std::string imsi, imei;
  SecretBytes kme;
};

int run_import(Context& ctx, const ImportOptions& o) {
  const std::string cmd = "admin kme import";
  if (o.source.empty() || o.source.find_first_of(",@\n") != std::string::npos) {
    return usage(cmd, "--source: must be a non-empty name without commas or '@'");
  }
  if (o.unsigned_file && (!o.sender_key.empty() || !o.signature.empty())) {
    return usage(cmd, "--unsigned excludes --sender-key and --signature");
  }
  if (!o.unsigned_file && o.sender_key.empty()) {
    return usage(cmd,
                 "--sender-key is required: the sender's Ed25519 public key, to check the file's "
                 "signature (--unsigned imports a file nobody vouches for)");
  }
  const auto text = read_all(o.file);
  if (!text) return usage(cmd, "--file: cannot read " + o.file);
  const auto source = authenticate_import(cmd, o, *text);
  if (const int* code = std::get_if<int>(&source)) return *code;
  std::ispanstream in(std::span<const char>(text->data(), text->size()));  // no second copy
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  auto priv = store::import_private_key(**s);
  if (!priv) return config_error(cmd, priv.error());

  // Pass 1: decrypt and check every row; nothing is written yet.
  std::vector<GoodKme> good;
  std::vector<store::RowError> bad;
  std::set<std::pair<std::string, std::string>> seen;
  store::KmeImportHandler handler{
      [&](std::size_t line, store::KmeImportRow&& row) -> Status {
        auto kme = store::open_imported_kme(*priv, row.scheme_output);
        if (!kme) {
          bad.push_back({line, kme.error().message()});
          return {};
        }
        if (!seen.insert({row.imsi, row.imei}).second) {
          bad.push_back({line, "IMSI " + row.imsi + " / IMEI " + row.imei + " appears twice"});
          return {};
        }
        auto allowed = (*s)->is_binding_allowed(row.imsi, row.imei);
        if (!allowed) return std::unexpected(allowed.error());
        if (!*allowed) {
          bad.push_back({line, "IMSI " + row.imsi + " / IMEI " + row.imei +
                                   " is not an allowed pair (binding list)"});
          return {};
        }
        good.push_back({std::move(row.imsi), std::move(row.imei), std::move(*kme)});
        return {};
      },
      [&](store::RowError&& e) -> Status {
        bad.push_back(std::move(e));
        return {};
      }};
  if (auto st = store::read_kme_import(in, handler); !st) {
    return operation_error(cmd, st.error().with_context(o.file));
  }
  for (std::size_t i = 0; i < bad.size() && i < kMaxBadRowsShown; ++i) {
    std::cerr << o.file << ": line " << bad[i].line << ": " << bad[i].reason << "\n";
  }
  if (bad.size() > kMaxBadRowsShown) {
    std::cerr << o.file << ": ... and " << bad.size() - kMaxBadRowsShown << " more bad rows\n";
  }
  if (!bad.empty() && !o.skip_bad) {
    std::cerr << "kmebind " << cmd << ": " << bad.size()
              << " bad rows; nothing imported (--skip-bad imports the good rows)\n";
    return kExitFailure;
  }
  // Pass 2: store them, batched, each with an audit row naming the source.
  store::BulkImportOptions options;
  options.actor = "admin";
  options.source = std::get<std::string>(source);
  auto bulk = (*s)->begin_bulk_import(options);
  if (!bulk) return operation_error(cmd, bulk.error());
  for (const auto& g : good) {
    auto v = (*bulk)->store_kme(g.imsi, g.imei, g.kme, store::kKmeImported);
    if (!v) return operation_error(cmd, v.error().with_context("IMSI " + g.imsi + " / IMEI " + g.imei));
  }
  auto stats = (*bulk)->finish();
  if (!stats) return operation_error(cmd, stats.error());
  std::cout << "imported " << stats->kmes << " KMEs from source " << std::get<std::string>(source);
  if (!bad.empty()) std::cout << " (" << bad.size() << " bad rows skipped)";
  std::cout << "\n";
  return kExitOk;
}

struct SealOptions {
  std::string public_key, in_file, sign_key, out_file;
};

// --sign-key: the sender's Ed25519 private key (PKCS #8 PEM, e.g. `openssl genpkey -algorithm
// ed25519`), read from @file only so that it never appears on a command line.
Result<SecretBytes> read_sign_key(const std::string& value) {
  if (!value.starts_with("@")) return fail(Code::kInvalidArgument, "--sign-key: must be @file.pem");
  const std::string path = value.substr(1);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return fail(Code::kInvalidArgument, "--sign-key: cannot read " + path);
  std::setvbuf(f, nullptr, _IONBF, 0);  // no stdio buffer holding a copy of the key
  // One allocation (a PEM key is a few hundred octets), so wiping `pem` wipes the only copy.
  constexpr std::size_t kMaxPem = std::size_t{64} * 1024;
  std::string pem(kMaxPem, '\0');
  const std::size_t n = std::fread(pem.data(), 1, pem.size(), f);
  std::fclose(f);
  pem.resize(n);
  auto parsed = crypto::private_key_from_pem(pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!parsed) return fail(Code::kInvalidArgument, "--sign-key: " + parsed.error().message());
  if (parsed->type != crypto::KeyType::kEd25519) {
    return fail(Code::kInvalidArgument, "--sign-key: the PEM key is " +
                                            std::string(crypto::to_string(parsed->type)) +
                                            ", expected ed25519");
  }
  return std::move(parsed->raw);
}

bool write_file(const std::string& path, ByteView bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  return static_cast<bool>(out);
}

int run_seal(const SealOptions& o) {
  const std::string cmd = "admin kme seal-import";
  auto pub = read_public_key("--public-key", o.public_key, KeyKind::kX25519);
  if (!pub) return usage(cmd, pub.error().message());
  if (!o.sign_key.empty() && o.out_file.empty()) {
    return usage(cmd, "--sign-key needs --out FILE (the signature goes to FILE.sig)");
  }
  std::optional<SecretBytes> sign_key;
  if (!o.sign_key.empty()) {
    auto k = read_sign_key(o.sign_key);
    if (!k) return usage(cmd, k.error().message());
    sign_key = std::move(*k);
  }
  std::ifstream in(o.in_file);
  if (!in) return usage(cmd, "--in: cannot read " + o.in_file);
  std::string text =
      "# KMEs encrypted to the HSS import key (ECIES profile A), docs/admin.md\n"
      "imsi,imei,kme_ecies_a\n";
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#' || line.starts_with("imsi,")) continue;
    const auto c1 = line.find(',');
    const auto c2 = c1 == std::string::npos ? c1 : line.find(',', c1 + 1);
    if (c2 == std::string::npos) return usage(cmd, "--in: line " + std::to_string(n) + ": expected imsi,imei,kme_hex");
    auto kme = SecretBytes::from_hex(std::string_view(line).substr(c2 + 1), store::kKmeSize, "kme");
    if (!kme) return usage(cmd, "--in: line " + std::to_string(n) + ": kme must be 64 hex digits");
    auto row = store::seal_kme_import_row(*pub, line.substr(0, c1), line.substr(c1 + 1, c2 - c1 - 1), *kme);
    if (!row) return usage(cmd, "--in: line " + std::to_string(n) + ": " + row.error().message());
    text += *row + "\n";
  }
  if (o.out_file.empty()) {
    std::cout << text;
    return kExitOk;
  }
  if (!write_file(o.out_file, bytes_of(text))) {
    return operation_error(cmd, Error(Code::kIo, "--out: cannot write " + o.out_file));
  }
  if (sign_key) {
    auto sig = crypto::sign(crypto::SignatureAlgorithm::kEd25519, *sign_key, bytes_of(text));
    if (!sig) return operation_error(cmd, sig.error());
    const std::string sig_path = o.out_file + std::string(store::kImportSignatureSuffix);
    if (!write_file(sig_path, *sig)) {
      return operation_error(cmd, Error(Code::kIo, "cannot write " + sig_path));
    }
    std::cerr << "wrote " << o.out_file << " and its signature " << sig_path << "\n";
  }
  return kExitOk;
}

}  // namespace

void setup_kme(CLI::App* admin, Context& ctx) {
  CLI::App* group = add_group(admin, "kme", "KME status, renewal and out-of-band import");
  group->require_subcommand(1);

  auto status_imsi = std::make_shared<std::string>();
  auto status_imei = std::make_shared<std::string>();
  CLI::App* status = add_group(group, "status",
                               "KME version counter, time, procedure and source per IMSI/IMEI pair (never the KME)");
  status->add_option("--imsi", *status_imsi, "Only this IMSI");
  status->add_option("--imei", *status_imei,
                     "Only this pair (with --imsi); also prints its version counter when it has no "
                     "KME row");
  on_run(status, ctx, [&ctx, status_imsi, status_imei] {
    return run_status(ctx, *status_imsi, *status_imei);
  });

  auto r = std::make_shared<RenewOptions>();
  CLI::App* renew = add_group(
      group, "renew",
      "Mark a subscriber's KME for re-provisioning (device sold, operator change); with --imei and "
      "--after-version N, make the next KME of that pair version N+1 (a device refusing the HSS's "
      "KMEs as a rollback, KME Provisioning Reject cause 5, whose log line names the device's "
      "version; docs/admin.md)");
  renew->add_option("--imsi", r->imsi, "IMSI")->required();
  renew->add_option("--imei", r->imei, "IMEI of the pair whose version counter --after-version raises");
  renew->add_option(
      "--after-version", r->after_version,
      "Raise the pair's KME version counter to N (never lowers it): its KME is revoked and the "
      "next attach provisions version N+1. N: at least the device's KME version");
  on_run(renew, ctx, [&ctx, r] { return run_renew(ctx, *r); });

  auto o = std::make_shared<ImportOptions>();
  CLI::App* import = add_group(
      group, "import",
      "Import KMEs provisioned out of band: a file of imsi,imei,kme_ecies_a rows encrypted to the "
      "store's import public key, signed by its sender (FILE.sig, Ed25519; docs/admin.md). Each "
      "pair "
      "must be allowed; a file with bad rows imports nothing unless --skip-bad");
  import->add_option("--file", o->file, "The import file")->required();
  import->add_option("--source", o->source, "Who provisioned the KMEs (device maker, third party); recorded in the audit trail")->required();
  import->add_option(
      "--sender-key", o->sender_key,
      "The sender's Ed25519 public key, hex or @file.pem, obtained out of band: the file's "
      "signature must verify with it");
  import->add_option("--signature", o->signature,
                     "The detached signature (default: FILE.sig): 64 raw octets or 128 hex digits");
  import->add_flag(
      "--unsigned", o->unsigned_file,
      "Import a file without checking a signature (recorded as NAME@unsigned; anyone holding "
      "the import public key can write such a file)");
  import->add_flag("--skip-bad", o->skip_bad, "Import the good rows even if some are bad");
  on_run(import, ctx, [&ctx, o] { return run_import(ctx, *o); });

  auto seal = std::make_shared<SealOptions>();
  CLI::App* seal_cmd = add_group(
      group, "seal-import",
      "For the sender of KMEs: encrypt rows imsi,imei,kme_hex (plaintext file) to an import public "
      "key and print the import file on stdout, or write it to --out FILE and, with --sign-key, "
      "its "
      "Ed25519 signature to FILE.sig. Needs no store");
  seal_cmd->add_option("--public-key", seal->public_key, "Import public key: hex, or @import-public.pem")->required();
  seal_cmd->add_option("--in", seal->in_file, "Plaintext rows imsi,imei,kme_hex")->required();
  seal_cmd->add_option("--out", seal->out_file, "Write the import file here instead of stdout");
  seal_cmd->add_option(
      "--sign-key", seal->sign_key,
      "@file.pem: the sender's Ed25519 private key (PKCS #8); signs the file into FILE.sig");
  on_run(seal_cmd, ctx, [seal] { return run_seal(*seal); });
}

}  // namespace kmebind::app::admin
