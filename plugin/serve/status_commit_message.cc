#include "plugin/serve/status_commit_message.h"

#include <cmath>
#include <cstdio>

namespace gitcanary::plugin {

namespace {

// A metric value or bound, shortest form up to two decimals: 99.82, 212, 0.5.
std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) {
    const bool dot = s.back() == '.';
    s.pop_back();
    if (dot) break;
  }
  return s;
}

std::string OneMetric(const policies::MetricSpec& m, const policies::MetricOutcome& outcome) {
  if (!outcome.value) return m.name + " no data";
  const double v = *outcome.value;
  std::string out = m.name + " " + Number(v);
  if (m.min && v < *m.min) return out + " < " + Number(*m.min);
  if (m.max && v > *m.max) return out + " > " + Number(*m.max);
  if (m.min && m.max) return out + " in [" + Number(*m.min) + ", " + Number(*m.max) + "]";
  if (m.min) return out + " >= " + Number(*m.min);
  if (m.max) return out + " <= " + Number(*m.max);
  return out;
}

}  // namespace

std::string TransitionText(const policies::AnalysisState& before, const policies::AnalysisState& after) {
  std::vector<std::string> parts;
  if (before.phase != after.phase)
    parts.push_back(std::string(PhaseName(before.phase)) + " -> " + std::string(PhaseName(after.phase)));
  if (before.canary_weight != after.canary_weight)
    parts.push_back("weight " + std::to_string(before.canary_weight) + " -> " + std::to_string(after.canary_weight));
  if (before.iterations != after.iterations)
    parts.push_back("iterations " + std::to_string(before.iterations) + " -> " + std::to_string(after.iterations));
  if (before.failed_checks != after.failed_checks)
    parts.push_back("failed checks " + std::to_string(before.failed_checks) + " -> " +
                    std::to_string(after.failed_checks));
  if (before.last_applied_spec != after.last_applied_spec && before.phase == after.phase)
    parts.push_back("revision " + after.last_applied_spec);
  if (parts.empty()) return "status refreshed";
  std::string out = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) out += ", " + parts[i];
  return out;
}

std::string TransitionTextIfChanged(const policies::AnalysisState& before, const policies::AnalysisState& after) {
  const std::string text = TransitionText(before, after);
  return text == "status refreshed" ? "" : text;
}

std::string MetricEvidence(const policies::AnalysisSpec& spec, const policies::Observations& obs) {
  std::string out;
  for (std::size_t i = 0; i < obs.metrics.size() && i < spec.metrics.size(); ++i) {
    if (!obs.metrics[i]) continue;
    if (!out.empty()) out += "; ";
    out += OneMetric(spec.metrics[i], *obs.metrics[i]);
  }
  return out;
}

std::string CommitLine(const DecidedCanary& c) {
  const policies::Decision& d = c.executed.decision;
  const std::string transition = TransitionText(c.before, d.next);
  std::string evidence = MetricEvidence(*c.spec, c.executed.observations);
  if (evidence.empty()) {
    // The reason, unless it only repeats the transition: "weight 0 -> 10 (pre-rollout checks passed)".
    evidence = d.reason;
    if (evidence.compare(0, transition.size(), transition) == 0) {
      evidence.erase(0, transition.size());
      while (!evidence.empty() && (evidence[0] == ' ' || evidence[0] == ':')) evidence.erase(0, 1);
      if (evidence.size() >= 2 && evidence.front() == '(' && evidence.back() == ')')
        evidence = evidence.substr(1, evidence.size() - 2);
    }
  }
  std::string line = "canary " + c.id + ": " + transition;
  if (!evidence.empty()) line += " (" + evidence + ")";
  return line;
}

std::string CommitMessage(const std::vector<const DecidedCanary*>& changed) {
  if (changed.size() == 1) return CommitLine(*changed[0]) + "\n";
  std::string out = "gitcanary: status of " + std::to_string(changed.size()) + " canaries\n\n";
  for (const DecidedCanary* c : changed) out += CommitLine(*c) + "\n";
  return out;
}

std::string AnalysisNote(const std::vector<const DecidedCanary*>& changed, const std::string& decided_at) {
  std::string out = "gitcanary analysis at " + decided_at + "\n";
  for (const DecidedCanary* c : changed) {
    const policies::Decision& d = c->executed.decision;
    out += "\ncanary " + c->id + "\n";
    out += "  transition: " + TransitionText(c->before, d.next) + "\n";
    out += "  phase: " + std::string(PhaseName(d.next.phase)) + "\n";
    out += "  weight: " + std::to_string(d.next.canary_weight) + "\n";
    out += "  failed checks: " + std::to_string(d.next.failed_checks) + "\n";
    out += "  revision: " + c->executed.observations.revision + "\n";
    out += "  reason: " + d.reason + "\n";
    for (const Evidence& e : c->executed.evidence) out += "  " + e.what + ": " + e.detail + "\n";
  }
  return out;
}

}  // namespace gitcanary::plugin
