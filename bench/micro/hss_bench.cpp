// HSS operations one at a time against the real SQLite store (store in a temporary directory,
// synchronous=FULL as configured by the store): what one S6a request costs the HSS core, without
// Diameter. Names: hss/<operation>[/<combo>]. Each benchmark also reports, from the same run,
// the crypto floor of that operation (floor_us) and the ratio (ratio = CPU / floor).
//   hss/air                  AIR → AIA, one vector, subscribers taken round robin
//   hss/air-kme-material/<combo>  the same AIR asking for KME material (docs/protocol.md "KME
//                            material on the AIA"): each AIA carries a provisioning for the
//                            subscriber's one IMEI (stores nothing, repeatable)
//   hss/kme-request/<combo>  KME-Request → KME-Answer (provisioning; stores nothing, repeatable)
//   hss/ulr-confirm/<combo>  ULR with KME-Confirm → ULA: stores the KME (one subscriber each)
//   hss/ulr-plain            ULR of an imei-check subscriber (binding check only)
//   hss/store/sole-pair      the sole-pair read (get_sole_pair; an AIR reads it in reserve_sqn)
//   hss/store/bindings-then-pair  what it replaced: list_bindings, then get_pair of the IMEI
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "benches.h"
#include "crypto/kdf.h"
#include "crypto/kme.h"
#include "crypto_floor.h"
#include "metered_network.h"
#include "nas/kme_payload.h"

