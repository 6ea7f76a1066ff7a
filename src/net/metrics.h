// A small Prometheus metrics registry (text exposition format 0.0.4,
// https://prometheus.io/docs/instrumenting/exposition_formats/): counters, gauges and histograms
// with fixed buckets, each optionally split by labels. docs/operations.md §3 gives the naming
// convention (kmebind_<role>_<what>_<unit>, counters end in _total, latencies in seconds).
//
// Hot path: Counter::inc, Gauge::set/add and Histogram::observe are relaxed atomic operations,
// no lock, no allocation. Registration takes a lock and may allocate; do it at startup and keep
// the returned reference (it stays valid as long as the registry).
//
// Registration errors are programmer errors (a bad metric or label name, the same name registered
// with another type, help, bucket list or label names): the process prints the reason to stderr
// and aborts, at startup, before any traffic.
//
// Thread safety: everything may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kmebind::net {

// Label name → value pairs of one time series, e.g. {{"result", "accepted"}}. Values may be any
// UTF-8 text (escaped on output); names match [a-zA-Z_][a-zA-Z0-9_]* and do not start with "__".
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // REQUIRES: `upper_bounds` strictly increasing and finite (checked by the registry).
  explicit Histogram(std::span<const double> upper_bounds);

  // Counts `v` in the first bucket whose upper bound is >= v (the +Inf bucket if none).
  void observe(double v) noexcept;

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per upper bound, then +Inf (== count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  // The counts and sum now. Observations racing with the snapshot may be in the counts and not
  // yet in the sum, or the other way round; each counter on its own is exact.
  Snapshot snapshot() const;
  const std::vector<double>& upper_bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, not cumulative; +Inf last
  std::atomic<double> sum_{0.0};
};

// Latency buckets in seconds for procedure durations: 1 ms … 30 s.
std::span<const double> default_latency_buckets();

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The time series `name`{labels}, created on first use; the same name and labels (in any
  // order) give the same object. `help` is one line of text describing the family.
  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help,
                       std::span<const double> upper_bounds, const Labels& labels = {});

  // The exposition text: for each family, sorted by name, "# HELP", "# TYPE", then its series
  // sorted by labels; histograms as _bucket{le=...} (cumulative, ending with le="+Inf"), _sum
  // and _count. Ends with a newline.
  std::string render() const;

  struct Family;

 private:
  Family& family(std::string_view name, std::string_view help, int type,
                 std::span<const double> upper_bounds, const Labels& labels);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
};

// The content type of render()'s output, for HTTP.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace kmebind::net
