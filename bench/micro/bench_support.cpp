#include "bench_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>

#include "crypto/kdf.h"
#include "crypto/kme.h"
#include "nas/kme_payload.h"

namespace kmebind::bench {

void die(std::string_view what, const Error& error) {
  std::fprintf(stderr, "kmebind bench: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               error.what().c_str());
  std::exit(1);
}

std::string Combo::name() const {
  std::string s = "proc" + std::to_string(procedure) + "/" + std::string(crypto::to_string(ecies));
  if (procedure == 2) s += "-" + std::string(crypto::to_string(sig));
  return s;
}

std::vector<Combo> all_combos() {
  using crypto::EciesProfile;
  using crypto::SignatureAlgorithm;
  std::vector<Combo> out = {{1, EciesProfile::kA, SignatureAlgorithm::kEd25519},
                            {1, EciesProfile::kB, SignatureAlgorithm::kEcdsaP256Sha256}};
  for (const Combo& c : device_combos()) out.push_back(c);
  return out;
}

std::vector<Combo> device_combos() {
  using crypto::EciesProfile;
  using crypto::SignatureAlgorithm;
  return {{2, EciesProfile::kA, SignatureAlgorithm::kEd25519},
          {2, EciesProfile::kA, SignatureAlgorithm::kEcdsaP256Sha256},
          {2, EciesProfile::kB, SignatureAlgorithm::kEd25519},
          {2, EciesProfile::kB, SignatureAlgorithm::kEcdsaP256Sha256}};
}

std::string imsi_for(std::uint64_t n) {
  std::string digits = std::to_string(n);
  return "00101" + std::string(10 - digits.size(), '0') + digits;
}

SecretBytes bench_master_key() {
  return SecretBytes(Bytes(32, 0x42));
}

Bed::Bed() {
  const char* base = std::getenv("KMEBIND_BENCH_DIR");
  std::random_device rd;
  dir_ = (base != nullptr ? std::filesystem::path(base) : std::filesystem::temp_directory_path()) /
         ("kmebind-bench-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(dir_);
  store_ = must(store::open_store((dir_ / "hss.db").string(), bench_master_key()), "open store");
  must(ring_.add_key(1, SecretBytes(Bytes(32, 0x17))), "cookie key");
  hss::HssConfig config;
  config.allow_procedure1 = true;
  hss_ = std::make_unique<hss::Hss>(must(hss::Hss::create(*store_, ring_, config), "HSS"));
}

Bed::~Bed() {
  hss_.reset();
  store_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

ue::UeProfile Bed::add_subscriber(std::uint64_t n, const Combo& combo, store::BindingMode binding) {
  ue::UeProfile p = must(ue::make_ue_profile(imsi_for(n), n, combo.ecies, combo.sig), "profile");
  sim::SubscriptionPolicy policy;
  policy.binding_mode = binding;
  policy.procedure1_allowed = combo.procedure != 2;
  policy.procedure2_allowed = combo.procedure != 1;
  must(sim::provision_subscription(*store_, p, policy, "bench"), "provision");
  return p;
}

cnn::CnnConfig Bed::cnn_config() {
  cnn::CnnConfig c;
  c.plmn = std::string(kPlmn);
  return c;
}

ue::UeConfig Bed::ue_config() {
  ue::UeConfig c;
  c.plmn = std::string(kPlmn);
  return c;
}

Bytes plmn() {
  return must(crypto::plmn_to_sn_id(kPlmn), "PLMN");
}

s6a::UpdateLocationRequest confirming_ulr(const ue::UeProfile& p, const Combo& combo,
                                          s6a::KmeProvisioning& prov) {
  s6a::UpdateLocationRequest ulr;
  ulr.imsi = p.imsi;
  ulr.visited_plmn_id = plmn();
  ulr.terminal = s6a::TerminalInformation{p.imei14, p.software_version};
  s6a::KmeConfirm c;
  c.procedure = prov.procedure;
  c.kme_version = prov.kme_version;
  if (combo.procedure == 1) {
    c.kme = std::move(prov.kme);
    c.cookie = std::move(prov.cookie);
  } else {
    auto plain =
        must(crypto::ecies_decrypt(p.ecies_profile, p.ecies.private_key, prov.encrypted_payload),
             "ECIES");
    auto payload = must(nas::decode_kme_payload(plain.view()), "payload");
    const Bytes nonce(payload.nonce->begin(), payload.nonce->end());
    auto transcript =
        must(crypto::kme_transcript_checked(p.imsi, p.imei14, nonce, payload.kme), "transcript");
    c.cookie = std::move(prov.cookie);
    c.signature_algorithm = combo.sig == crypto::SignatureAlgorithm::kEd25519 ? 1 : 2;
    c.signature = must(crypto::sign(combo.sig, p.signature.private_key, transcript), "sign");
  }
  ulr.kme_confirm = std::move(c);
  return ulr;
}

}  // namespace kmebind::bench
