// Table test of how an operator action's outcome is told with who acted: the
// words of each action (README "Operators act through git"), with the actor
// right after what happened and before what it means.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "policies/operator_action.h"

namespace gitcanary::policies {
namespace {

TEST_CASE("operator outcomes name who acted after what happened") {
  AnalysisSpec spec;
  spec.name = "podinfo";
  spec.ns = "test";
  HookSpec gate;
  gate.name = "gate";
  gate.type = HookType::kConfirmPromotion;
  spec.webhooks.push_back(gate);
  AnalysisState progressing;
  progressing.phase = Phase::kProgressing;
  progressing.last_applied_spec = "rev1";
  progressing.last_promoted_spec = "rev0";
  AnalysisState waiting = progressing;
  waiting.phase = Phase::kWaitingPromotion;
  AnalysisState failed = progressing;
  failed.phase = Phase::kFailed;
  struct Row {
    const char* what;
    AnalysisState state;
    OperatorAction action;
    std::string actor;
    std::string want;
  };
  const std::vector<Row> rows = {
      {"approve", waiting, OperatorAction::kApprove, "Olga Operator", "approved confirm-promotion by Olga Operator"},
      {"abort", progressing, OperatorAction::kAbort, "Olga Operator", "aborted by Olga Operator: rolled back"},
      {"promote", progressing, OperatorAction::kPromote, "Ada",
       "promoted by Ada: the rest of the analysis is skipped"},
      {"retry", failed, OperatorAction::kRetry, "Ada",
       "retry by Ada: the analysis of revision rev1 runs again at the next tick"},
      {"no actor known", progressing, OperatorAction::kAbort, "", "aborted by an operator: rolled back"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    auto outcome = Operate(spec, row.state, "rev1", row.action, 1000);
    REQUIRE_MESSAGE(outcome.ok(), outcome.status().message());
    CHECK(OperatorSummary(*outcome, row.actor) == row.want);
  }
}

}  // namespace
}  // namespace gitcanary::policies
