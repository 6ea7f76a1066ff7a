// `kmebind admin binding allow|deny|list|mode` and `kmebind admin device add|show`.
#include <iostream>

#include "admin.h"

namespace kmebind::app::admin {
namespace {

struct PairOptions {
  std::string imsi, imei;
};

int run_pair(Context& ctx, const PairOptions& o, bool allow) {
  const std::string cmd = allow ? "admin binding allow" : "admin binding deny";
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  auto st = allow ? (*s)->allow_binding(o.imsi, o.imei, "admin")
                  : (*s)->deny_binding(o.imsi, o.imei, "admin");
  if (!st) return operation_error(cmd, st.error());
  std::cout << (allow ? "allowed " : "denied ") << "IMSI " << o.imsi << " / IMEI " << o.imei
            << (allow ? "" : " (its KME, if any, is revoked)") << "\n";
  return kExitOk;
}

int run_list(Context& ctx, const std::string& imsi) {
  const std::string cmd = "admin binding list";
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  if (!imsi.empty()) {
    auto imeis = (*s)->list_bindings(imsi);
    if (!imeis) return operation_error(cmd, imeis.error());
    for (const auto& i : *imeis) std::cout << imsi << ',' << i << "\n";
    return kExitOk;
  }
  store::ExportSink sink{[](const store::SubscriberRecord& r, std::span<const std::string> imeis) -> Status {
                           for (const auto& i : imeis) std::cout << r.imsi << ',' << i << "\n";
                           return {};
                         },
                         nullptr};
  if (auto st = (*s)->export_all(sink, false); !st) return operation_error(cmd, st.error());
  return kExitOk;
}

int run_mode(Context& ctx, const std::string& imsi, const std::string& mode_text) {
  const std::string cmd = "admin binding mode";
  auto mode = store::parse_binding_mode(mode_text);
  if (!mode) return usage(cmd, "--mode: " + mode.error().message());
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  if (auto st = (*s)->set_binding_mode(imsi, *mode, "admin"); !st) return operation_error(cmd, st.error());
  std::cout << "binding mode of " << imsi << ": " << mode_text << "\n";
  return kExitOk;
}

struct DeviceOptions {
  std::string imei, enc_profile, enc_key, sig_alg, sig_key;
};

int run_device_add(Context& ctx, const DeviceOptions& o) {
  const std::string cmd = "admin device add";
  store::DeviceRecord d;
  d.imei = o.imei;
  if (auto imei = store::normalize_imei(o.imei); !imei) return usage(cmd, "--imei: " + imei.error().message());
  auto profile = store::parse_enc_profile(o.enc_profile);
  if (!profile) return usage(cmd, "--enc-profile: " + profile.error().message());
  d.enc_profile = *profile;
  auto enc = read_public_key("--enc-public-key", o.enc_key,
                             *profile == store::EncProfile::kA ? KeyKind::kX25519 : KeyKind::kP256);
  if (!enc) return usage(cmd, enc.error().message());
  d.enc_public_key = std::move(*enc);
  auto alg = store::parse_sig_algorithm(o.sig_alg);
  if (!alg) return usage(cmd, "--sig-alg: " + alg.error().message());
  d.sig_alg = *alg;
  auto sig = read_public_key("--sig-public-key", o.sig_key,
                             *alg == store::SigAlgorithm::kEd25519 ? KeyKind::kEd25519 : KeyKind::kP256);
  if (!sig) return usage(cmd, sig.error().message());
  d.sig_public_key = std::move(*sig);
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  if (auto st = (*s)->put_device(d, "admin"); !st) return operation_error(cmd, st.error());
  std::cout << "stored device keys of IMEI " << *store::normalize_imei(o.imei) << "\n";
  return kExitOk;
}

int run_device_show(Context& ctx, const std::string& imei) {
  const std::string cmd = "admin device show";
  auto s = ctx.open_store();
  if (!s) return config_error(cmd, s.error());
  auto d = (*s)->get_device(imei);
  if (!d) return operation_error(cmd, d.error());
  std::cout << "imei: " << d->imei << "\n"
            << "enc_profile: " << to_string(d->enc_profile) << "\n"
            << "enc_public_key: " << to_hex(d->enc_public_key) << "\n"
            << "sig_alg: " << to_string(d->sig_alg) << "\n"
            << "sig_public_key: " << to_hex(d->sig_public_key) << "\n";
  return kExitOk;
}

}  // namespace

void setup_binding(CLI::App* admin, Context& ctx) {
  CLI::App* group = add_group(admin, "binding", "Allowed IMSI/IMEI pairs and binding modes");
  group->require_subcommand(1);
  for (bool allow : {true, false}) {
    auto o = std::make_shared<PairOptions>();
    CLI::App* sub = add_group(group, allow ? "allow" : "deny",
                              allow ? "Allow an IMSI/IMEI pair"
                                    : "Remove an allowed IMSI/IMEI pair (revokes its KME)");
    sub->add_option("--imsi", o->imsi, "IMSI")->required();
    sub->add_option("--imei", o->imei, "IMEI, 14 digits or 15 with check digit")->required();
    on_run(sub, ctx, [&ctx, o, allow] { return run_pair(ctx, *o, allow); });
  }
  auto list_imsi = std::make_shared<std::string>();
  CLI::App* list = add_group(group, "list", "List allowed pairs as imsi,imei (all, or one IMSI's)");
  list->add_option("--imsi", *list_imsi, "Only this IMSI");
  on_run(list, ctx, [&ctx, list_imsi] { return run_list(ctx, *list_imsi); });

  auto mode = std::make_shared<PairOptions>();  // imsi + mode text in .imei
  CLI::App* sub = add_group(group, "mode", "Set a subscriber's binding mode");
  sub->add_option("--imsi", mode->imsi, "IMSI")->required();
  sub->add_option("--mode", mode->imei, "none, imei-check or kme-required")->required();
  on_run(sub, ctx, [&ctx, mode] { return run_mode(ctx, mode->imsi, mode->imei); });
}

void setup_device(CLI::App* admin, Context& ctx) {
  CLI::App* group = add_group(admin, "device", "Device public keys (by IMEI)");
  group->require_subcommand(1);
  auto o = std::make_shared<DeviceOptions>();
  CLI::App* add = add_group(group, "add", "Add or replace a device's encryption and signature public keys");
  add->add_option("--imei", o->imei, "IMEI, 14 digits or 15 with check digit")->required();
  add->add_option("--enc-profile", o->enc_profile, "ECIES profile of the encryption key: A (X25519) or B (P-256)")->required();
  add->add_option("--enc-public-key", o->enc_key, "Encryption public key: hex, or @file.pem")->required();
  add->add_option("--sig-alg", o->sig_alg, "Signature algorithm: ed25519 or ecdsa-p256")->required();
  add->add_option("--sig-public-key", o->sig_key, "Signature public key: hex, or @file.pem")->required();
  on_run(add, ctx, [&ctx, o] { return run_device_add(ctx, *o); });
  auto imei = std::make_shared<std::string>();
  CLI::App* show = add_group(group, "show", "Show a device's public keys");
  show->add_option("--imei", *imei, "IMEI")->required();
  on_run(show, ctx, [&ctx, imei] { return run_device_show(ctx, *imei); });
}

}  // namespace kmebind::app::admin
