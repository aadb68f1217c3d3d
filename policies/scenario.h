// Scenario: scripted observations for `gitcanary simulate`.
//
// A scenario is a comma-separated list of clauses; ticks count from 0 (the
// tick that detects the new revision):
//
//   pass                   everything passes (the default, also when empty)
//   fail:METRIC[@K]        METRIC is outside its thresholdRange from tick K on
//   nodata[:METRIC][@K]    METRIC (every metric without a name) has no data from tick K on
//   deny:TYPE[@K]          webhooks of TYPE (e.g. confirm-promotion) deny until tick K
//                          (for ever without @K); a rollback hook that "denies" asks for
//                          a rollback, as an answering rollback hook does in Flagger
//   unready:WHAT[@K]       WHAT (canary or primary) is not ready until tick K
//
// Without @K, fail and nodata start at tick 0. A passing metric value sits
// inside its thresholdRange; a failing one just outside it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "policies/analysis_spec.h"
#include "policies/step.h"

namespace gitcanary::policies {

struct ScenarioClause {
  enum class Kind { kFail, kNoData, kDeny, kUnready };
  Kind kind = Kind::kFail;
  std::string subject;  // metric name, hook type name, "canary" or "primary"; "" = every metric
  int tick = 0;         // from (fail, nodata) or until (deny, unready); -1 = for ever
};

struct Scenario {
  std::vector<ScenarioClause> clauses;
};

// Parses the syntax above; an unknown word, hook type or a bad tick is an
// Invalid error quoting the clause.
Result<Scenario> ParseScenario(std::string_view text);

// Checks that every metric the scenario names exists in `spec` and can fail
// (has a thresholdRange), so a typo does not pass silently.
Status CheckScenario(const Scenario& scenario, const AnalysisSpec& spec);

// The answer to `need` at `tick`.
void Observe(const Scenario& scenario, const AnalysisSpec& spec, int tick, const Need& need, Observations* obs);

}  // namespace gitcanary::policies
