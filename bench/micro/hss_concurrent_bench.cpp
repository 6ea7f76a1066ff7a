// The HSS core as the daemon runs it: N worker threads (hss.workers) calling one sans-IO Hss on a
// real SQLite store opened the daemon's way (open_store, WAL, synchronous=FULL, group commit,
// max_connections = min(N + 2, 64)), every thread with a request in flight. No Diameter, no
// network. What one S6a operation costs the PROCESS (all threads, user + kernel) when group
// commit shares each synced COMMIT between the writers waiting, against the crypto floor of the
// operation (crypto_floor.h) measured in the same run on one thread.
//
// Names (threads: 1 and 64; Google Benchmark appends /iterations:1):
//   hss-concurrent/air/threads:N                 AIR → AIA, one vector (writes the SQN)
//   hss-concurrent/kme-request/<combo>/threads:N KME-Request → KME-Answer (reads only)
//   hss-concurrent/ulr-confirm/<combo>/threads:N ULR with KME-Confirm → ULA (stores the KME)
//   hss-concurrent/attach/<combo>/threads:N      the HSS side of one attach of a fresh
//                                                subscriber as the daemons run it by default
//                                                (docs/protocol.md "KME material on the AIA"):
//                                                AIR asking for KME material, whose AIA carries
//                                                the provisioning; confirming ULR
//   hss-concurrent/attach-kme-request/<combo>/threads:N  the same attach with
//                                                `cnn.kme_prefetch: false`: AIR, KME-Request,
//                                                confirming ULR
// Counters (per operation, or per attach for attach/ and attach-kme-request/):
//   cpu_us            process CPU (CLOCK_PROCESS_CPUTIME_ID) over the timed phase / operations;
//                     the attaches subtract the device's work between the material and the ULR
//                     (ECIES decrypt and signature of procedure 2), metered on each worker's
//                     thread clock
//   user_us sys_us    the same split by getrusage(RUSAGE_SELF) (sys: fdatasync, futex, …; the
//                     kernel apportions it by timer ticks, so short runs split it roughly)
//   switches_per_op   context switches (voluntary + involuntary) of the process per operation
//   floor_us ratio    crypto floor of the operation; cpu_us / floor_us
//   ops_per_s         operations (attaches) per second of wall time
//   batch             group-commit jobs per synced COMMIT in the timed phase (1.0: every write
//                     paid its own sync); commits_per_op = commits / operations
// The timed phase starts once every worker is created and waiting; set-up (device keys,
// provisioning, the KME-Answers a ULR confirms) is not measured.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <ctime>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "benches.h"
#include "crypto/kdf.h"
#include "crypto/kme.h"
#include "crypto_floor.h"
#include "metered_network.h"
#include "nas/kme_payload.h"
#include "store/sqlite_store.h"

namespace kmebind::bench {
namespace {

constexpr int kFloorRounds = 200;
constexpr std::uint64_t kFirstSubscriber = 1;  // device index (and IMSI number) of the first

// Operations per run, by thread count: a few seconds in all, set-up included, on 2 cores.
struct Sizes {
  std::size_t air_subscribers, air_ops, kmr_subscribers, kmr_ops, ulr_ops, attaches;
};
// $KMEBIND_BENCH_HSS_SCALE (a positive integer, default 1) multiplies the operations, e.g. for
// a profile of the timed phase.
Sizes sizes_for(int threads) {
  Sizes s = threads == 1 ? Sizes{64, 600, 16, 300, 200, 150}
                         : Sizes{512, 8000, 128, 1500, 1200, 800};
  const char* scale_env = std::getenv("KMEBIND_BENCH_HSS_SCALE");
  const long scale = scale_env != nullptr ? std::strtol(scale_env, nullptr, 10) : 1;
  if (scale > 1) {
    const auto k = static_cast<std::size_t>(scale);
    s.air_ops *= k;
    s.kmr_ops *= k;
    s.ulr_ops *= k;
    s.attaches *= k;
  }
  return s;
}

std::int64_t process_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t wall_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Usage {
  std::int64_t user_ns, sys_ns, switches;
};
Usage usage() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto ns = [](const timeval& tv) {
    return static_cast<std::int64_t>(tv.tv_sec) * 1'000'000'000 +
           static_cast<std::int64_t>(tv.tv_usec) * 1000;
  };
  return {ns(ru.ru_utime), ns(ru.ru_stime), ru.ru_nvcsw + ru.ru_nivcsw};
}

// `threads` threads each call work(i) for the next unclaimed i < n until none is left. Set-up
// helper (not timed): provisioning and preparing requests share the group commit too.
template <class F>
void parallel_for(int threads, std::size_t n, F&& work) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < n; i = next++) work(i);
    });
  }
  for (std::thread& th : pool) th.join();
}

