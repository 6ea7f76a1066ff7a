// The load generator of kmebind_s6a_bench: keeps `in_flight` S6a requests outstanding against the
// HSS (each answer immediately triggers the next request), for a warm-up and then a measured
// window, and reports answers per second in the window, latency percentiles, result counts, and
// lost requests (sent − answered over the whole run, after waiting for the stragglers).
//
// Requests use the subscribers of `kmebind admin generate-import` (IMSI = prefix ‖ index,
// IMEI = "35" ‖ 12-digit index), round robin over `subscribers` indexes, so that requests in
// flight at the same time are for different subscribers.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"
#include "diameter/s6a_client.h"

namespace kmebind::bench {

struct LoadOptions {
  std::string command = "air";  // air (Authentication-Information) | ulr (Update-Location)
  std::size_t in_flight = 64;
  double warmup_s = 1.0;
  double duration_s = 10.0;
  std::uint64_t subscribers = 1000;  // indexes 0 .. subscribers-1
  std::string imsi_prefix = "00101";
  std::uint32_t vectors = 1;  // AIR Number-Of-Requested-Vectors
  double drain_s = 5.0;       // after the window: wait this long for answers in flight
};

struct LoadReport {
  std::string command;
  std::size_t in_flight = 0;
  double window_s = 0;
  std::uint64_t sent = 0;      // whole run
  std::uint64_t answered = 0;  // whole run: decoded answers, whatever their result
  std::uint64_t lost = 0;      // sent − answered
  std::uint64_t in_window = 0;
  double per_second = 0;                          // answers in the window / window
  double p50_ms = 0, p99_ms = 0, max_ms = 0;      // answers in the window
  std::map<std::string, std::uint64_t> results;   // answers by result, whole run
  std::map<std::string, std::uint64_t> failures;  // requests with no answer, by error
};

// REQUIRES: the client's core is started and a peer is up.
Result<LoadReport> run_load(diameter::S6aClient& client, const LoadOptions& options);

nlohmann::json to_json(const LoadReport& report);
std::string to_text(const LoadReport& report);

}  // namespace kmebind::bench
