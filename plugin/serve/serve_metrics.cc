#include "plugin/serve/serve_metrics.h"

#include <cstdio>

namespace gitcanary::plugin {

namespace {

std::string Label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Header(std::string* out, const char* name, const char* type, const char* help) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

void ServeMetrics::RecordPass(const Catalog* catalog, const PassReport& report) {
  std::lock_guard<std::mutex> lock(mu_);
  if (catalog != nullptr) {
    canaries_.clear();
    for (const CatalogEntry& e : catalog->canaries)
      canaries_[e.id] = CanaryGauges{e.state.phase, e.state.canary_weight, e.state.failed_checks, !e.error.ok()};
  }
  for (const DecidedCanary& d : report.decided) {
    const bool committed = !report.pushed.empty() && d.executed.decision.Changed(d.before);
    const policies::AnalysisState& s = committed ? d.executed.decision.next : d.before;
    CanaryGauges& g = canaries_[d.id];
    g.phase = s.phase;
    g.weight = s.canary_weight;
    g.failed_checks = s.failed_checks;
  }
  ++passes_;
  analysis_seconds_ += static_cast<double>(report.analysis_ms) / 1000.0;
  push_attempts_ += report.push_attempts;
  conflicts_ += report.conflicts;
  if (!report.pushed.empty()) ++commits_;
}

void ServeMetrics::RecordFetch(bool ok, long long unix_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  fetch_failing_ = !ok;
  if (ok) last_fetch_ok_ms_ = unix_ms;
}

void ServeMetrics::RecordLease(bool held) {
  std::lock_guard<std::mutex> lock(mu_);
  lease_held_ = held;
}

bool ServeMetrics::Ready() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !fetch_failing_ && last_fetch_ok_ms_ > 0;
}

std::string ServeMetrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  Header(&out, "gitcanary_canary_weight", "gauge", "Canary traffic weight in the status of record.");
  for (const auto& [id, g] : canaries_) out += "gitcanary_canary_weight{canary=\"" + Label(id) + "\"} " + std::to_string(g.weight) + "\n";
  Header(&out, "gitcanary_canary_phase", "gauge", "1 for the canary's current phase.");
  for (const auto& [id, g] : canaries_)
    for (int i = 0; i <= static_cast<int>(Phase::kFailed); ++i)
      out += "gitcanary_canary_phase{canary=\"" + Label(id) + "\",phase=\"" +
             std::string(PhaseName(static_cast<Phase>(i))) + "\"} " + (static_cast<Phase>(i) == g.phase ? "1" : "0") +
             "\n";
  Header(&out, "gitcanary_canary_failed_checks", "gauge", "Failed checks of the current analysis.");
  for (const auto& [id, g] : canaries_)
    out += "gitcanary_canary_failed_checks{canary=\"" + Label(id) + "\"} " + std::to_string(g.failed_checks) + "\n";
  Header(&out, "gitcanary_canary_halted", "gauge", "1 while the canary cannot be analysed (see the logs).");
  for (const auto& [id, g] : canaries_)
    out += "gitcanary_canary_halted{canary=\"" + Label(id) + "\"} " + (g.halted ? "1" : "0") + "\n";
  Header(&out, "gitcanary_analysis_seconds", "summary", "Time spent deciding, per pass.");
  out += "gitcanary_analysis_seconds_sum " + Num(analysis_seconds_) + "\ngitcanary_analysis_seconds_count " +
         std::to_string(passes_) + "\n";
  Header(&out, "gitcanary_push_attempts_total", "counter", "Status commits offered to the remote.");
  out += "gitcanary_push_attempts_total " + std::to_string(push_attempts_) + "\n";
  Header(&out, "gitcanary_push_conflicts_total", "counter", "Pushes rejected because the branch had moved.");
  out += "gitcanary_push_conflicts_total " + std::to_string(conflicts_) + "\n";
  Header(&out, "gitcanary_status_commits_total", "counter", "Status commits pushed.");
  out += "gitcanary_status_commits_total " + std::to_string(commits_) + "\n";
  Header(&out, "gitcanary_last_fetch_success_timestamp_seconds", "gauge", "Unix time of the last successful fetch.");
  out += "gitcanary_last_fetch_success_timestamp_seconds " + Num(static_cast<double>(last_fetch_ok_ms_) / 1000.0) + "\n";
  Header(&out, "gitcanary_lease_held", "gauge", "1 while this replica holds the lease and does the work.");
  out += std::string("gitcanary_lease_held ") + (lease_held_ ? "1" : "0") + "\n";
  return out;
}

}  // namespace gitcanary::plugin
