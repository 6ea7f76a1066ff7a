// kmebind_bench: the micro benchmarks of docs/performance-micro.md. Google Benchmark's own flags
// apply (--benchmark_filter=REGEX, --benchmark_format=json, --benchmark_repetitions=N, ...).
#include <benchmark/benchmark.h>

#include "benches.h"

int main(int argc, char** argv) {
  kmebind::bench::register_crypto_benchmarks();
  kmebind::bench::register_procedure_benchmarks();
  kmebind::bench::register_hss_benchmarks();
  kmebind::bench::register_hss_concurrent_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
