#include "net/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <variant>

namespace kmebind::net {
namespace {

enum Type : int { kCounter, kGauge, kHistogram };
constexpr std::array<std::string_view, 3> kTypeNames = {"counter", "gauge", "histogram"};

constexpr std::array<double, 14> kLatencyBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                    0.25,  0.5,    1,     2.5,  5,     10,   30};

// A registration error is a programmer error: report it and stop before any traffic.
[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "kmebind: metrics registration bug: %s\n", message.c_str());
  std::abort();
}

bool is_alpha_(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Prometheus data model: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*.
bool valid_metric_name(std::string_view s) {
  if (s.empty() || !(is_alpha_(s[0]) || s[0] == ':')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_alpha_(c) || is_digit(c) || c == ':'; });
}

bool valid_label_name(std::string_view s) {
  if (s.empty() || !is_alpha_(s[0]) || s.starts_with("__")) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alpha_(c) || is_digit(c); });
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

// `name="value",...` sorted by name (the series key and its rendering).
std::string render_labels(Labels labels) {
  std::sort(labels.begin(), labels.end());
  std::string out;
  for (const auto& [name, value] : labels) {
    if (!out.empty()) out += ',';
    out += name;
    out += "=\"";
    out += escape_label_value(value);
    out += '"';
  }
  return out;
}

std::vector<std::string> label_names(const Labels& labels) {
  std::vector<std::string> names;
  for (const auto& [name, value] : labels) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

std::string braces(const std::string& labels) {
  return labels.empty() ? "" : "{" + labels + "}";
}

}  // namespace

Histogram::Histogram(std::span<const double> upper_bounds)
    : bounds_(upper_bounds.begin(), upper_bounds.end()),
      counts_(new std::atomic<std::uint64_t>[upper_bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::observe(double v) noexcept {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);  // first bound >= v
  counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::span<const double> default_latency_buckets() {
  return kLatencyBuckets;
}

struct MetricsRegistry::Family {
  std::string name;
  std::string help;
  int type = kCounter;
  std::vector<double> bounds;
  std::vector<std::string> label_names;
  bool label_names_set = false;
  using Series =
      std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>, std::unique_ptr<Histogram>>;
  std::map<std::string, Series> series;  // key: rendered labels
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Family& MetricsRegistry::family(std::string_view name, std::string_view help,
                                                 int type, std::span<const double> upper_bounds,
                                                 const Labels& labels) {
  const std::string n(name);
  if (!valid_metric_name(name)) die("'" + n + "' is not a valid metric name");
  for (const auto& [label, value] : labels) {
    if (!valid_label_name(label)) die(n + ": '" + label + "' is not a valid label name");
    if (type == kHistogram && label == "le") die(n + ": 'le' is reserved for histogram buckets");
  }
  auto names = label_names(labels);
  if (std::adjacent_find(names.begin(), names.end()) != names.end()) {
    die(n + ": a label name appears twice");
  }
  auto it = families_.find(name);
  if (it == families_.end()) {
    if (type == kHistogram) {
      if (upper_bounds.empty()) die(n + ": a histogram needs at least one bucket");
      for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
        if (!std::isfinite(upper_bounds[i]) || (i > 0 && upper_bounds[i] <= upper_bounds[i - 1])) {
          die(n + ": bucket bounds must be finite and strictly increasing");
        }
      }
    }
    auto f = std::make_unique<Family>();
    f->name = n;
    f->help = std::string(help);
    f->type = type;
    f->bounds.assign(upper_bounds.begin(), upper_bounds.end());
    f->label_names = std::move(names);
    it = families_.emplace(n, std::move(f)).first;
    return *it->second;
  }
  Family& f = *it->second;
  if (f.type != type) {
    die(n + " is a " + std::string(kTypeNames[static_cast<std::size_t>(f.type)]) +
        ", registered again as a " + std::string(kTypeNames[static_cast<std::size_t>(type)]));
  }
  if (f.help != help) die(n + ": registered again with another help text");
  if (type == kHistogram &&
      !std::equal(f.bounds.begin(), f.bounds.end(), upper_bounds.begin(), upper_bounds.end())) {
    die(n + ": registered again with other buckets");
  }
  if (f.label_names != names) die(n + ": registered again with other label names");
  return f;
}

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help,
                                  const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, kCounter, {}, labels);
  auto& series = f.series[render_labels(labels)];
  if (!std::holds_alternative<std::unique_ptr<Counter>>(series) ||
      !std::get<std::unique_ptr<Counter>>(series)) {
    series = std::make_unique<Counter>();
  }
  return *std::get<std::unique_ptr<Counter>>(series);
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, kGauge, {}, labels);
  auto& series = f.series[render_labels(labels)];
  if (!std::holds_alternative<std::unique_ptr<Gauge>>(series)) series = std::make_unique<Gauge>();
  return *std::get<std::unique_ptr<Gauge>>(series);
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                      std::span<const double> upper_bounds, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, kHistogram, upper_bounds, labels);
  auto& series = f.series[render_labels(labels)];
  if (!std::holds_alternative<std::unique_ptr<Histogram>>(series)) {
    series = std::make_unique<Histogram>(upper_bounds);
  }
  return *std::get<std::unique_ptr<Histogram>>(series);
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + escape_help(f->help) + "\n";
    out +=
        "# TYPE " + name + " " + std::string(kTypeNames[static_cast<std::size_t>(f->type)]) + "\n";
    for (const auto& [labels, series] : f->series) {
      if (const auto* c = std::get_if<std::unique_ptr<Counter>>(&series)) {
        out += fmt::format("{}{} {}\n", name, braces(labels), (*c)->value());
      } else if (const auto* g = std::get_if<std::unique_ptr<Gauge>>(&series)) {
        out += fmt::format("{}{} {}\n", name, braces(labels), format_value((*g)->value()));
      } else if (const auto* h = std::get_if<std::unique_ptr<Histogram>>(&series)) {
        const auto snap = (*h)->snapshot();
        const std::string sep = labels.empty() ? "" : labels + ",";
        for (std::size_t i = 0; i < snap.cumulative.size(); ++i) {
          const std::string le = i < f->bounds.size() ? format_value(f->bounds[i]) : "+Inf";
          out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, sep, le, snap.cumulative[i]);
        }
        out += fmt::format("{}_sum{} {}\n", name, braces(labels), format_value(snap.sum));
        out += fmt::format("{}_count{} {}\n", name, braces(labels), snap.count);
      }
    }
  }
  return out;
}

}  // namespace kmebind::net
