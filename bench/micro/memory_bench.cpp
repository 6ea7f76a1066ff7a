// Memory per attached UE, read from the allocator (glibc mallinfo2: bytes in use, mmapped chunks
// included), never from RSS alone (freed pages stay mapped). Each benchmark runs once
// (Iterations(1)); the figures are counters. The HSS store holds one subscriber (binding mode
// none: the attach is EPS-AKA + Security mode + Update Location, no KME) whose UICC is cloned
// into every UE — the CNN keys UE contexts by link id, so N UEs attach side by side. The store
// defaults to /dev/shm (fsync is free there) unless $KMEBIND_BENCH_DIR says otherwise.
//
//   memory/cnn/<N>   attaches N UEs one after the other (each Ue core destroyed after its attach)
//                    and reports cnn_bytes_per_ue = heap freed by destroying the Cnn / N
//                    (target <= 1024 at 1M), plus rss_mib (process RSS at the end).
//   memory/sim/<N>   keeps N attached Ue cores (USIM, ME with its keys, NAS security context;
//                    devices of ECIES profile A with Ed25519):
//                    sim_bytes_per_ue = heap freed by destroying them / N.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.h"
#include "metered_network.h"

namespace kmebind::bench {
namespace {

std::size_t heap_in_use() {
  const struct mallinfo2 mi = ::mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

double rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      double kib = 0;
      status >> kib;
      return kib / 1024.0;
    }
    std::getline(status, key);
  }
  return 0;
}

void use_shm_by_default() {
  if (std::getenv("KMEBIND_BENCH_DIR") == nullptr) ::setenv("KMEBIND_BENCH_DIR", "/dev/shm", 0);
}

cnn::CnnConfig big_cnn() {
  cnn::CnnConfig c = Bed::cnn_config();
  c.ipv4_pool = "10.0.0.0/8";
  c.max_ues = 4'000'000;
  return c;
}

void cnn_memory(benchmark::State& state) {
  use_shm_by_default();
  const auto n = static_cast<std::size_t>(state.range(0));
  Bed bed;
  const ue::UeProfile p = bed.add_subscriber(1, Combo{}, store::BindingMode::kNone);
  for (auto _ : state) {
    ::malloc_trim(0);
    const std::size_t before = heap_in_use();
    auto net = std::make_unique<MeteredNetwork>(bed.hss(), big_cnn(), kNowUnix);
    for (std::size_t i = 0; i < n; ++i) {
      ue::Ue ue = must(ue::make_ue(p, Bed::ue_config()), "UE");
      const AttachMeter m = net->attach(ue, static_cast<cnn::UeId>(i + 1));
      if (!m.attached) {
        state.SkipWithError(("attach failed: " + m.failure).c_str());
        return;
      }
    }
    const std::size_t attached = heap_in_use();
    state.counters["cnn_ues"] = static_cast<double>(net->cnn().ue_count());
    state.counters["rss_mib"] = rss_mib();
    net.reset();
    const std::size_t after = heap_in_use();
    state.counters["cnn_bytes_per_ue"] =
        static_cast<double>(attached - after) / static_cast<double>(n);
    state.counters["heap_growth_per_ue"] =
        (static_cast<double>(attached) - static_cast<double>(before)) / static_cast<double>(n);
  }
}

void sim_memory(benchmark::State& state) {
  use_shm_by_default();
  const auto n = static_cast<std::size_t>(state.range(0));
  Bed bed;
  const ue::UeProfile p = bed.add_subscriber(1, Combo{}, store::BindingMode::kNone);
  for (auto _ : state) {
    auto ues = std::make_unique<std::vector<ue::Ue>>();
    ues->reserve(n);
    {
      MeteredNetwork net(bed.hss(), big_cnn(), kNowUnix);
      for (std::size_t i = 0; i < n; ++i) {
        ues->push_back(must(ue::make_ue(p, Bed::ue_config()), "UE"));
        const AttachMeter m = net.attach(ues->back(), static_cast<cnn::UeId>(i + 1));
        if (!m.attached) {
          state.SkipWithError(("attach failed: " + m.failure).c_str());
          return;
        }
      }
    }
    ::malloc_trim(0);
    const std::size_t with = heap_in_use();
    ues.reset();
    const std::size_t without = heap_in_use();
    state.counters["sim_bytes_per_ue"] =
        static_cast<double>(with - without) / static_cast<double>(n);
    state.counters["sizeof_ue"] = static_cast<double>(sizeof(ue::Ue));
  }
}

BENCHMARK(cnn_memory)
    ->Name("memory/cnn")
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Iterations(1)
    ->Unit(benchmark::kSecond);
BENCHMARK(sim_memory)
    ->Name("memory/sim")
    ->Arg(10'000)
    ->Arg(100'000)
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace kmebind::bench
