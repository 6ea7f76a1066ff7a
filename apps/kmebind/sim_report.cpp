#include "sim_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "nas/ie_emm.h"

namespace kmebind::app {
namespace {

constexpr std::uint8_t kIllegalMe = 6;  // TS 24.301 §9.9.3.9
constexpr std::size_t kMaxDetails = 10;

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

std::string describe(const UeOutcome& o) {
  std::string s(to_string(o.kind));
  if (o.emm_cause) s += " " + nas::to_string(static_cast<nas::EmmCause>(*o.emm_cause));
  if (o.kme_procedure != 0) s += ", KME procedure " + std::to_string(o.kme_procedure);
  if (o.device_authenticated) s += ", device authenticated";
  if (o.kme_version != 0) s += ", KME version " + std::to_string(o.kme_version);
  if (!o.detail.empty()) s += " (" + o.detail + ")";
  return s;
}

std::string describe(const Expected& e) {
  if (e.kind == Expected::Kind::kRejectedIllegalMe) return "Attach reject #6";
  std::string s = "attached";
  if (e.procedure != 0) s += " with a KME provisioned by procedure " + std::to_string(e.procedure);
  if (e.device_authenticated) s += " after device authentication";
  if (e.kme_version != 0) s += " (KME version " + std::to_string(e.kme_version) + ")";
  return s;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

Expected expected_for_role(const DeviceEntry& device) {
  Expected e;
  if (device.role != DeviceRole::kNormal) e.kind = Expected::Kind::kRejectedIllegalMe;
  return e;
}

bool meets(const UeOutcome& o, const Expected& e) {
  if (e.kind == Expected::Kind::kRejectedIllegalMe) {
    return o.kind == UeOutcome::Kind::kRejected && o.emm_cause == kIllegalMe;
  }
  if (o.kind != UeOutcome::Kind::kAttached) return false;
  if (e.procedure != 0 && o.kme_procedure != e.procedure) return false;
  if (e.device_authenticated && !o.device_authenticated) return false;
  if (e.kme_version != 0 && o.kme_version != e.kme_version) return false;
  return true;
}

std::string failure_key(const UeOutcome& o) {
  switch (o.kind) {
    case UeOutcome::Kind::kRejected:
      return o.emm_cause ? "emm-cause-" + std::to_string(*o.emm_cause) : "attach-reject";
    case UeOutcome::Kind::kAuthenticationRejected:
      return "authentication-reject";
    case UeOutcome::Kind::kTimeout:
      return "timeout";
    case UeOutcome::Kind::kLinkLost:
      return "link-lost";
    case UeOutcome::Kind::kPending:
      return "pending";
    case UeOutcome::Kind::kAttached:
      break;
  }
  return "none";
}

void SummaryBuilder::add(const UeOutcome& o, const Expected& e, const std::string& what) {
  SimSummary& s = summary_;
  ++s.ues;
  if (o.kind == UeOutcome::Kind::kAttached) {
    ++s.attached;
    if (o.kme_procedure == 1) ++s.kme_provisioned_procedure1;
    if (o.kme_procedure == 2) ++s.kme_provisioned_procedure2;
    if (o.device_authenticated) ++s.device_authenticated;
  } else {
    ++s.failed;
    ++s.failures[failure_key(o)];
    if (o.kind == UeOutcome::Kind::kRejected ||
        o.kind == UeOutcome::Kind::kAuthenticationRejected) {
      ++s.rejected;
    }
  }
  if (o.kind != UeOutcome::Kind::kPending) latencies_.push_back(o.latency_ms);
  s.attempts += o.attempts;
  s.retries += o.attempts > 1 ? o.attempts - 1 : 0;
  s.congestion_rejects += o.congestion_rejects;
  s.network_failure_rejects += o.network_failure_rejects;
  s.t3346_backoffs += o.t3346_backoffs;
  s.t3410_expiries += o.t3410_expiries;
  s.ue_link_losses += o.link_losses;
  const bool ok = meets(o, e);
  if (ok && e.kind == Expected::Kind::kRejectedIllegalMe) ++s.binding_violations_rejected;
  if (!ok) {
    ++s.unexpected;
    if (s.unexpected_details.size() < kMaxDetails) {
      s.unexpected_details.push_back(what + ": expected " + describe(e) + ", got " + describe(o));
    }
  }
}

void SummaryBuilder::add_phase(const PhaseResult& phase) {
  SimSummary& s = summary_;
  s.connection_losses += phase.connection_losses;
  s.reconnects += phase.reconnects;
  const bool all = std::all_of(phase.outcomes.begin(), phase.outcomes.end(),
                               [](const auto& o) { return o.kind == UeOutcome::Kind::kAttached; });
  s.all_attached_seconds =
      all && !phase.outcomes.empty() ? std::optional(phase.seconds) : std::nullopt;
  if (phase.recovery_seconds) s.recovery_seconds = phase.recovery_seconds;
}

SimSummary SummaryBuilder::finish() const {
  SimSummary s = summary_;
  std::vector<double> sorted = latencies_;
  std::sort(sorted.begin(), sorted.end());
  s.latency_ms_p50 = percentile(sorted, 0.50);
  s.latency_ms_p90 = percentile(sorted, 0.90);
  s.latency_ms_p99 = percentile(sorted, 0.99);
  s.latency_ms_max = sorted.empty() ? 0 : sorted.back();
  s.procedures_per_second = s.seconds > 0 ? static_cast<double>(sorted.size()) / s.seconds : 0;
  return s;
}

nlohmann::json to_json(const SimSummary& s) {
  nlohmann::json j;
  j["ues"] = s.ues;
  j["attached"] = s.attached;
  j["rejected"] = s.rejected;
  j["failed"] = s.failed;
  j["failures"] = s.failures;
  j["kme_provisioned_procedure1"] = s.kme_provisioned_procedure1;
  j["kme_provisioned_procedure2"] = s.kme_provisioned_procedure2;
  j["device_authenticated"] = s.device_authenticated;
  j["binding_violations_rejected"] = s.binding_violations_rejected;
  j["unexpected"] = s.unexpected;
  j["unexpected_details"] = s.unexpected_details;
  j["attempts"] = s.attempts;
  j["retries"] = s.retries;
  j["congestion_rejects"] = s.congestion_rejects;
  j["network_failure_rejects"] = s.network_failure_rejects;
  j["t3346_backoffs"] = s.t3346_backoffs;
  j["t3410_expiries"] = s.t3410_expiries;
  j["ue_link_losses"] = s.ue_link_losses;
  j["connection_losses"] = s.connection_losses;
  j["reconnects"] = s.reconnects;
  j["all_attached_seconds"] =
      s.all_attached_seconds ? nlohmann::json(*s.all_attached_seconds) : nlohmann::json(nullptr);
  j["recovery_seconds"] =
      s.recovery_seconds ? nlohmann::json(*s.recovery_seconds) : nlohmann::json(nullptr);
  j["seconds"] = s.seconds;
  j["procedures_per_second"] = s.procedures_per_second;
  j["latency_ms_p50"] = s.latency_ms_p50;
  j["latency_ms_p90"] = s.latency_ms_p90;
  j["latency_ms_p99"] = s.latency_ms_p99;
  j["latency_ms_max"] = s.latency_ms_max;
  return j;
}

std::string to_text(const SimSummary& s) {
  std::string t;
  auto row = [&t](std::string_view label, const std::string& value) {
    t += "  ";
    t += label;
    t += std::string(label.size() < 38 ? 38 - label.size() : 1, ' ');
    t += value + "\n";
  };
  row("attaches", std::to_string(s.ues));
  row("attached", std::to_string(s.attached));
  row("failed", std::to_string(s.failed));
  for (const auto& [cause, n] : s.failures) {
    std::string label = "  " + cause;
    if (cause.starts_with("emm-cause-")) {
      const int v = std::stoi(cause.substr(10));
      label = "  rejected " + nas::to_string(static_cast<nas::EmmCause>(v));
    }
    row(label, std::to_string(n));
  }
  row("KME provisioned, procedure 1", std::to_string(s.kme_provisioned_procedure1));
  row("KME provisioned, procedure 2", std::to_string(s.kme_provisioned_procedure2));
  row("devices authenticated with KME", std::to_string(s.device_authenticated));
  row("binding violations rejected (#6)", std::to_string(s.binding_violations_rejected));
  row("unexpected outcomes", std::to_string(s.unexpected));
  row("Attach requests (retries)",
      std::to_string(s.attempts) + " (" + std::to_string(s.retries) + ")");
  row("#22 rejects received (with T3346)",
      std::to_string(s.congestion_rejects) + " (" + std::to_string(s.t3346_backoffs) + ")");
  row("#17 rejects received", std::to_string(s.network_failure_rejects));
  row("T3410 expiries", std::to_string(s.t3410_expiries));
  if (s.connection_losses != 0 || s.ue_link_losses != 0) {
    row("links lost / re-established",
        std::to_string(s.connection_losses) + " / " + std::to_string(s.reconnects));
    row("UEs that lost their link", std::to_string(s.ue_link_losses));
    row("recovery (first loss → last attached)",
        s.recovery_seconds ? fixed(*s.recovery_seconds, 3) + " s" : "not recovered");
  }
  if (s.all_attached_seconds) row("time to all attached", fixed(*s.all_attached_seconds, 3) + " s");
  row("time", fixed(s.seconds, 3) + " s");
  row("procedures per second", fixed(s.procedures_per_second, 1));
  row("latency p50 / p90 / p99 / max",
      fixed(s.latency_ms_p50, 2) + " / " + fixed(s.latency_ms_p90, 2) + " / " +
          fixed(s.latency_ms_p99, 2) + " / " + fixed(s.latency_ms_max, 2) + " ms");
  for (const std::string& d : s.unexpected_details) t += "  unexpected: " + d + "\n";
  return t;
}

}  // namespace kmebind::app