// What the timed phase measured.
struct Run {
  std::int64_t cpu_ns = 0, user_ns = 0, sys_ns = 0, wall_ns = 0, switches = 0;
  std::uint64_t jobs = 0, commits = 0;
  std::string failure;  // the first failed operation's message; empty when all succeeded
};

// An HSS core on a fresh SQLite store opened as `kmebind hss` opens it for `threads` workers.
class ConcurrentBed {
 public:
  explicit ConcurrentBed(int threads) : threads_(threads) {
    const char* base = std::getenv("KMEBIND_BENCH_DIR");
    dir_ = (base != nullptr ? std::filesystem::path(base)
                            : std::filesystem::temp_directory_path()) /
           ("kmebind-bench-conc-" + std::to_string(::getpid()) + "-" +
            std::to_string(wall_ns()));
    std::filesystem::create_directories(dir_);
    store::StoreOptions options;  // apps/kmebind/hss_daemon.cpp
    options.max_connections = std::min(threads + 2, 64);
    store_ = must(store::open_store((dir_ / "hss.db").string(), bench_master_key(), options),
                  "open store");
    sqlite_ = dynamic_cast<store::sqlite::SqliteStore*>(store_.get());
    must(ring_.add_key(1, SecretBytes(Bytes(32, 0x17))), "cookie key");
    hss::HssConfig config;
    config.allow_procedure1 = true;
    hss_ = std::make_unique<hss::Hss>(must(hss::Hss::create(*store_, ring_, config), "HSS"));
  }
  ~ConcurrentBed() {
    hss_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ConcurrentBed(const ConcurrentBed&) = delete;
  ConcurrentBed& operator=(const ConcurrentBed&) = delete;

  // Devices kFirstSubscriber + [0, n), provisioned for `combo` by all threads at once.
  std::vector<ue::UeProfile> provision(std::size_t n, const Combo& combo) {
    std::vector<ue::UeProfile> out(n);
    parallel_for(threads_, n, [&](std::size_t i) {
      const std::uint64_t index = kFirstSubscriber + i;
      out[i] = must(ue::make_ue_profile(imsi_for(index), index, combo.ecies, combo.sig), "profile");
      sim::SubscriptionPolicy policy;
      policy.procedure1_allowed = combo.procedure != 2;
      policy.procedure2_allowed = combo.procedure != 1;
      must(sim::provision_subscription(*store_, out[i], policy, "bench"), "provision");
    });
    return out;
  }

  // Runs op(i) for i in [0, n) on `threads` workers released together; op returns an empty
  // string on success, else what failed.
  template <class Op>
  Run run(std::size_t n, Op&& op) {
    std::atomic<std::size_t> next{0};
    std::latch ready(threads_);
    std::latch go(1);
    std::mutex failure_mu;
    Run r;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads_; ++t) {
      pool.emplace_back([&] {
        ready.count_down();
        go.wait();
        for (std::size_t i = next++; i < n; i = next++) {
          std::string failed = op(i);
          if (failed.empty()) continue;
          std::lock_guard lock(failure_mu);
          if (r.failure.empty()) r.failure = std::move(failed);
        }
      });
    }
    ready.wait();
    const store::sqlite::GroupCommitStats gc0 = group_stats();
    const Usage u0 = usage();
    const std::int64_t cpu0 = process_cpu_ns();
    const std::int64_t wall0 = wall_ns();
    go.count_down();
    for (std::thread& th : pool) th.join();
    r.wall_ns = wall_ns() - wall0;
    r.cpu_ns = process_cpu_ns() - cpu0;
    const Usage u1 = usage();
    const store::sqlite::GroupCommitStats gc1 = group_stats();
    r.user_ns = u1.user_ns - u0.user_ns;
    r.sys_ns = u1.sys_ns - u0.sys_ns;
    r.switches = u1.switches - u0.switches;
    r.jobs = gc1.jobs - gc0.jobs;
    r.commits = gc1.commits - gc0.commits;
    return r;
  }

  const hss::Hss& hss() const { return *hss_; }
  int threads() const { return threads_; }

 private:
  store::sqlite::GroupCommitStats group_stats() const {
    return sqlite_ != nullptr ? sqlite_->group_commit_stats() : store::sqlite::GroupCommitStats{};
  }

  int threads_;
  std::filesystem::path dir_;
  std::unique_ptr<store::SubscriberStore> store_;
  store::sqlite::SqliteStore* sqlite_ = nullptr;
  crypto::CookieKeyRing ring_;
  std::unique_ptr<hss::Hss> hss_;
};

template <class F>
double floor_us(F&& f) {
  f();
  const std::int64_t t0 = thread_cpu_ns();
  for (int i = 0; i < kFloorRounds; ++i) f();
  return static_cast<double>(thread_cpu_ns() - t0) / 1000.0 / kFloorRounds;
}

