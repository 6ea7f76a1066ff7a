#include "load_client.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

namespace kmebind::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string padded(std::uint64_t v, std::size_t width) {
  std::string s = std::to_string(v);
  return std::string(width > s.size() ? width - s.size() : 0, '0') + s;
}

std::string result_name(s6a::ResultCode rc) {
  const std::string_view name = s6a::describe(rc);
  if (name == "unrecognised result") {
    return std::to_string(rc.vendor_id) + "/" + std::to_string(rc.code);
  }
  return std::string(name);
}

class Load {
 public:
  Load(diameter::S6aClient& client, const LoadOptions& o) : client_(client), o_(o) {
    msin_digits_ = 15 - o.imsi_prefix.size();
  }

  LoadReport run() {
    const auto start = Clock::now();
    window_start_ = start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(o_.warmup_s));
    window_end_ = window_start_ + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(o_.duration_s));
    latencies_us_.reserve(1u << 20);
    for (std::size_t i = 0; i < o_.in_flight; ++i) issue();
    std::this_thread::sleep_until(window_end_);
    sending_ = false;
    {
      std::unique_lock lock(mu_);
      drained_.wait_for(lock, std::chrono::duration<double>(o_.drain_s),
                        [&] { return outstanding_.load() == 0; });
    }
    std::lock_guard lock(mu_);
    LoadReport r;
    r.command = o_.command;
    r.in_flight = o_.in_flight;
    r.window_s = o_.duration_s;
    r.sent = sent_.load();
    r.answered = answered_;
    r.lost = r.sent - r.answered;
    r.in_window = latencies_us_.size();
    r.per_second = static_cast<double>(r.in_window) / o_.duration_s;
    std::vector<std::uint32_t> sorted = latencies_us_;
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) {
      if (sorted.empty()) return 0.0;
      const auto i = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1));
      return static_cast<double>(sorted[i]) / 1000.0;
    };
    r.p50_ms = at(0.50);
    r.p99_ms = at(0.99);
    r.max_ms = sorted.empty() ? 0.0 : static_cast<double>(sorted.back()) / 1000.0;
    r.results = results_;
    r.failures = failures_;
    return r;
  }

  bool idle() const { return outstanding_.load() == 0; }

 private:
  void issue() {
    if (!sending_.load(std::memory_order_relaxed)) return;
    const std::uint64_t index = next_.fetch_add(1, std::memory_order_relaxed) % o_.subscribers;
    std::string imsi = o_.imsi_prefix + padded(index, msin_digits_);
    ++outstanding_;
    ++sent_;
    const Clock::time_point sent_at = Clock::now();
    if (o_.command == "air") {
      s6a::AuthenticationInformationRequest air;
      air.imsi = std::move(imsi);
      air.visited_plmn_id = kPlmn;
      air.number_of_vectors = o_.vectors;
      client_.send(std::move(air), [this, sent_at](Result<s6a::AuthenticationInformationAnswer> a) {
        complete(sent_at, a ? std::optional(a->result) : std::nullopt, a ? nullptr : &a.error());
      });
    } else {
      s6a::UpdateLocationRequest ulr;
      ulr.imsi = std::move(imsi);
      ulr.visited_plmn_id = kPlmn;
      ulr.terminal = s6a::TerminalInformation{"35" + padded(index, 12), "01"};
      client_.send(std::move(ulr), [this, sent_at](Result<s6a::UpdateLocationAnswer> a) {
        complete(sent_at, a ? std::optional(a->result) : std::nullopt, a ? nullptr : &a.error());
      });
    }
  }

  void complete(Clock::time_point sent_at, std::optional<s6a::ResultCode> result,
                const Error* error) {
    const Clock::time_point now = Clock::now();
    {
      std::lock_guard lock(mu_);
      if (result) {
        ++answered_;
        ++results_[result_name(*result)];
        if (now >= window_start_ && now < window_end_) {
          latencies_us_.push_back(static_cast<std::uint32_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at).count()));
        }
      } else {
        ++failures_[std::string(to_string(error->code())) + ": " + error->message()];
      }
    }
    // A request that got no answer is not replaced: a dead peer must not make the loop spin.
    if (result) issue();
    if (--outstanding_ == 0 && !sending_.load()) {
      std::lock_guard lock(mu_);
      drained_.notify_all();
    }
  }

  inline static const Bytes kPlmn{0x00, 0xf1, 0x10};  // MCC 001, MNC 01 (TS 24.008 §10.5.1.13)

  diameter::S6aClient& client_;
  const LoadOptions o_;  // a copy: a Load left with requests in flight outlives its caller
  std::size_t msin_digits_ = 10;
  Clock::time_point window_start_, window_end_;
  std::atomic<bool> sending_{true};
  std::atomic<std::uint64_t> next_{0};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::int64_t> outstanding_{0};
  std::mutex mu_;
  std::condition_variable drained_;
  std::uint64_t answered_ = 0;
  std::vector<std::uint32_t> latencies_us_;
  std::map<std::string, std::uint64_t> results_;
  std::map<std::string, std::uint64_t> failures_;
};

}  // namespace

Result<LoadReport> run_load(diameter::S6aClient& client, const LoadOptions& options) {
  if (options.command != "air" && options.command != "ulr") {
    return fail(Code::kInvalidArgument, "--command must be air or ulr");
  }
  if (options.in_flight == 0 || options.subscribers == 0 || options.duration_s <= 0 ||
      options.warmup_s < 0) {
    return fail(Code::kInvalidArgument,
                "--in-flight, --subscribers and --duration must be positive, --warmup >= 0");
  }
  if (options.imsi_prefix.size() < 5 || options.imsi_prefix.size() > 6) {
    return fail(Code::kInvalidArgument, "--imsi-prefix must be MCC+MNC, 5 or 6 digits");
  }
  // A Load still waiting for answers after the drain time is leaked on purpose: their callbacks
  // may still come (until the core stops) and must find it alive.
  auto* load = new Load(client, options);
  LoadReport report = load->run();
  if (load->idle()) delete load;
  return report;
}

nlohmann::json to_json(const LoadReport& r) {
  return nlohmann::json{{"command", r.command},       {"in_flight", r.in_flight},
                        {"window_s", r.window_s},     {"sent", r.sent},
                        {"answered", r.answered},     {"lost", r.lost},
                        {"per_second", r.per_second}, {"p50_ms", r.p50_ms},
                        {"p99_ms", r.p99_ms},         {"max_ms", r.max_ms},
                        {"results", r.results},       {"failures", r.failures}};
}

std::string to_text(const LoadReport& r) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  out << r.command << " in-flight=" << r.in_flight << ": "
      << static_cast<std::uint64_t>(r.per_second) << "/s p50=" << r.p50_ms << "ms p99=" << r.p99_ms
      << "ms max=" << r.max_ms << "ms sent=" << r.sent << " answered=" << r.answered
      << " lost=" << r.lost;
  for (const auto& [name, n] : r.results) out << " [" << name << " " << n << "]";
  for (const auto& [name, n] : r.failures) out << " {" << name << " " << n << "}";
  return out.str();
}

}  // namespace kmebind::bench
