// Registration of the benchmarks of kmebind_bench (one function per source file).
#pragma once

namespace kmebind::bench {

void register_crypto_benchmarks();     // crypto_bench.cpp: primitives and floors
void register_procedure_benchmarks();  // procedure_bench.cpp: in-process attaches
void register_hss_benchmarks();        // hss_bench.cpp: HSS operations on SQLite
void register_hss_concurrent_benchmarks();  // hss_concurrent_bench.cpp: HSS under N workers

}  // namespace kmebind::bench
