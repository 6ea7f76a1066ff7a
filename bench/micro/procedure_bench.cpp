// Complete attaches with the three cores in one process (metered_network.h), on a real SQLite
// store: one fresh subscriber per iteration (its first attach, so the KME procedure runs). The
// benchmark's time is the CPU of the whole attach (UE + CNN + HSS + the loop); the counters split
// it per role and give, from the same run, the crypto floor and the ratios of docs/performance-
// micro.md (the floors sampled once after each attach, timing paused):
//   ue_us cnn_us hss_us            CPU per attach inside each core (µs)
//   hss_air_us hss_kmr_us hss_ulr_us  (the CNN runs with its defaults: the KME material comes
//                                   on the AIA, so the AIR carries the KME-Request's work and
//                                   hss_kmr_us is 0 unless the CNN had to send a KME-Request)
//   hss_floor_us hss_ratio         HSS crypto floor per attach (crypto_floor.h); hss_us / floor
//   ue_kme_us                      UE CPU handling the KME Provisioning Command (NAS in → out)
//   ue_unit_us ue_kme_ratio        one X25519 derive + one signature (device algorithm);
//                                  ue_kme_us / unit (target <= 1.2)
//   kme_nas_octets (dl + ul)       NAS PDUs of the KME exchange, security header and MAC included
//   nas_octets nas_pdus            the whole attach, both directions
#include <benchmark/benchmark.h>

#include <vector>

#include "benches.h"
#include "crypto_floor.h"
#include "metered_network.h"

namespace kmebind::bench {
namespace {

constexpr int kAttaches = 200;  // subscribers per combination (one attach each)
void set(benchmark::State& state, const char* name, double value) {
  state.counters[name] = benchmark::Counter(value);
}

void attach_benchmark(benchmark::State& state, const Combo& combo, store::BindingMode binding) {
  const auto n = static_cast<std::size_t>(state.max_iterations);
  Bed bed;
  std::vector<ue::Ue> ues;
  ues.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    ue::UeProfile p = bed.add_subscriber(i + 1, combo, binding);
    ues.push_back(must(ue::make_ue(p, Bed::ue_config()), "UE"));
  }
  MeteredNetwork net(bed.hss(), Bed::cnn_config(), kNowUnix);
  const bool with_kme = binding == store::BindingMode::kKmeRequired;

  // The floors are sampled between the attaches (timing paused), so both see the same load and
  // cache conditions of a shared machine.
  CryptoFloor floor(combo);
  std::int64_t hss_floor_ns = 0, ue_kme_floor_ns = 0, unit_ns = 0;
  const auto sample = [](std::int64_t& acc, auto&& f) {
    const std::int64_t t0 = thread_cpu_ns();
    f();
    acc += thread_cpu_ns() - t0;
  };

  AttachMeter sum;
  std::size_t i = 0;
  for (auto _ : state) {
    AttachMeter m = net.attach(ues[i], static_cast<cnn::UeId>(i + 1));
    ++i;
    if (!m.attached || (with_kme && m.kme_procedure != combo.procedure)) {
      state.SkipWithError(("attach failed: " + m.failure).c_str());
      return;
    }
    if (with_kme) {
      state.PauseTiming();
      // The unit first: the UE's KME step ran after the HSS's and the CNN's work of the
      // attach, with the caches theirs left, and the unit right after the attach sees the same
      // (timed last, after the floors, it found its own code and keys warm: ~10 % faster).
      sample(unit_ns, [&] {
        floor.x25519_derive();
        floor.device_sign();
      });
      sample(hss_floor_ns, [&] { floor.hss_attach(); });
      sample(ue_kme_floor_ns, [&] { floor.ue_kme_provisioning(); });
      state.ResumeTiming();
    }
    sum.ue_ns += m.ue_ns;
    sum.cnn_ns += m.cnn_ns;
    sum.hss_air_ns += m.hss_air_ns;
    sum.hss_kmr_ns += m.hss_kmr_ns;
    sum.hss_ulr_ns += m.hss_ulr_ns;
    sum.ue_kme_ns += m.ue_kme_ns;
    sum.kme_downlink_octets = m.kme_downlink_octets;
    sum.kme_uplink_octets = m.kme_uplink_octets;
    sum.nas_octets = m.nas_octets;
    sum.nas_pdus = m.nas_pdus;
  }
  const double per = 1000.0 * static_cast<double>(i);  // ns → µs per attach
  set(state, "ue_us", static_cast<double>(sum.ue_ns) / per);
  set(state, "cnn_us", static_cast<double>(sum.cnn_ns) / per);
  set(state, "hss_us", static_cast<double>(sum.hss_ns()) / per);
  set(state, "hss_air_us", static_cast<double>(sum.hss_air_ns) / per);
  set(state, "nas_octets", static_cast<double>(sum.nas_octets));
  set(state, "nas_pdus", static_cast<double>(sum.nas_pdus));
  if (!with_kme) return;
  set(state, "hss_kmr_us", static_cast<double>(sum.hss_kmr_ns) / per);
  set(state, "hss_ulr_us", static_cast<double>(sum.hss_ulr_ns) / per);
  set(state, "ue_kme_us", static_cast<double>(sum.ue_kme_ns) / per);
  set(state, "kme_dl_octets", static_cast<double>(sum.kme_downlink_octets));
  set(state, "kme_ul_octets", static_cast<double>(sum.kme_uplink_octets));
  set(state, "kme_nas_octets",
      static_cast<double>(sum.kme_downlink_octets + sum.kme_uplink_octets));

  const double hss_floor = static_cast<double>(hss_floor_ns) / per;
  const double ue_kme_floor = static_cast<double>(ue_kme_floor_ns) / per;
  const double unit = static_cast<double>(unit_ns) / per;
  const double hss_us = static_cast<double>(sum.hss_ns()) / per;
  const double ue_kme_us = static_cast<double>(sum.ue_kme_ns) / per;
  set(state, "hss_floor_us", hss_floor);
  set(state, "hss_ratio", hss_us / hss_floor);
  set(state, "ue_kme_floor_us", ue_kme_floor);
  set(state, "ue_unit_us", unit);
  set(state, "ue_kme_ratio", ue_kme_us / unit);
}

}  // namespace

void register_procedure_benchmarks() {
  for (const Combo& c : all_combos()) {
    benchmark::RegisterBenchmark(
        ("attach/" + c.name()).c_str(),
        [c](benchmark::State& s) { attach_benchmark(s, c, store::BindingMode::kKmeRequired); })
        ->Iterations(kAttaches)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark(
      "attach/no-binding",
      [](benchmark::State& s) { attach_benchmark(s, Combo{}, store::BindingMode::kNone); })
      ->Iterations(kAttaches)
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace kmebind::bench