// Counters of a run of `ops` operations, `device_ns` of which was device work to leave out.
void report(benchmark::State& state, const Run& r, std::size_t ops, double floor,
            std::int64_t device_ns = 0) {
  if (!r.failure.empty()) {
    state.SkipWithError(r.failure.c_str());
    return;
  }
  const auto n = static_cast<double>(ops);
  const double cpu_us = static_cast<double>(r.cpu_ns - device_ns) / 1000.0 / n;
  state.counters["cpu_us"] = cpu_us;
  state.counters["user_us"] = static_cast<double>(r.user_ns - device_ns) / 1000.0 / n;
  state.counters["sys_us"] = static_cast<double>(r.sys_ns) / 1000.0 / n;
  state.counters["floor_us"] = floor;
  state.counters["ratio"] = cpu_us / floor;
  state.counters["ops_per_s"] = n * 1e9 / static_cast<double>(r.wall_ns);
  state.counters["batch"] =
      r.commits == 0 ? 0.0 : static_cast<double>(r.jobs) / static_cast<double>(r.commits);
  state.counters["commits_per_op"] = static_cast<double>(r.commits) / n;
  state.counters["switches_per_op"] = static_cast<double>(r.switches) / n;
}

std::string check_aia(const s6a::AuthenticationInformationAnswer& aia) {
  if (!aia.result.ok() || aia.vectors.size() != 1) {
    return "AIR refused: " + std::string(s6a::describe(aia.result));
  }
  return {};
}

std::string check_provisioning(const s6a::KmeAnswer& kma, const Combo& combo) {
  const auto* prov = std::get_if<s6a::KmeProvisioning>(&kma.action);
  if (!kma.result.ok() || prov == nullptr || static_cast<int>(prov->procedure) != combo.procedure) {
    return "KME-Request refused: " + std::string(s6a::describe(kma.result));
  }
  return {};
}

std::string check_ula(const s6a::UpdateLocationAnswer& ula) {
  if (!ula.result.ok() || ula.kme_version_stored != 1U) {
    return "ULR refused: " + std::string(s6a::describe(ula.result));
  }
  return {};
}

void air(benchmark::State& state, int threads) {
  const Sizes size = sizes_for(threads);
  ConcurrentBed bed(threads);
  const Combo combo{};
  const std::vector<ue::UeProfile> subs = bed.provision(size.air_subscribers, combo);
  std::vector<s6a::AuthenticationInformationRequest> reqs;
  for (const ue::UeProfile& p : subs) reqs.push_back({p.imsi, plmn(), 1, std::nullopt});
  Run r;
  for (auto _ : state) {
    r = bed.run(size.air_ops, [&](std::size_t i) {
      return check_aia(bed.hss().on_air(reqs[i % reqs.size()], kNowUnix));
    });
  }
  CryptoFloor floor(combo);
  report(state, r, size.air_ops, floor_us([&] { floor.hss_air(); }));
}

void kme_request(benchmark::State& state, const Combo& combo, int threads) {
  const Sizes size = sizes_for(threads);
  ConcurrentBed bed(threads);
  const std::vector<ue::UeProfile> subs = bed.provision(size.kmr_subscribers, combo);
  Run r;
  for (auto _ : state) {
    r = bed.run(size.kmr_ops, [&](std::size_t i) {
      const ue::UeProfile& p = subs[i % subs.size()];
      return check_provisioning(
          bed.hss().on_kme_request({p.imsi, p.imei14, 0x03}, kNowUnix, {.confidential = true}),
          combo);
    });
  }
  CryptoFloor floor(combo);
  report(state, r, size.kmr_ops, floor_us([&] { floor.hss_kme_request(); }));
}

void ulr_confirm(benchmark::State& state, const Combo& combo, int threads) {
  const Sizes size = sizes_for(threads);
  ConcurrentBed bed(threads);
  const std::vector<ue::UeProfile> subs = bed.provision(size.ulr_ops, combo);
  std::vector<s6a::UpdateLocationRequest> reqs(subs.size());
  parallel_for(threads, subs.size(), [&](std::size_t i) {
    const ue::UeProfile& p = subs[i];
    auto kma = bed.hss().on_kme_request({p.imsi, p.imei14, 0x03}, kNowUnix, {.confidential = true});
    if (auto failed = check_provisioning(kma, combo); !failed.empty()) {
      die("ULR set-up", Error(Code::kInternal, failed));
    }
    reqs[i] = confirming_ulr(p, combo, std::get<s6a::KmeProvisioning>(kma.action));
  });
  Run r;
  for (auto _ : state) {
    r = bed.run(reqs.size(), [&](std::size_t i) {
      return check_ula(bed.hss().on_ulr(reqs[i], kNowUnix, {.confidential = true}));
    });
  }
  CryptoFloor floor(combo);
  report(state, r, reqs.size(), floor_us([&] { floor.hss_ulr(); }));
}

