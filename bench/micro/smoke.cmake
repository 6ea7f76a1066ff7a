# ctest bench_micro_smoke: runs the procedure benchmarks of kmebind_bench briefly (the crypto
# floors for 10 ms each, the in-process attaches and the HSS operations one at a time and on one
# worker for their fixed iterations; stores in /dev/shm, CMakeLists.txt) and fails if
# one of them stopped with an error. Google Benchmark exits 0 after SkipWithError, so a benchmark
# that the code under it broke (a refused ULR, a changed message) would only leave a row missing
# from bench/run's table. It checks that the benchmarks run, not how fast.
#   cmake -DBENCH=<kmebind_bench> -P smoke.cmake
if(NOT BENCH)
  message(FATAL_ERROR "smoke.cmake: -DBENCH=<path to kmebind_bench> is required")
endif()
execute_process(
  COMMAND ${BENCH} "--benchmark_filter=^floor/|^attach/|^hss/|^hss-concurrent/.*/threads:1/"
          --benchmark_min_time=0.01 --benchmark_format=json
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kmebind_bench exited ${rc}: ${err}")
endif()
string(REGEX MATCHALL "\"run_name\"" runs "${out}")
list(LENGTH runs n)
if(n LESS 40)
  message(FATAL_ERROR "kmebind_bench ran ${n} benchmarks, expected at least 40:\n${err}")
endif()
string(REGEX MATCHALL "\"name\": \"[^\"]*\",[^}]*\"error_occurred\": true,[^}]*\"error_message\": \"[^\"]*\"" failed "${out}")
if(failed)
  set(lines "")
  foreach(f IN LISTS failed)
    string(REGEX REPLACE "^\"name\": \"([^\"]*)\".*\"error_message\": \"([^\"]*)\"$" "  \\1: \\2" line "${f}")
    string(APPEND lines "${line}\n")
  endforeach()
  message(FATAL_ERROR "benchmarks that stopped with an error:\n${lines}")
endif()
message(STATUS "kmebind_bench: ${n} benchmarks ran, none failed")