namespace kmebind::bench {
namespace {

constexpr int kSubscribers = 200;
constexpr int kFloorRounds = 200;

template <class F>
double cpu_us_per_call(F&& f, int rounds) {
  f();
  const std::int64_t t0 = thread_cpu_ns();
  for (int i = 0; i < rounds; ++i) f();
  return static_cast<double>(thread_cpu_ns() - t0) / 1000.0 / rounds;
}

void report_floor(benchmark::State& state, double cpu_us, double floor_us) {
  state.counters["floor_us"] = floor_us;
  state.counters["cpu_us"] = cpu_us;
  state.counters["ratio"] = cpu_us / floor_us;
}

void air(benchmark::State& state) {
  Bed bed;
  const Combo combo{2, crypto::EciesProfile::kA, crypto::SignatureAlgorithm::kEd25519};
  std::vector<s6a::AuthenticationInformationRequest> reqs;
  for (int i = 0; i < kSubscribers; ++i) {
    ue::UeProfile p = bed.add_subscriber(static_cast<std::uint64_t>(i) + 1, combo);
    reqs.push_back({p.imsi, plmn(), 1, std::nullopt});
  }
  std::size_t i = 0;
  const std::int64_t t0 = thread_cpu_ns();
  for (auto _ : state) {
    auto aia = bed.hss().on_air(reqs[i++ % reqs.size()], kNowUnix);
    if (!aia.result.ok() || aia.vectors.size() != 1) {
      state.SkipWithError("AIR refused");
      return;
    }
  }
  const double cpu =
      static_cast<double>(thread_cpu_ns() - t0) / 1000.0 / static_cast<double>(state.iterations());
  CryptoFloor floor(combo);
  report_floor(state, cpu, cpu_us_per_call([&] { floor.hss_air(); }, kFloorRounds));
}

// What the AIR costs the HSS when it attaches the KME-Answer's material (an unauthenticated
// attach now makes the HSS run ECIES): compare with hss/air and hss/kme-request/<combo>.
void air_kme_material(benchmark::State& state, const Combo& combo) {
  Bed bed;
  std::vector<s6a::AuthenticationInformationRequest> reqs;
  for (int i = 0; i < kSubscribers; ++i) {
    ue::UeProfile p = bed.add_subscriber(static_cast<std::uint64_t>(i) + 1, combo);
    reqs.push_back({p.imsi, plmn(), 1, std::nullopt, 0x03});
  }
  std::size_t i = 0;
  const std::int64_t t0 = thread_cpu_ns();
  for (auto _ : state) {
    auto aia = bed.hss().on_air(reqs[i++ % reqs.size()], kNowUnix, {.confidential = true});
    const s6a::KmeProvisioning* prov =
        aia.kme_prefetch ? std::get_if<s6a::KmeProvisioning>(&aia.kme_prefetch->action) : nullptr;
    if (!aia.result.ok() || aia.vectors.size() != 1 || prov == nullptr ||
        static_cast<int>(prov->procedure) != combo.procedure) {
      state.SkipWithError("AIR refused or without KME material");
      return;
    }
  }
  const double cpu =
      static_cast<double>(thread_cpu_ns() - t0) / 1000.0 / static_cast<double>(state.iterations());
  CryptoFloor floor(combo);
  const auto air_and_kme_request = [&] {
    floor.hss_air();
    floor.hss_kme_request();
  };
  report_floor(state, cpu, cpu_us_per_call(air_and_kme_request, kFloorRounds));
}

void kme_request(benchmark::State& state, const Combo& combo) {
  Bed bed;
  ue::UeProfile p = bed.add_subscriber(1, combo);
  const s6a::KmeRequest req{p.imsi, p.imei14, 0x03};
  const std::int64_t t0 = thread_cpu_ns();
  for (auto _ : state) {
    auto kma = bed.hss().on_kme_request(req, kNowUnix, {.confidential = true});
    const auto* prov = std::get_if<s6a::KmeProvisioning>(&kma.action);
    if (!kma.result.ok() || prov == nullptr ||
        static_cast<int>(prov->procedure) != combo.procedure) {
      state.SkipWithError("KME-Request refused");
      return;
    }
  }
  const double cpu =
      static_cast<double>(thread_cpu_ns() - t0) / 1000.0 / static_cast<double>(state.iterations());
  CryptoFloor floor(combo);
  report_floor(state, cpu, cpu_us_per_call([&] { floor.hss_kme_request(); }, kFloorRounds));
}

// What the CNN would send in the ULR after the device answered (seed step 10): built by asking
// the HSS for a KME and opening the payload as the device does.
s6a::UpdateLocationRequest confirm_ulr(const Bed& bed, const ue::UeProfile& p, const Combo& combo) {
  auto kma = bed.hss().on_kme_request({p.imsi, p.imei14, 0x03}, kNowUnix, {.confidential = true});
  auto* prov = std::get_if<s6a::KmeProvisioning>(&kma.action);
  if (!kma.result.ok() || prov == nullptr) {
    die("KME-Request for the ULR benchmark", Error(Code::kInternal, "refused"));
  }
  return confirming_ulr(p, combo, *prov);
}

void ulr_confirm(benchmark::State& state, const Combo& combo) {
  Bed bed;
  std::vector<s6a::UpdateLocationRequest> reqs;
  const auto n = static_cast<std::size_t>(state.max_iterations);
  for (std::size_t i = 0; i < n; ++i) {
    ue::UeProfile p = bed.add_subscriber(i + 1, combo);
    reqs.push_back(confirm_ulr(bed, p, combo));
  }
  std::size_t i = 0;
  const std::int64_t t0 = thread_cpu_ns();
  for (auto _ : state) {
    auto ula = bed.hss().on_ulr(reqs[i++], kNowUnix, {.confidential = true});
    if (!ula.result.ok() || ula.kme_version_stored != 1U) {
      state.SkipWithError("ULR refused");
      return;
    }
  }
  const double cpu =
      static_cast<double>(thread_cpu_ns() - t0) / 1000.0 / static_cast<double>(state.iterations());
  CryptoFloor floor(combo);
  report_floor(state, cpu, cpu_us_per_call([&] { floor.hss_ulr(); }, kFloorRounds));
}

void ulr_plain(benchmark::State& state) {
  Bed bed;
  const Combo combo{};
  // imei-check: a kme-required pair's ULR needs a KME proof (docs/security.md §3.21).
  ue::UeProfile p = bed.add_subscriber(1, combo, store::BindingMode::kImeiCheck);
  s6a::UpdateLocationRequest ulr;
  ulr.imsi = p.imsi;
  ulr.visited_plmn_id = plmn();
  ulr.terminal = s6a::TerminalInformation{p.imei14, p.software_version};
  for (auto _ : state) {
    auto ula = bed.hss().on_ulr(ulr, kNowUnix, {.confidential = true});
    if (!ula.result.ok()) {
      state.SkipWithError("ULR refused");
      return;
    }
  }
}

// The sole-pair read of the KME material on the AIA (the AIR makes it inside reserve_sqn) for a
// subscription with one allowed pair (device keys, no KME yet), subscribers taken round robin:
// get_sole_pair (`one_call`) against the two
// reads it replaced (list_bindings, then get_pair). CPU per AIR's reads, no crypto; the wall
// time includes the database round trips. $KMEBIND_BENCH_STORE (a store location, e.g. the
// postgres:// URL of a database for the bench) runs them on that store instead of the Bed's
// SQLite file; each benchmark provisions its own IMSIs there.
void sole_pair_reads(benchmark::State& state, bool one_call) {
  Bed bed;
  std::unique_ptr<store::SubscriberStore> elsewhere;
  if (const char* location = std::getenv("KMEBIND_BENCH_STORE"); location != nullptr) {
    elsewhere = must(store::open_store(location, bench_master_key()), "open $KMEBIND_BENCH_STORE");
  }
  store::SubscriberStore& store = elsewhere ? *elsewhere : bed.store();
  const Combo combo{};
  const std::uint64_t first = one_call ? 1 : 1 + kSubscribers;
  std::vector<std::string> imsis;
  for (std::uint64_t n = first; n < first + kSubscribers; ++n) {
    const ue::UeProfile p =
        must(ue::make_ue_profile(imsi_for(n), n, combo.ecies, combo.sig), "profile");
    sim::SubscriptionPolicy policy;
    policy.procedure1_allowed = false;
    if (auto st = sim::provision_subscription(store, p, policy, "bench");
        !st && st.error().code() != Code::kAlreadyExists) {
      die("provision", st.error());
    }
    imsis.push_back(p.imsi);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& imsi = imsis[i++ % imsis.size()];
    bool device = false;
    if (one_call) {
      auto sole = store.get_sole_pair(imsi);
      device = sole && sole->pair && sole->pair->device.has_value();
    } else {
      auto imeis = store.list_bindings(imsi);
      if (imeis && imeis->size() == 1) {
        auto pair = store.get_pair(imsi, imeis->front());
        device = pair && pair->device.has_value();
      }
    }
    if (!device) {
      state.SkipWithError("no sole pair with device keys");
      return;
    }
  }
}

}  // namespace

void register_hss_benchmarks() {
  benchmark::RegisterBenchmark("hss/air", air)->Iterations(2000)->Unit(benchmark::kMicrosecond);
  for (const Combo& c : all_combos()) {
    benchmark::RegisterBenchmark(("hss/air-kme-material/" + c.name()).c_str(),
                                 [c](benchmark::State& s) { air_kme_material(s, c); })
        ->Iterations(300)
        ->Unit(benchmark::kMicrosecond);
  }
  for (const Combo& c : all_combos()) {
    benchmark::RegisterBenchmark(("hss/kme-request/" + c.name()).c_str(),
                                 [c](benchmark::State& s) { kme_request(s, c); })
        ->Iterations(300)
        ->Unit(benchmark::kMicrosecond);
  }
  for (const Combo& c : all_combos()) {
    benchmark::RegisterBenchmark(("hss/ulr-confirm/" + c.name()).c_str(),
                                 [c](benchmark::State& s) { ulr_confirm(s, c); })
        ->Iterations(kSubscribers)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("hss/ulr-plain", ulr_plain)
      ->Iterations(2000)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("hss/store/sole-pair",
                               [](benchmark::State& s) { sole_pair_reads(s, true); })
      ->Iterations(20000)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("hss/store/bindings-then-pair",
                               [](benchmark::State& s) { sole_pair_reads(s, false); })
      ->Iterations(20000)
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace kmebind::bench
