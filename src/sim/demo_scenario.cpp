#include "sim/demo_scenario.h"

#include <chrono>
#include <ctime>

#include "crypto/cookie.h"
#include "crypto/random.h"
#include "hss/hss.h"
#include "sim/in_process_network.h"
#include "sim/provisioning.h"
#include "ue/device_factory.h"

namespace kmebind::sim {
namespace {

constexpr std::uint8_t kEmmCauseIllegalMe = 6;  // TS 24.301 §9.9.3.9
constexpr std::size_t kMaxErrorDetails = 10;

struct Expect {
  enum class Kind { kProvisioned, kDeviceAuthenticated, kRejectedIllegalMe };
  Kind kind = Kind::kProvisioned;
  std::uint8_t procedure = 0;
  std::uint32_t version = 0;
};

std::string imsi_of(const DemoOptions& o, std::size_t i) {
  std::string digits = std::to_string(o.imsi_base + i);
  return std::string(15 - std::min<std::size_t>(15, digits.size()), '0') + digits;
}

class Scenario {
 public:
  Scenario(store::SubscriberStore& store, const DemoOptions& options, DemoReport& report)
      : store_(store), options_(options), report_(report) {}

  // Checks one outcome against its expectation and counts it.
  void account(const AttachOutcome& o, const Expect& e, std::string_view what) {
    ++report_.attach_procedures;
    if (o.attached) ++report_.attached;
    if (o.reject_cause || o.authentication_rejected) ++report_.rejected;
    if (o.attached && o.kme_procedure == 1) ++report_.kme_provisioned_procedure1;
    if (o.attached && o.kme_procedure == 2) ++report_.kme_provisioned_procedure2;
    if (o.attached && o.device_authenticated) ++report_.device_authenticated;
    bool ok = false;
    switch (e.kind) {
      case Expect::Kind::kProvisioned:
        ok = o.attached && o.kme_procedure == e.procedure && o.kme_version == e.version;
        break;
      case Expect::Kind::kDeviceAuthenticated:
        ok = o.attached && o.device_authenticated && o.kme_version == e.version;
        break;
      case Expect::Kind::kRejectedIllegalMe:
        ok = !o.attached && o.reject_cause == kEmmCauseIllegalMe;
        if (ok) ++report_.binding_violations_rejected;
        break;
    }
    if (!ok) {
      ++report_.errors;
      if (report_.error_details.size() < kMaxErrorDetails) {
        std::string line(what);
        line += ": attached=" + std::to_string(o.attached);
        if (o.reject_cause) line += " cause=#" + std::to_string(*o.reject_cause);
        line += " kme_procedure=" + std::to_string(o.kme_procedure) +
                " kme_version=" + std::to_string(o.kme_version);
        if (!o.detail.empty()) line += " (" + o.detail + ")";
        report_.error_details.push_back(std::move(line));
      }
    }
  }