// The provisioning of an AIA that carries KME material for `combo`, or null with `failure` set.
s6a::KmeProvisioning* material_of(s6a::AuthenticationInformationAnswer& aia, const Combo& combo,
                                  std::string& failure) {
  failure = check_aia(aia);
  if (!failure.empty()) return nullptr;
  auto* prov =
      aia.kme_prefetch ? std::get_if<s6a::KmeProvisioning>(&aia.kme_prefetch->action) : nullptr;
  if (prov == nullptr || static_cast<int>(prov->procedure) != combo.procedure) {
    failure = "AIA without the KME material of the combination";
  }
  return prov;
}

// How an attach gets its KME material: on the AIA (the default), or by a KME-Request.
enum class Path { kMaterialOnAia, kKmeRequest };

// One fresh subscriber per attach, its requests in order on one worker; the device's work
// between the material and the ULR is metered on the worker's thread clock and left out of
// cpu_us. The floor is the same crypto either way (crypto_floor.h hss_attach).
void attach(benchmark::State& state, const Combo& combo, int threads, Path path) {
  const Sizes size = sizes_for(threads);
  ConcurrentBed bed(threads);
  const std::vector<ue::UeProfile> subs = bed.provision(size.attaches, combo);
  const std::uint8_t asked = path == Path::kMaterialOnAia ? 0x03 : 0x00;
  std::atomic<std::int64_t> device_ns{0};
  Run r;
  for (auto _ : state) {
    r = bed.run(subs.size(), [&](std::size_t i) -> std::string {
      const ue::UeProfile& p = subs[i];
      const hss::LinkInfo link{.confidential = true};
      auto aia = bed.hss().on_air({p.imsi, plmn(), 1, std::nullopt, asked}, kNowUnix, link);
      s6a::KmeAnswer kma;
      s6a::KmeProvisioning* prov = nullptr;
      std::string failure;
      if (path == Path::kMaterialOnAia) {
        prov = material_of(aia, combo, failure);
      } else if (failure = check_aia(aia); failure.empty()) {
        kma = bed.hss().on_kme_request({p.imsi, p.imei14, 0x03}, kNowUnix, link);
        failure = check_provisioning(kma, combo);
        prov = std::get_if<s6a::KmeProvisioning>(&kma.action);
      }
      if (!failure.empty()) return failure;
      const std::int64_t t0 = thread_cpu_ns();
      const s6a::UpdateLocationRequest ulr = confirming_ulr(p, combo, *prov);
      device_ns += thread_cpu_ns() - t0;
      return check_ula(bed.hss().on_ulr(ulr, kNowUnix, link));
    });
  }
  CryptoFloor floor(combo);
  report(state, r, subs.size(), floor_us([&] { floor.hss_attach(); }), device_ns.load());
}

}  // namespace

void register_hss_concurrent_benchmarks() {
  std::vector<int> counts{1, 64};
  if (const char* extra = std::getenv("KMEBIND_BENCH_HSS_THREADS")) {
    counts.clear();
    for (const char* p = extra; *p != 0;) {
      char* end = nullptr;
      const long n = std::strtol(p, &end, 10);
      if (end == p) break;
      if (n >= 1 && n <= 256) counts.push_back(static_cast<int>(n));
      p = *end == ',' ? end + 1 : end;
    }
  }
  for (int threads : counts) {
    const std::string suffix = "/threads:" + std::to_string(threads);
    auto add = [&](const std::string& name, auto fn) {
      benchmark::RegisterBenchmark(("hss-concurrent/" + name + suffix).c_str(), fn)
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
    };
    add("air", [threads](benchmark::State& s) { air(s, threads); });
    for (const Combo& c : all_combos()) {
      add("kme-request/" + c.name(),
          [c, threads](benchmark::State& s) { kme_request(s, c, threads); });
    }
    for (const Combo& c : all_combos()) {
      add("ulr-confirm/" + c.name(),
          [c, threads](benchmark::State& s) { ulr_confirm(s, c, threads); });
    }
    for (const Combo& c : all_combos()) {
      add("attach/" + c.name(), [c, threads](benchmark::State& s) {
        attach(s, c, threads, Path::kMaterialOnAia);
      });
    }
    for (const Combo& c : all_combos()) {
      add("attach-kme-request/" + c.name(), [c, threads](benchmark::State& s) {
        attach(s, c, threads, Path::kKmeRequest);
      });
    }
  }
}

}  // namespace kmebind::bench
