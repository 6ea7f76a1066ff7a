// `kmebind admin kme status|renew|import|seal-import`.
#include <fstream>
#include <iostream>
#include <set>

#include "admin.h"
#include "store/kme_import.h"

namespace kmebind::app::admin {
namespace {

constexpr std::size_t kMaxBadRowsShown = 100;

int run_status(Context& ctx, const std::string& imsi) {
  const std::string cmd = "admin kme status";
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  std::optional<std::string_view> filter;
  if (!imsi.empty()) {
    filter = imsi;
    auto sub = (*s)->get_subscriber(imsi);
    if (!sub) return operation_error(cmd, sub.error());
    std::cout << "imsi: " << imsi << "\nbinding_mode: " << store::to_string(sub->binding_mode)
              << "\nkme_renewal_requested: " << (sub->kme_renewal_requested ? "yes" : "no") << "\n";
  }
  std::cout << "IMSI            IMEI           VERSION STORED_AT            PROCEDURE SOURCE STATE\n";
  // Keyset paging: each page starts after the last pair printed (one index range read per page).
  constexpr std::size_t kPage = 1000;
  std::optional<store::PairKey> after;
  for (;;) {
    auto rows = (*s)->list_kme_status(filter, kPage, after);
    if (!rows) return operation_error(cmd, rows.error());
    for (const auto& k : *rows) {
      std::string state = k.present ? "stored" : "revoked";
      if (k.renewal_requested) state += ",renewal-requested";
      std::printf("%-15s %-14s %7u %-20s %-9s %s %s\n", k.imsi.c_str(), k.imei.c_str(), k.version,
                  iso_time(k.stored_at_unix_s).c_str(),
                  std::string(store::kme_procedure_name(k.procedure)).c_str(), k.source.c_str(),
                  state.c_str());
    }
    if (rows->size() < kPage) break;
    after = store::PairKey{rows->back().imsi, rows->back().imei};
  }
  std::fflush(stdout);
  return kExitOk;
}

int run_renew(Context& ctx, const std::string& imsi) {
  const std::string cmd = "admin kme renew";
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  if (auto st = (*s)->request_kme_renewal(imsi, "admin"); !st) return operation_error(cmd, st.error());
  std::cout << "KME of " << imsi << " marked for re-provisioning at the next attach\n";
  return kExitOk;
}

struct ImportOptions {
  std::string file, source;
  bool skip_bad = false;
};

struct GoodKme {
  std::string imsi, imei;
  SecretBytes kme;
};

int run_import(Context& ctx, const ImportOptions& o) {
  const std::string cmd = "admin kme import";
  if (o.source.empty() || o.source.find_first_of(",\n") != std::string::npos) {
    return usage(cmd, "--source: must be a non-empty name without commas");
  }
  std::ifstream in(o.file);
  if (!in) return usage(cmd, "--file: cannot read " + o.file);
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
  options.source = o.source;
  auto bulk = (*s)->begin_bulk_import(options);
  if (!bulk) return operation_error(cmd, bulk.error());
  for (const auto& g : good) {
    auto v = (*bulk)->store_kme(g.imsi, g.imei, g.kme, store::kKmeImported);
    if (!v) return operation_error(cmd, v.error().with_context("IMSI " + g.imsi + " / IMEI " + g.imei));
  }
  auto stats = (*bulk)->finish();
  if (!stats) return operation_error(cmd, stats.error());
  std::cout << "imported " << stats->kmes << " KMEs from source " << o.source;
  if (!bad.empty()) std::cout << " (" << bad.size() << " bad rows skipped)";
  std::cout << "\n";
  return kExitOk;
}

struct SealOptions {
  std::string public_key, in_file;
};

int run_seal(const SealOptions& o) {
  const std::string cmd = "admin kme seal-import";
  auto pub = read_public_key("--public-key", o.public_key, KeyKind::kX25519);
  if (!pub) return usage(cmd, pub.error().message());
  std::ifstream in(o.in_file);
  if (!in) return usage(cmd, "--in: cannot read " + o.in_file);
  std::cout << "# KMEs encrypted to the HSS import key (ECIES profile A), docs/admin.md\n"
            << "imsi,imei,kme_ecies_a\n";
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
    std::cout << *row << "\n";
  }
  return kExitOk;
}

}  // namespace

void setup_kme(CLI::App* admin, Context& ctx) {
  CLI::App* group = add_group(admin, "kme", "KME status, renewal and out-of-band import");
  group->require_subcommand(1);

  auto status_imsi = std::make_shared<std::string>();
  CLI::App* status = add_group(group, "status",
                               "KME version, time, procedure and source per IMSI/IMEI pair (never the KME)");
  status->add_option("--imsi", *status_imsi, "Only this IMSI");
  on_run(status, ctx, [&ctx, status_imsi] { return run_status(ctx, *status_imsi); });

  auto renew_imsi = std::make_shared<std::string>();
  CLI::App* renew = add_group(group, "renew", "Mark a subscriber's KME for re-provisioning (device sold, operator change)");
  renew->add_option("--imsi", *renew_imsi, "IMSI")->required();
  on_run(renew, ctx, [&ctx, renew_imsi] { return run_renew(ctx, *renew_imsi); });

  auto o = std::make_shared<ImportOptions>();
  CLI::App* import = add_group(
      group, "import",
      "Import KMEs provisioned out of band: a file of imsi,imei,kme_ecies_a rows encrypted to the "
      "store's import public key (docs/admin.md). Each pair must be allowed; a file with bad rows "
      "imports nothing unless --skip-bad");
  import->add_option("--file", o->file, "The import file")->required();
  import->add_option("--source", o->source, "Who provisioned the KMEs (device maker, third party); recorded in the audit trail")->required();
  import->add_flag("--skip-bad", o->skip_bad, "Import the good rows even if some are bad");
  on_run(import, ctx, [&ctx, o] { return run_import(ctx, *o); });

  auto seal = std::make_shared<SealOptions>();
  CLI::App* seal_cmd = add_group(
      group, "seal-import",
      "For the sender of KMEs: encrypt rows imsi,imei,kme_hex (plaintext file) to an import public "
      "key and print the import file on stdout. Needs no store");
  seal_cmd->add_option("--public-key", seal->public_key, "Import public key: hex, or @import-public.pem")->required();
  seal_cmd->add_option("--in", seal->in_file, "Plaintext rows imsi,imei,kme_hex")->required();
  on_run(seal_cmd, ctx, [seal] { return run_seal(*seal); });
}

}  // namespace kmebind::app::admin