  Status run() {
    const std::size_t n = options_.ues;
    report_.ues = n;

    // The HSS: an HSS-only Cookie key ring, procedure 1 allowed (the in-process link is
    // confidential: nothing leaves the process).
    auto cookie_key = crypto::random_secret(32);
    if (!cookie_key) return std::unexpected(cookie_key.error());
    if (auto st = ring_.add_key(1, std::move(*cookie_key)); !st) return st;
    hss::HssConfig hss_config;
    hss_config.allow_procedure1 = true;
    auto hss = hss::Hss::create(store_, ring_, hss_config);
    if (!hss) return std::unexpected(hss.error());

    cnn::CnnConfig cnn_config;
    cnn_config.plmn = options_.plmn;
    cnn_config.max_ues = std::max<std::size_t>(n * 2 + 16, 1024);
    InProcessNetwork net(*hss, cnn_config, static_cast<std::int64_t>(std::time(nullptr)));
    ue::UeConfig ue_config;
    ue_config.plmn = options_.plmn;

    // Step 0 of both procedures: subscribers, allowed pairs, device public keys.
    std::vector<ue::UeProfile> profiles;
    profiles.reserve(n);
    std::vector<UeIndex> all;
    for (std::size_t i = 0; i < n; ++i) {
      const bool profile_a = i % 2 == 0;
      auto profile = ue::make_ue_profile(
          imsi_of(options_, i), static_cast<std::uint64_t>(i),
          profile_a ? crypto::EciesProfile::kA : crypto::EciesProfile::kB,
          profile_a ? crypto::SignatureAlgorithm::kEd25519
                    : crypto::SignatureAlgorithm::kEcdsaP256Sha256);
      if (!profile) return std::unexpected(profile.error());
      SubscriptionPolicy policy;
      policy.procedure1_allowed = i % 2 == 0;
      policy.procedure2_allowed = i % 2 == 1;
      if (auto st = provision_subscription(store_, *profile, policy); !st) return st;
      auto ue = ue::make_ue(*profile, ue_config);
      if (!ue) return std::unexpected(ue.error());
      all.push_back(net.add_ue(std::move(*ue)));
      profiles.push_back(std::move(*profile));
    }

    const auto t0 = std::chrono::steady_clock::now();
    // Phase 1: first attach, KME provisioned by procedure 1 or 2.
    {
      auto outcomes = net.run_attach(all);
      for (std::size_t i = 0; i < n; ++i) {
        account(outcomes[i], {Expect::Kind::kProvisioned, static_cast<std::uint8_t>(i % 2 + 1), 1},
                "first attach of UE " + std::to_string(i));
      }
      log("first attach: " + std::to_string(n) + " UEs, procedure 1 for even, 2 for odd");
    }
    // Phase 2: later attach, device authenticated with the stored KME.
    {
      auto outcomes = net.run_attach(all);
      for (std::size_t i = 0; i < n; ++i) {
        account(outcomes[i], {Expect::Kind::kDeviceAuthenticated, 0, 1},
                "later attach of UE " + std::to_string(i));
      }
      log("later attach: " + std::to_string(n) + " UEs, device authentication with KME");
    }
    // Phase 3: re-provisioning after `kme renew`.
    {
      std::vector<UeIndex> renew;
      for (std::size_t i = 0; i < n; i += 4) {
        if (auto st = store_.request_kme_renewal(profiles[i].imsi, "demo"); !st) return st;
        renew.push_back(all[i]);
      }
      auto outcomes = net.run_attach(renew);
      for (std::size_t k = 0; k < renew.size(); ++k) {
        const std::size_t i = renew[k];
        account(outcomes[k], {Expect::Kind::kProvisioned, static_cast<std::uint8_t>(i % 2 + 1), 2},
                "re-provisioning of UE " + std::to_string(i));
      }
      log("re-provisioning: " + std::to_string(renew.size()) + " UEs, KME version 2");
    }
    // Phase 4: binding violations.
    {
      const std::size_t v = std::max<std::size_t>(2, n / 10);
      std::vector<UeIndex> attackers;
      for (std::size_t k = 0; k < v && n > 0; ++k) {
        const ue::UeProfile& victim = profiles[k % n];
        // (a) the victim's UICC in another device (its own keys, an IMEI not bound to the IMSI);
        // (b) a device cloning the victim's IMEI without its keys.
        const bool moved_uicc = k % 2 == 0;
        auto other = ue::make_ue_profile(victim.imsi, static_cast<std::uint64_t>(n + k),
                                         victim.ecies_profile, victim.signature_algorithm);
        if (!other) return std::unexpected(other.error());
        other->k = victim.k.clone();
        other->opc = victim.opc.clone();
        if (moved_uicc) {
          if (auto st = provision_device(store_, *other); !st) return st;
        } else {
          other->imei14 = victim.imei14;
          other->imei15 = victim.imei15;
        }
        auto ue = ue::make_ue(*other, ue_config);
        if (!ue) return std::unexpected(ue.error());
        attackers.push_back(net.add_ue(std::move(*ue)));
      }
      auto outcomes = net.run_attach(attackers);
      for (std::size_t k = 0; k < attackers.size(); ++k) {
        account(outcomes[k], {Expect::Kind::kRejectedIllegalMe, 0, 0},
                std::string(k % 2 == 0 ? "UICC moved to another device" : "cloned IMEI") +
                    " (victim UE " + std::to_string(k % n) + ")");
      }
      log("binding violations: " + std::to_string(attackers.size()) +
          " attempts (UICC moved, cloned IMEI)");
    }
    report_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    report_.nas_pdus = net.nas_pdus();
    report_.nas_octets = net.nas_octets();
    report_.s6a_round_trips = net.s6a_round_trips();
    return {};
  }

 private:
  void log(std::string line) {
    if (options_.verbose) report_.log.push_back(std::move(line));
  }

  store::SubscriberStore& store_;
  const DemoOptions& options_;
  DemoReport& report_;
  crypto::CookieKeyRing ring_;
};

}  // namespace

Result<DemoReport> run_demo(store::SubscriberStore& store, const DemoOptions& options) {
  DemoReport report;
  Scenario scenario(store, options, report);
  if (auto st = scenario.run(); !st) return std::unexpected(st.error());
  return report;
}

}  // namespace kmebind::sim
