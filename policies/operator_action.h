// Operator actions: what `gitcanary approve|abort|promote|retry` do to a
// canary's state, checked against the state machine so an action that makes
// no sense in the current phase is refused with the reason.
//
//   approve  opens the gate the canary waits at: confirm-rollout (Waiting),
//            confirm-traffic-increase (Progressing) or confirm-promotion
//            (WaitingPromotion). The approval is recorded for the revision
//            under analysis and used once: serve answers that gate's webhooks
//            with "approved" at its next tick, and clears it.
//   abort    rolls back now: Failed, weight 0 (from Waiting, Progressing or
//            WaitingPromotion; a promotion under way cannot be aborted). The
//            revision committed now is recorded as the failed one, so serve
//            does not start it again; retry (or a new revision) does.
//   promote  skips the rest of the analysis: Promoting, the revision under
//            analysis becomes the promoted one.
//   retry    re-runs the analysis of a failed revision without any change to
//            the pod template: serve sees the revision as new at its next tick.
// Pure: the caller reads the state from git and commits the outcome.
#pragma once

#include <string>

#include "core/status.h"
#include "policies/analysis_spec.h"
#include "policies/step.h"

namespace gitcanary::policies {

enum class OperatorAction { kApprove, kAbort, kPromote, kRetry };

std::string_view OperatorActionName(OperatorAction a);

struct OperatorOutcome {
  AnalysisState next;
  bool promote = false;            // copy the current template into the promoted snapshot
  std::string approved_revision;   // approve: the revision whose gate opens
  std::string summary;             // what happened: "approved confirm-promotion", "aborted", ...
  std::string detail;              // what it means, or "": "rolled back", ...
};

// The outcome told with who acted: "aborted by Olga Operator: rolled back",
// "approved confirm-rollout by Olga Operator".
std::string OperatorSummary(const OperatorOutcome& outcome, const std::string& actor);

// `revision` is the checksum of the target as committed now.
Result<OperatorOutcome> Operate(const AnalysisSpec& spec, const AnalysisState& state, const std::string& revision,
                                OperatorAction action, long long now_ms);

// Whether a webhook of `type` is a manual gate that an approval opens.
bool IsGate(HookType type);

}  // namespace gitcanary::policies
