// `kmebind admin generate`: simulated devices with their subscriptions — the store rows and the
// matching device file for `kmebind sim` (device_generate.h, docs/demo.md §3).
// `kmebind admin generate-import`: a synthetic CSV import file for benchmarks and tests.
// TEST DATA ONLY: random K/OPc, and random device "public keys" that are not checked to be
// valid curve points (a real device key must come from the device).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "admin.h"
#include "crypto/random.h"
#include "device_file.h"
#include "device_generate.h"

namespace kmebind::app::admin {
namespace {

struct GenerateOptions {
  std::uint64_t count = 0;
  std::string out;
  std::string prefix = "00101";
};

std::string padded(std::uint64_t v, std::size_t width) {
  std::string s = std::to_string(v);
  return std::string(width > s.size() ? width - s.size() : 0, '0') + s;
}

int run_generate(const GenerateOptions& o) {
  const std::string cmd = "admin generate-import";
  if (o.prefix.size() < 5 || o.prefix.size() > 6 ||
      o.prefix.find_first_not_of("0123456789") != std::string::npos) {
    return usage(cmd, "--imsi-prefix: must be MCC+MNC, 5 or 6 digits");
  }
  const std::size_t msin = 15 - o.prefix.size();
  if (o.count == 0 || o.count > 100000000) return usage(cmd, "--count: must be 1..100000000");
  std::ofstream out(o.out, std::ios::trunc);
  if (!out) return usage(cmd, "--out: cannot write " + o.out);
  out << "# TEST DATA from kmebind admin generate-import: random K/OPc and random device public\n"
      << "# keys that are not valid curve points. For benchmarks only.\n"
      << "imsi,k,opc,amf,sqn,binding_mode,procedures,kme_renewal,imeis\n";
  constexpr std::size_t kChunk = 4096;
  auto imei_of = [](std::uint64_t i) { return "35" + padded(i, 12); };
  for (std::uint64_t base = 0; base < o.count; base += kChunk) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, o.count - base));
    auto rnd = crypto::random_bytes(n * 32);
    if (!rnd) return operation_error(cmd, rnd.error());
    std::string buf;
    for (std::size_t j = 0; j < n; ++j) {
      const std::uint64_t i = base + j;
      const ByteView r(rnd->data() + j * 32, 32);
      buf += o.prefix + padded(i, msin) + ',' + to_hex(r.subspan(0, 16)) + ',' +
             to_hex(r.subspan(16, 16)) + ",8000,0,kme-required,1;2,0," + imei_of(i) + '\n';
    }
    out << buf;
  }
  out << "imei,enc_profile,enc_public_key,sig_alg,sig_public_key\n";
  for (std::uint64_t base = 0; base < o.count; base += kChunk) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, o.count - base));
    constexpr std::size_t kKey = 65;  // the longest key written: uncompressed P-256, 04‖X‖Y
    auto rnd = crypto::random_bytes(n * 2 * kKey);
    if (!rnd) return operation_error(cmd, rnd.error());
    std::string buf;
    for (std::size_t j = 0; j < n; ++j) {
      const std::uint64_t i = base + j;
      const ByteView r(rnd->data() + j * 2 * kKey, 2 * kKey);
      if (i % 2 == 0) {  // profile A device: X25519 + Ed25519, 32 octets each
        buf += imei_of(i) + ",A," + to_hex(r.subspan(0, 32)) + ",ed25519," +
               to_hex(r.subspan(kKey, 32)) + '\n';
      } else {  // profile B device: P-256 in the form the store writes (uncompressed, 65 octets)
        Bytes a(r.begin(), r.begin() + kKey);
        Bytes b(r.begin() + kKey, r.end());
        a[0] = 0x04;
        b[0] = 0x04;
        buf += imei_of(i) + ",B," + to_hex(a) + ",ecdsa-p256," + to_hex(b) + '\n';
      }
    }
    out << buf;
  }
  out.close();
  if (!out) return operation_error(cmd, Error(Code::kIo, "cannot write " + o.out));
  std::cerr << "wrote " << o.count << " subscribers and " << o.count << " devices (TEST DATA) to "
            << o.out << "\n";
  return kExitOk;
}

