// `kmebind admin import|export`: subscribers with their allowed IMEIs and device keys, CSV or
// JSON (format: store/exchange.h, docs/admin.md).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <unordered_set>

#include "admin.h"
#include "crypto/pem.h"
#include "store/exchange.h"

namespace kmebind::app::admin {
namespace {

constexpr std::size_t kMaxBadRowsShown = 100;

struct ImportOptions {
  std::string format = "csv", file;
  bool skip_bad = false;
  bool uncompress_p256 = false;
  std::size_t batch = 20000;
};

// --uncompress-p256: a device's P-256 keys given compressed (33 octets) are stored uncompressed
// (65), the form `device add` writes and the HSS loads without a square root (docs/admin.md).
// Every P-256 key is loaded, so one that is not a point on the curve fails here, given in either
// form (SEC 1 §2.3.4). Returns how many keys were converted; kInvalidArgument naming the field.
Result<int> uncompress_p256(store::DeviceRecord& d) {
  int converted = 0;
  auto convert = [&converted](const char* field, Bytes& key) -> Status {
    auto stored = crypto::stored_public_key(crypto::KeyType::kP256, key);
    if (!stored) return fail(Code::kInvalidArgument, std::string(field) + ": not a point on P-256");
    if (key.size() != stored->size()) ++converted;
    key = std::move(*stored);
    return {};
  };
  if (d.enc_profile == store::EncProfile::kB) {
    if (auto st = convert("enc_public_key", d.enc_public_key); !st)
      return std::unexpected(st.error());
  }
  if (d.sig_alg == store::SigAlgorithm::kEcdsaP256Sha256) {
    if (auto st = convert("sig_public_key", d.sig_public_key); !st)
      return std::unexpected(st.error());
  }
  return converted;
}

// The IMSIs already in the store, so that pass 1 can refuse them before anything is written.
Result<std::unordered_set<std::string>> existing_imsis(store::SubscriberStore& s) {
  std::unordered_set<std::string> out;
  auto n = s.counts();
  if (!n) return std::unexpected(n.error());
  if (n->subscribers == 0) return out;
  out.reserve(n->subscribers);
  store::ExportSink sink{[&](const store::SubscriberRecord& r, std::span<const std::string>) -> Status {
                           out.insert(r.imsi);
                           return {};
                         },
                         nullptr};
  if (auto st = s.export_all(sink, false); !st) return std::unexpected(st.error());
  return out;
}

int run_import(Context& ctx, const ImportOptions& o) {
  const std::string cmd = "admin import";
  auto format = store::parse_exchange_format(o.format);
  if (!format) return usage(cmd, "--format: " + format.error().message());
  if (o.batch == 0) return usage(cmd, "--batch: must be at least 1");
  std::ifstream in(o.file);
  if (!in) return usage(cmd, "--file: cannot read " + o.file);
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  const auto start = std::chrono::steady_clock::now();

  // Pass 1: parse and check every row, write nothing.
  auto taken = existing_imsis(**s);
  if (!taken) return operation_error(cmd, taken.error());
  std::unordered_set<std::string> imsis, imeis;
  // A bad row is reported once (its first fault) and skipped in pass 2. Rows that parse are
  // known by their ordinal among the subscribers or the devices, not by line: a JSON file may
  // hold many rows on one line. Rows that do not parse reach neither handler in either pass.
  std::vector<store::RowError> bad;
  std::unordered_set<std::size_t> bad_subscribers, bad_devices;  // ordinals
  std::size_t subscriber_ordinal = 0, device_ordinal = 0;
  auto mark = [&](std::unordered_set<std::size_t>& rows, std::size_t ordinal, std::size_t line,
                  std::string reason) {
    if (rows.insert(ordinal).second) bad.push_back({line, std::move(reason)});
  };
  store::ExchangeHandler check{[&](std::size_t line, store::ExchangeSubscriber&& row) -> Status {
                                 const std::size_t ordinal = subscriber_ordinal++;
                                 if (taken->contains(row.record.imsi)) {
                                   mark(bad_subscribers, ordinal, line,
                                        "imsi: " + row.record.imsi + " is already in the store");
                                 } else if (!imsis.insert(row.record.imsi).second) {
                                   mark(bad_subscribers, ordinal, line,
                                        "imsi: " + row.record.imsi + " appears twice in the file");
                                 }
                                 return {};
                               },
                               [&](std::size_t line, store::DeviceRecord&& d) -> Status {
                                 const std::size_t ordinal = device_ordinal++;
                                 // A row whose key is bad does not claim its IMEI, as a row
                                 // that does not parse does not either.
                                 if (o.uncompress_p256) {
                                   if (auto n = uncompress_p256(d); !n) {
                                     mark(bad_devices, ordinal, line, n.error().message());
                                     return {};
                                   }
                                 }
                                 if (!imeis.insert(d.imei).second) {
                                   mark(bad_devices, ordinal, line,
                                        "imei: " + d.imei + " appears twice in the file");
                                 }
                                 return {};
                               },
                               [&](store::RowError&& e) -> Status {
                                 bad.push_back(std::move(e));
                                 return {};
                               }};
  if (auto st = store::read_exchange(*format, in, check); !st) {
    return operation_error(cmd, st.error().with_context(o.file));
  }
  taken->clear();
  imsis.clear();
  imeis.clear();
  // In file order already; stable, so rows that share a line (one-line JSON) keep theirs.
  std::stable_sort(bad.begin(), bad.end(),
                   [](const auto& a, const auto& b) { return a.line < b.line; });
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

  const auto checked = std::chrono::steady_clock::now();
  // Pass 2: read again and write the good rows in batched transactions.
  in.clear();
  if (!in.seekg(0)) {
    return operation_error(cmd, Error(Code::kIo, "cannot read " + o.file +
                                                     " a second time (pass 2): give a regular "
                                                     "file, not a pipe"));
  }
  subscriber_ordinal = 0;
  device_ordinal = 0;
  store::BulkImportOptions options;
  options.batch_rows = o.batch;
  options.actor = "admin";
  options.source = std::filesystem::path(o.file).filename().string();
  auto bulk = (*s)->begin_bulk_import(options);
  if (!bulk) return operation_error(cmd, bulk.error());
  std::size_t renewal_not_marked = 0;  // rows with kme_renewal 1: a new subscriber has no KME
  std::size_t uncompressed = 0;        // P-256 keys stored uncompressed (--uncompress-p256)
  store::ExchangeHandler write{
      [&](std::size_t line, store::ExchangeSubscriber&& row) -> Status {
        if (bad_subscribers.contains(subscriber_ordinal++)) return {};
        if (row.record.kme_renewal_requested) ++renewal_not_marked;
        auto st = (*bulk)->add_subscriber(row.record, row.imeis);
        if (!st) return std::unexpected(st.error().with_context("line " + std::to_string(line)));
        return {};
      },
      [&](std::size_t line, store::DeviceRecord&& d) -> Status {
        if (bad_devices.contains(device_ordinal++)) return {};
        if (o.uncompress_p256) {
          auto n = uncompress_p256(d);  // pass 1 found every point that fails
          if (!n) return std::unexpected(n.error().with_context("line " + std::to_string(line)));
          uncompressed += static_cast<std::size_t>(*n);
        }
        auto st = (*bulk)->put_device(d);
        if (!st) return std::unexpected(st.error().with_context("line " + std::to_string(line)));
        return {};
      },
      nullptr};
  if (auto st = store::read_exchange(*format, in, write); !st) {
    std::cerr << "kmebind " << cmd << ": " << st.error().message()
              << " (batches committed before it stay imported)\n";
    return kExitFailure;
  }
  auto stats = (*bulk)->finish();
  if (!stats) return operation_error(cmd, stats.error());
  const auto done = std::chrono::steady_clock::now();
  auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
  std::cout << "imported " << stats->subscribers << " subscribers, " << stats->bindings
            << " allowed pairs, " << stats->devices << " devices in " << stats->transactions
            << " transactions, " << secs(done - start) << " s (checked in " << secs(checked - start)
            << " s, written in " << secs(done - checked) << " s)";
  if (!bad.empty()) std::cout << " (" << bad.size() << " bad rows skipped)";
  std::cout << "\n";
  if (o.uncompress_p256) {
    std::cout << uncompressed << " compressed P-256 keys stored uncompressed\n";
  }
  if (renewal_not_marked > 0) {
    // The renewal is per pair holding a KME (docs/admin.md, "kme_renewal"): nothing to mark yet.
    std::cout << "note: " << renewal_not_marked
              << " subscribers have kme_renewal 1; nothing was marked, as no KME is stored for "
                 "them yet (after `admin kme import`, `admin kme renew --imsi` marks those KMEs)\n";
  }
  return kExitOk;
}

struct ExportOptions {
  std::string format = "csv", file;
  bool reveal = false;
};

// Creates (or truncates) the export file; 0600 when it will hold keys.
Status prepare_file(const std::string& path, bool secret) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
  if (fd < 0) return fail(Code::kIo, "cannot create " + path);
  const bool ok = !secret || ::fchmod(fd, 0600) == 0;
  ::close(fd);
  if (!ok) return fail(Code::kIo, "cannot restrict " + path + " to mode 0600");
  return {};
}

int run_export(Context& ctx, const ExportOptions& o) {
  const std::string cmd = "admin export";
  auto format = store::parse_exchange_format(o.format);
  if (!format) return usage(cmd, "--format: " + format.error().message());
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  std::ofstream file;
  if (!o.file.empty()) {
    if (auto st = prepare_file(o.file, o.reveal); !st) return operation_error(cmd, st.error());
    file.open(o.file, std::ios::out | std::ios::trunc);
    if (!file) return operation_error(cmd, Error(Code::kIo, "cannot write " + o.file));
  }
  std::ostream& out = o.file.empty() ? std::cout : file;
  auto writer = store::make_exchange_writer(*format, out);
  std::uint64_t subscribers = 0, devices = 0;
  store::ExportSink sink{
      [&](const store::SubscriberRecord& r, std::span<const std::string> imeis) {
        ++subscribers;
        return writer->subscriber(r, imeis);
      },
      [&](const store::DeviceRecord& d) {
        ++devices;
        return writer->device(d);
      }};
  if (auto st = (*s)->export_all(sink, o.reveal); !st) return operation_error(cmd, st.error());
  if (auto st = writer->finish(); !st) return operation_error(cmd, st.error());
  if (!o.file.empty()) {
    file.close();
    if (!file) return operation_error(cmd, Error(Code::kIo, "cannot write " + o.file));
    std::cerr << "exported " << subscribers << " subscribers and " << devices << " devices to "
              << o.file << (o.reveal ? " (holds K and OPc: mode 0600, keep it secret)" : "") << "\n";
  } else if (o.reveal) {
    std::cerr << "kmebind " << cmd << ": the output holds K and OPc in the clear; keep it secret\n";
  }
  return kExitOk;
}

}  // namespace

