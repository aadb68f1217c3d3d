// The words of a status commit: one line per canary that names the transition
// and the evidence, e.g.
//   canary test/podinfo: weight 20 -> 30 (request-success-rate 99.82 >= 99; request-duration 212 <= 500)
// and the full analysis details recorded as a git note on the commit.
// Credentials never appear: URLs in evidence are already redacted by the
// executor, and nothing else here comes from a secret.
#pragma once

#include <string>
#include <vector>

#include "plugin/serve/analysis_executor.h"
#include "policies/analysis_spec.h"
#include "policies/step.h"

namespace gitcanary::plugin {

struct DecidedCanary {
  std::string id;  // "ns/name"
  const policies::AnalysisSpec* spec = nullptr;
  policies::AnalysisState before;
  Executed executed;
};

// "weight 20 -> 30", "Progressing -> Promoting, weight 60 -> 100", "failed checks 1 -> 2".
std::string TransitionText(const policies::AnalysisState& before, const policies::AnalysisState& after);

// The same, "" when nothing changed.
std::string TransitionTextIfChanged(const policies::AnalysisState& before, const policies::AnalysisState& after);

// "request-success-rate 99.82 >= 99; request-duration 212 <= 500" from the metric
// values observed; "" when no metric was queried.
std::string MetricEvidence(const policies::AnalysisSpec& spec, const policies::Observations& obs);

// "canary NS/NAME: TRANSITION (EVIDENCE)", the evidence being the metrics, else the reason.
std::string CommitLine(const DecidedCanary& c);

// The commit message for status changes of `changed` canaries (at least one).
std::string CommitMessage(const std::vector<const DecidedCanary*>& changed);

// The git note: per canary the transition, the reason and every observation.
std::string AnalysisNote(const std::vector<const DecidedCanary*>& changed, const std::string& decided_at);

}  // namespace gitcanary::plugin
