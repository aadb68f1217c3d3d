#include "policies/operator_action.h"

namespace gitcanary::policies {

namespace {

bool HasHook(const AnalysisSpec& spec, HookType type) {
  for (const HookSpec& h : spec.webhooks)
    if (h.type == type) return true;
  return false;
}

Status Refuse(const AnalysisSpec& spec, const AnalysisState& state, const std::string& why) {
  return Status::Invalid("canary " + spec.ns + "/" + spec.name + " is " + std::string(PhaseName(state.phase)) + ": " +
                         why);
}

Result<OperatorOutcome> Approve(const AnalysisSpec& spec, const AnalysisState& state, const std::string& revision) {
  HookType gate;
  switch (state.phase) {
    case Phase::kWaiting: gate = HookType::kConfirmRollout; break;
    case Phase::kProgressing: gate = HookType::kConfirmTrafficIncrease; break;
    case Phase::kWaitingPromotion: gate = HookType::kConfirmPromotion; break;
    default: return Refuse(spec, state, "no gate to approve (approve works while Waiting, Progressing or WaitingPromotion)");
  }
  if (!HasHook(spec, gate))
    return Refuse(spec, state, "it has no " + std::string(HookTypeName(gate)) + " webhook, so nothing waits for approval");
  OperatorOutcome out{state, false, revision, "approved " + std::string(HookTypeName(gate)), ""};
  return out;
}

}  // namespace

std::string_view OperatorActionName(OperatorAction a) {
  switch (a) {
    case OperatorAction::kApprove: return "approve";
    case OperatorAction::kAbort: return "abort";
    case OperatorAction::kPromote: return "promote";
    case OperatorAction::kRetry: return "retry";
  }
  return "unknown";
}

std::string OperatorSummary(const OperatorOutcome& outcome, const std::string& actor) {
  return outcome.summary + " by " + (actor.empty() ? "an operator" : actor) +
         (outcome.detail.empty() ? "" : ": " + outcome.detail);
}

bool IsGate(HookType type) {
  return type == HookType::kConfirmRollout || type == HookType::kConfirmTrafficIncrease ||
         type == HookType::kConfirmPromotion;
}

Result<OperatorOutcome> Operate(const AnalysisSpec& spec, const AnalysisState& state, const std::string& revision,
                                OperatorAction action, long long now_ms) {
  OperatorOutcome out{state, false, "", "", ""};
  out.next.last_transition_ms = now_ms;
  const bool analysing = state.phase == Phase::kWaiting || state.phase == Phase::kProgressing ||
                         state.phase == Phase::kWaitingPromotion;
  switch (action) {
    case OperatorAction::kApprove: {
      auto approved = Approve(spec, state, revision);
      if (approved.ok()) approved->next.last_transition_ms = now_ms;
      return approved;
    }
    case OperatorAction::kAbort:
      if (!analysing) return Refuse(spec, state, "nothing to abort (abort works while Waiting, Progressing or WaitingPromotion)");
      out.next.phase = Phase::kFailed;
      out.next.canary_weight = 0;
      out.next.iterations = 0;
      // The aborted revision counts as applied, as after any rollback, so the
      // next tick does not take it for new and start it again (a canary
      // Waiting at confirm-rollout has not recorded it yet).
      out.next.last_applied_spec = revision;
      out.summary = "aborted";
      out.detail = "rolled back";
      return out;
    case OperatorAction::kPromote:
      if (state.phase != Phase::kProgressing && state.phase != Phase::kWaitingPromotion)
        return Refuse(spec, state, "nothing to promote (promote works while Progressing or WaitingPromotion)");
      if (revision != state.last_applied_spec)
        return Refuse(spec, state, "the target changed (revision " + revision + ") since the analysis of " +
                                       state.last_applied_spec + " began; let serve start the new analysis first");
      out.next.phase = Phase::kPromoting;
      out.next.last_promoted_spec = state.last_applied_spec;
      out.promote = true;
      out.summary = "promoted";
      out.detail = "the rest of the analysis is skipped";
      return out;
    case OperatorAction::kRetry:
      if (state.phase != Phase::kFailed) return Refuse(spec, state, "only a Failed canary can be retried");
      if (revision == state.last_promoted_spec)
        return Refuse(spec, state, "the target is back at the promoted revision; there is nothing to retry");
      out.next.last_applied_spec.clear();
      out.summary = "retry";
      out.detail = "the analysis of revision " + revision + " runs again at the next tick";
      return out;
  }
  return Status::Internal("unknown operator action");
}

}  // namespace gitcanary::policies