void setup_exchange(CLI::App* admin, Context& ctx) {
  auto i = std::make_shared<ImportOptions>();
  CLI::App* imp = add_group(
      admin, "import",
      "Import subscribers with their allowed IMEIs and device keys from CSV or JSON "
      "(docs/admin.md). All rows are checked first: bad rows are reported with their line "
      "number and nothing is imported unless --skip-bad. Existing IMSIs are bad rows");
  imp->add_option("--format", i->format, "csv or json (default csv)");
  imp->add_option("--file", i->file, "The file to import")->required();
  imp->add_flag("--skip-bad", i->skip_bad, "Import the good rows even if some are bad");
  imp->add_flag("--uncompress-p256", i->uncompress_p256,
                "Store P-256 device keys given compressed (33 octets) uncompressed (65), as "
                "`device add` does: the HSS then loads them about 5 times faster. Costs about "
                "45 us of CPU per compressed key at import; a P-256 key that is not a point on the "
                "curve, in either form, is a bad row");
  imp->add_option("--batch", i->batch, "Rows per transaction (default 20000)");
  on_run(imp, ctx, [&ctx, i] { return run_import(ctx, *i); });

  auto e = std::make_shared<ExportOptions>();
  CLI::App* exp = add_group(
      admin, "export",
      "Export subscribers, allowed IMEIs and device keys as CSV or JSON. Without --reveal-keys "
      "K and OPc are left out and the file cannot be imported back");
  exp->add_option("--format", e->format, "csv or json (default csv)");
  exp->add_option("--file", e->file, "Write to this file (default stdout)");
  exp->add_flag("--reveal-keys", e->reveal,
                "Write K and OPc in hex (the file is then secret and created with mode 0600)");
  on_run(exp, ctx, [&ctx, e] { return run_export(ctx, *e); });
}

}  // namespace kmebind::app::admin