struct DevicesOptions {
  std::size_t ues = 0;
  std::string devices_out;
  std::string procedure = "mixed";
  std::size_t violations = 0;
  std::string imsi_base = "001010000000001";
  std::uint64_t imei_base = 0;
  bool overwrite = false;
};

int run_generate_devices(const Context& ctx, const DevicesOptions& o) {
  const std::string cmd = "admin generate";
  app::GenerateOptions g;
  g.ues = o.ues;
  g.violations = o.violations;
  auto mix = parse_procedure_mix(o.procedure);
  if (!mix) return usage(cmd, "--procedure: must be 1, 2 or mixed");
  g.procedure = *mix;
  if (o.imsi_base.size() != 15 ||
      o.imsi_base.find_first_not_of("0123456789") != std::string::npos) {
    return usage(cmd, "--imsi-base: must be a 15-digit IMSI");
  }
  g.imsi_base = std::stoull(o.imsi_base);
  g.imei_base = o.imei_base;
  std::error_code ec;
  if (!o.overwrite && std::filesystem::exists(o.devices_out, ec)) {
    return usage(cmd,
                 "--devices-out: " + o.devices_out + " exists (add --overwrite to replace it)");
  }
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  const auto start = std::chrono::steady_clock::now();
  auto file = generate_devices(g);
  if (!file) return operation_error(cmd, file.error());
  if (auto st = check_devices_absent(**s, *file); !st) return operation_error(cmd, st.error());
  // The device file first: rows without their device secrets would be of no use.
  if (auto st = write_device_file(o.devices_out, *file); !st)
    return operation_error(cmd, st.error());
  auto stats = import_devices(**s, *file, "generate");
  if (!stats) {
    std::filesystem::remove(o.devices_out, ec);
    return operation_error(cmd, stats.error());
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "generated " << o.ues << " devices";
  if (o.violations > 0) std::cout << " and " << o.violations << " binding-violation devices";
  std::cout << ": " << stats->subscribers << " subscribers, " << stats->devices
            << " device keys in the store; device file " << o.devices_out
            << " (mode 0600: it holds K, OPc and the device private keys) in " << secs << " s\n";
  return kExitOk;
}

}  // namespace

void setup_generate(CLI::App* admin, Context& ctx) {
  {
    auto o = std::make_shared<DevicesOptions>();
    CLI::App* sub = add_group(
        admin, "generate",
        "Generate simulated devices for `kmebind sim`: subscribers (kme-required, one allowed "
        "IMEI each, the chosen KME procedure allowed), device public keys in the store, and the "
        "matching device file with K, OPc and the device private keys (mode 0600). TEST DATA");
    sub->add_option("--ues", o->ues, "Number of devices with a subscription (1..1000000)")
        ->required();
    sub->add_option("--devices-out", o->devices_out, "Device file to write (JSON, mode 0600)")
        ->required();
    sub->add_option(
        "--procedure", o->procedure,
        "KME procedure the subscriptions allow: 1, 2 or mixed (even devices 1, odd 2; default)");
    sub->add_option(
        "--violations", o->violations,
        "Extra attacker devices (UICC moved into another device, cloned IMEI), each to be "
        "rejected with EMM cause #6 (default 0)");
    sub->add_option("--imsi-base", o->imsi_base, "First IMSI, 15 digits (default 001010000000001)");
    sub->add_option(
        "--imei-base", o->imei_base,
        "Simulated device index of the first device: IMEI 00101001 + 6-digit index (default 0)");
    sub->add_flag("--overwrite", o->overwrite, "Replace an existing device file");
    on_run(sub, ctx, [&ctx, o] { return run_generate_devices(ctx, *o); });
  }

  auto o = std::make_shared<GenerateOptions>();
  CLI::App* sub = add_group(
      admin, "generate-import",
      "Write a synthetic CSV import file (TEST DATA for benchmarks: random K/OPc, one allowed "
      "IMEI per subscriber, random device keys that are not valid curve points). Needs no store");
  sub->add_option("--count", o->count, "Number of subscribers (and devices)")->required();
  sub->add_option("--out", o->out, "Output file")->required();
  sub->add_option("--imsi-prefix", o->prefix, "MCC+MNC of the IMSIs (default 00101)");
  on_run(sub, ctx, [o] { return run_generate(*o); });
}

}  // namespace kmebind::app::admin
