// The state machine behind Step. One StepRun per call: it holds the inputs and
// the decision under construction, and each method is one check of Flagger's
// order. A check either settles the decision (returns kDone), lets the step
// go on (kGoOn), or lacks an observation (kNeed, with decision.need set).
#include "policies/step.h"

#include <algorithm>
#include <cmath>
#include <charconv>
#include <utility>

#include "core/affinity_cookie.h"

namespace gitcanary::policies {

namespace {

enum class Flow { kGoOn, kDone, kNeed };

bool IsIdle(Phase p) { return p == Phase::kInitialized || p == Phase::kSucceeded || p == Phase::kFailed; }
bool IsAnalysing(Phase p) { return p == Phase::kProgressing || p == Phase::kWaitingPromotion; }

// "99.82", "212", "0.5": at most two decimals, no trailing zeros.
std::string Number(double v) {
  char buf[400];  // room for the largest double in fixed notation
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
  if (ec != std::errc()) return "?";
  while (end > buf && end[-1] == '0') --end;
  if (end > buf && end[-1] == '.') --end;
  return std::string(buf, end);
}

class StepRun {
 public:
  StepRun(const AnalysisSpec& spec, const AnalysisState& state, const Observations& obs, long long now)
      : spec_(spec), st_(state), obs_(obs), now_(now), iterations_(AnalysisIterations(spec)) {
    d_.next = state;
  }

  Decision Run() {
    Flow f = Decide();
    if (f == Flow::kNeed) {
      d_.next = st_;
      d_.actions.clear();
      d_.reason.clear();
    } else if (!(d_.next == st_)) {
      d_.next.last_transition_ms = now_;
    }
    return std::move(d_);
  }

 private:
  Flow Decide() {
    if (spec_.suspend) return Done("suspended: spec.suspend is true");
    if (st_.phase == Phase::kInitializing) return Initialise();
    if (IsIdle(st_.phase) && !IsNewRevision()) return Idle();
    Flow f;
    // Flagger checks the primary before anything else of a revision, even
    // before confirm-rollout; skipAnalysis skips the check (the hotfix path).
    if (!spec_.skip_analysis && (f = CheckPrimary()) != Flow::kGoOn) return f;
    if (IsIdle(st_.phase) || st_.phase == Phase::kWaiting) return ConfirmRollout();
    if (IsAnalysing(st_.phase) && IsNewRevision()) return Restart();
    if ((f = CheckCanary()) != Flow::kGoOn) return f;
    if (spec_.skip_analysis) return SkipAnalysis();
    if (IsAnalysing(st_.phase) && (f = RollbackHooks()) != Flow::kGoOn) return f;
    if (st_.phase == Phase::kPromoting) return PromotionShift();
    if (st_.phase == Phase::kFinalising) return Finalise();
    if (st_.failed_checks >= spec_.threshold) {
      return Rollback("failed checks threshold reached: " + std::to_string(st_.failed_checks) + " of " +
                          std::to_string(spec_.threshold),
                      Severity::kError, "Failed checks threshold reached " + std::to_string(st_.failed_checks));
    }
    if ((f = Analyse()) != Flow::kGoOn) return f;
    switch (StrategyOf(spec_)) {
      case Strategy::kABTesting: return AbTesting();
      case Strategy::kBlueGreen: return BlueGreen();
      case Strategy::kCanary: break;
    }
    return CanaryStrategy();
  }

  // --- building blocks ---------------------------------------------------

  Flow Done(std::string reason) {
    d_.reason = std::move(reason);
    return Flow::kDone;
  }

  Flow Needs(Need::Kind kind, std::size_t index = 0) {
    d_.need = Need{kind, index};
    return Flow::kNeed;
  }

  void Alert(Severity severity, std::string message) {
    d_.actions.push_back(Action{Action::Kind::kAlert, severity, Phase::kSucceeded, std::move(message)});
  }

  void HookAlert(const HookSpec& hook, std::string message) {
    if (!hook.mute_alert) Alert(Severity::kWarn, std::move(message));
  }

  std::string Target() const { return spec_.ns + "/" + spec_.target; }

  // A new revision is one that differs from the one last applied, unless it is
  // the promoted one: going back to what the primary runs is a manual
  // rollback, and starts nothing.
  bool IsNewRevision() const {
    if (st_.last_applied_spec.empty()) return true;
    if (obs_.revision == st_.last_promoted_spec) return false;
    return obs_.revision != st_.last_applied_spec;
  }

  // Runs every hook of `type` in order until one fails. kGoOn: all passed.
  // kDone: hook `*failed` failed. kNeed: an answer is missing.
  Flow Hooks(HookType type, std::size_t* failed) {
    for (std::size_t i = 0; i < spec_.webhooks.size(); ++i) {
      if (spec_.webhooks[i].type != type) continue;
      if (i >= obs_.hooks.size() || !obs_.hooks[i]) return Needs(Need::Kind::kHook, i);
      if (!obs_.hooks[i]->ok) {
        *failed = i;
        return Flow::kDone;
      }
    }
    return Flow::kGoOn;
  }

  std::string HookFailure(std::size_t i) const {
    const HookSpec& hook = spec_.webhooks[i];
    return std::string(HookTypeName(hook.type)) + " hook " + hook.name + " failed: " + obs_.hooks[i]->reason;
  }

  Flow FailedCheck(std::string why) {
    d_.next.failed_checks = st_.failed_checks + 1;
    return Done("check failed (" + std::to_string(d_.next.failed_checks) + "/" + std::to_string(spec_.threshold) +
                "): " + why);
  }

  // Phase Failed at weight 0. The failed revision stays in lastAppliedSpec,
  // so the same spec does not start again by itself.
  // The alert is Flagger's for the cause: `alert` at `severity`.
  Flow Rollback(const std::string& why, Severity severity, std::string alert) {
    d_.next.phase = Phase::kFailed;
    d_.next.canary_weight = 0;
    d_.next.iterations = 0;
    Alert(severity, std::move(alert));
    d_.actions.push_back(Action{Action::Kind::kPostRollout, Severity::kError, Phase::kFailed, ""});
    return Done("rolled back: " + why);
  }

  void Promote() {
    d_.actions.push_back(Action{Action::Kind::kPromote, Severity::kInfo, Phase::kPromoting, ""});
    d_.next.last_promoted_spec = st_.last_applied_spec;
  }

  // --- the checks --------------------------------------------------------

  Flow Initialise() {
    if (!obs_.primary) return Needs(Need::Kind::kPrimaryReadiness);
    if (!obs_.primary->ready) return Done("initialising: waiting for the primary: " + obs_.primary->reason);
    d_.next = AnalysisState{};
    d_.next.phase = Phase::kInitialized;
    d_.next.last_applied_spec = obs_.revision;
    d_.next.last_promoted_spec = obs_.revision;
    d_.actions.push_back(Action{Action::Kind::kPromote, Severity::kInfo, Phase::kInitialized, ""});
    Alert(Severity::kInfo, "New Deployment detected, initialization completed.");
    return Done("initialized: the primary runs revision " + obs_.revision);
  }

  Flow Idle() {
    // Flagger keeps lastAppliedSpec in step with a manual rollback of a
    // failed canary, so that the failed revision, pushed again, is analysed.
    if (st_.phase == Phase::kFailed && obs_.revision == st_.last_promoted_spec &&
        st_.last_applied_spec != obs_.revision) {
      d_.next.last_applied_spec = obs_.revision;
      return Done("manual rollback: the target is back at the promoted revision " + obs_.revision);
    }
    return Done("no new revision");
  }

  Flow ConfirmRollout() {
    std::size_t failed = 0;
    Flow f = Hooks(HookType::kConfirmRollout, &failed);
    if (f == Flow::kNeed) return f;
    if (f == Flow::kDone) {
      if (st_.phase == Phase::kWaiting) {
        if ((f = RollbackHooks()) != Flow::kGoOn) return f;
        return Done("waiting for approval: " + HookFailure(failed));
      }
      d_.next.phase = Phase::kWaiting;
      HookAlert(spec_.webhooks[failed], "Canary is waiting for approval.");
      return Done("waiting for approval: " + HookFailure(failed));
    }
    d_.next = st_;
    d_.next.phase = Phase::kProgressing;
    d_.next.canary_weight = 0;
    d_.next.failed_checks = 0;
    d_.next.iterations = 0;
    d_.next.last_applied_spec = obs_.revision;
    Alert(Severity::kInfo, "New revision detected, progressing canary analysis.");
    return Done("new revision " + obs_.revision + " detected: starting the analysis of " + Target());
  }

  Flow Restart() {
    d_.next.phase = Phase::kProgressing;
    d_.next.canary_weight = 0;
    d_.next.failed_checks = 0;
    d_.next.iterations = 0;
    d_.next.last_applied_spec = obs_.revision;
    return Done("new revision " + obs_.revision + " during the analysis: restarting at weight 0");
  }

  bool DeadlinePassed() const {
    return st_.last_transition_ms > 0 && now_ - st_.last_transition_ms >= spec_.progress_deadline_ms;
  }

  Flow DeadlineRollback(const char* who, const std::string& reason) {
    const std::string deadline = std::to_string(spec_.progress_deadline_ms / 1000) + "s";
    return Rollback(std::string(who) + " not ready within the progress deadline (" + deadline + "): " + reason,
                    Severity::kError, "Progress deadline exceeded " + std::string(who) + " not ready: " + reason);
  }

  // The primary, before anything else of a revision. Not ready past
  // progressDeadlineSeconds (counted from the last status change) rolls back;
  // during Promoting and Finalising it fails the promotion instead, and all
  // traffic goes to the canary, the only ready copy of the new revision. While
  // idle or Waiting no traffic is on the canary, and the last status change
  // does not say how long the primary has been unready, so the step waits.
  Flow CheckPrimary() {
    if (!obs_.primary) return Needs(Need::Kind::kPrimaryReadiness);
    if (obs_.primary->ready) return Flow::kGoOn;
    const bool promoting = st_.phase == Phase::kPromoting || st_.phase == Phase::kFinalising;
    const bool counting = !IsIdle(st_.phase) && st_.phase != Phase::kWaiting;
    if (counting && DeadlinePassed()) {
      if (promoting) return FailedPromotion(obs_.primary->reason);
      return DeadlineRollback("primary", obs_.primary->reason);
    }
    return Done("waiting for the primary: " + obs_.primary->reason);
  }

  // The canary, while it is analysed. During Promoting and Finalising traffic
  // is leaving it for the ready primary, so its readiness is not waited for.
  Flow CheckCanary() {
    if (st_.phase == Phase::kPromoting || st_.phase == Phase::kFinalising) return Flow::kGoOn;
    if (!obs_.canary) return Needs(Need::Kind::kCanaryReadiness);
    if (!obs_.canary->ready) {
      if (DeadlinePassed())
        return DeadlineRollback("canary", obs_.canary->reason);
      return Done("waiting for the canary: " + obs_.canary->reason);
    }
    return Flow::kGoOn;
  }

  // Flagger's handling of a primary stuck during promotion: phase Failed with
  // all traffic on the canary, recorded as canaryWeight 100 so that the routes
  // and the kept canary Deployment follow from the status.
  Flow FailedPromotion(const std::string& reason) {
    d_.next.phase = Phase::kFailed;
    d_.next.canary_weight = 100;
    d_.next.iterations = 0;
    Alert(Severity::kError, "Promotion failed, primary not ready: " + reason);
    d_.actions.push_back(Action{Action::Kind::kPostRollout, Severity::kError, Phase::kFailed, ""});
    const std::string deadline = std::to_string(spec_.progress_deadline_ms / 1000) + "s";
    return Done("promotion failed: primary not ready within the progress deadline (" + deadline + "): " + reason +
                "; all traffic routed to the canary");
  }

  // Succeeded keeps failedChecks, as Flagger's status does.
  Flow SkipAnalysis() {
    d_.next.phase = Phase::kSucceeded;
    d_.next.canary_weight = 0;
    d_.next.iterations = 0;
    Promote();
    d_.actions.push_back(Action{Action::Kind::kPostRollout, Severity::kInfo, Phase::kSucceeded, ""});
    Alert(Severity::kInfo, "Canary analysis was skipped, promotion finished.");
    return Done("analysis skipped (spec.skipAnalysis): promoted revision " + st_.last_applied_spec);
  }

  // A rollback hook that answers 200..202 asks for a rollback.
  Flow RollbackHooks() {
    for (std::size_t i = 0; i < spec_.webhooks.size(); ++i) {
      if (spec_.webhooks[i].type != HookType::kRollback) continue;
      if (i >= obs_.hooks.size() || !obs_.hooks[i]) return Needs(Need::Kind::kHook, i);
      if (obs_.hooks[i]->ok) {
        return Rollback("rollback hook " + spec_.webhooks[i].name + " asked for a rollback", Severity::kWarn,
                        "Rolling back manual webhook invoked");
      }
    }
    return Flow::kGoOn;
  }

  // Promoting: the primary already runs the new revision; traffic returns to
  // it in stepWeightPromotion steps, or at once (always at once when the
  // provider shifts no traffic, as Flagger finalises such a promotion).
  Flow PromotionShift() {
    const int step = ShiftsTraffic(spec_) ? spec_.step_weight_promotion : 0;
    const int weight = step > 0 ? std::max(0, st_.canary_weight - step) : 0;
    d_.next.canary_weight = weight;
    if (weight == 0) {
      d_.next.phase = Phase::kFinalising;
      return Done("all traffic routed to the primary");
    }
    return Done("promotion: primary weight " + std::to_string(100 - st_.canary_weight) + " -> " +
                std::to_string(100 - weight));
  }

  Flow Finalise() {
    d_.next.phase = Phase::kSucceeded;
    d_.next.canary_weight = 0;
    d_.next.iterations = 0;
    d_.actions.push_back(Action{Action::Kind::kPostRollout, Severity::kInfo, Phase::kSucceeded, ""});
    Alert(Severity::kInfo, "Canary analysis completed successfully, promotion finished.");
    return Done("promotion finished: revision " + st_.last_applied_spec + " is primary");
  }

  // Pre-rollout hooks before the first shift (weight 0, no iteration yet);
  // afterwards rollout hooks, then built-in metrics, then templated ones.
  Flow Analyse() {
    std::size_t failed = 0;
    if (st_.canary_weight == 0 && st_.iterations == 0) {
      Flow f = Hooks(HookType::kPreRollout, &failed);
      if (f == Flow::kDone) return FailedCheck(HookFailure(failed));
      if (f == Flow::kNeed) return f;
      evidence_ = "pre-rollout checks passed";
      return Flow::kGoOn;
    }
    Flow f = Hooks(HookType::kRollout, &failed);
    if (f == Flow::kDone) return FailedCheck(HookFailure(failed));
    if (f == Flow::kNeed) return f;
    for (bool builtin : {true, false}) {
      for (std::size_t i = 0; i < spec_.metrics.size(); ++i) {
        if (spec_.metrics[i].builtin() != builtin) continue;
        if ((f = CheckMetric(i)) != Flow::kGoOn) return f;
      }
    }
    return Flow::kGoOn;
  }

  Flow CheckMetric(std::size_t i) {
    const MetricSpec& m = spec_.metrics[i];
    if (i >= obs_.metrics.size() || !obs_.metrics[i]) return Needs(Need::Kind::kMetric, i);
    const MetricOutcome& out = *obs_.metrics[i];
    if (!out.value || std::isnan(*out.value)) {
      return FailedCheck(m.name + ": no value: " + (out.error.empty() ? "no data" : out.error));
    }
    const double v = *out.value;
    if (m.min && v < *m.min) return FailedCheck(m.name + " " + Number(v) + " < " + Number(*m.min));
    if (m.max && v > *m.max) return FailedCheck(m.name + " " + Number(v) + " > " + Number(*m.max));
    if (!evidence_.empty()) evidence_ += "; ";
    evidence_ += m.name + " " + Number(v);
    if (m.min) evidence_ += " >= " + Number(*m.min);
    if (m.max) evidence_ += std::string(m.min ? "," : "") + " <= " + Number(*m.max);
    return Flow::kGoOn;
  }

  std::string WithEvidence(std::string what) const {
    return evidence_.empty() ? what : what + " (" + evidence_ + ")";
  }

  // confirm-promotion: a denial parks the canary in WaitingPromotion, where
  // the analysis goes on each tick. As in Flagger, each denial also sets
  // iterations to analysis.iterations - 1, so blue/green and A/B testing run
  // one more iteration before the gate is asked again: every other tick.
  Flow PromotionGate(bool* open) {
    std::size_t failed = 0;
    Flow f = Hooks(HookType::kConfirmPromotion, &failed);
    *open = f == Flow::kGoOn;
    if (f != Flow::kDone) return f;
    if (st_.phase != Phase::kWaitingPromotion) {
      d_.next.phase = Phase::kWaitingPromotion;
      HookAlert(spec_.webhooks[failed], "Canary promotion is waiting for approval.");
    }
    d_.next.iterations = std::max(0, iterations_ - 1);
    return Done(WithEvidence("waiting for promotion approval: " + HookFailure(failed)));
  }

  Flow StartPromotion(const std::string& why) {
    bool open = false;
    Flow f = PromotionGate(&open);
    if (!open) return f;
    d_.next.phase = Phase::kPromoting;
    Promote();
    return Done(WithEvidence("promoting revision " + st_.last_applied_spec + ": " + why));
  }

  Flow AbTesting() {
    if (st_.iterations < iterations_) {
      d_.next.canary_weight = 100;
      d_.next.iterations = st_.iterations + 1;
      return Done(WithEvidence("iteration " + std::to_string(d_.next.iterations) + "/" +
                               std::to_string(iterations_)));
    }
    return StartPromotion(std::to_string(iterations_) + " iterations passed");
  }

  // Blue/green: the iterations run on the canary with no traffic (mirrored
  // when analysis.mirror is set); then all traffic goes to the canary for one
  // more check; then promotion.
  Flow BlueGreen() {
    if (st_.iterations < iterations_) {
      d_.next.iterations = st_.iterations + 1;
      return Done(WithEvidence("iteration " + std::to_string(d_.next.iterations) + "/" +
                               std::to_string(iterations_)));
    }
    if (st_.iterations == iterations_) {
      bool open = false;
      Flow f = PromotionGate(&open);
      if (!open) return f;
      d_.next.canary_weight = 100;
      d_.next.iterations = st_.iterations + 1;
      return Done(WithEvidence("all traffic routed to the canary"));
    }
    return StartPromotion(std::to_string(iterations_) + " iterations passed");
  }

  // Canary: one step of mirroring first when analysis.mirror is set (recorded
  // as iterations 1 at weight 0), then stepWeight or stepWeights increases,
  // never above MaxWeight, then promotion. As in Flagger, confirm-traffic-increase
  // is asked on every tick of Progressing that is not the mirrored one,
  // the promotion tick at maxWeight included; not in WaitingPromotion.
  Flow CanaryStrategy() {
    const int max = MaxWeight(spec_);
    const int weight = st_.canary_weight;
    if (NextStepWeight(spec_, weight) <= 0) return Done(WithEvidence("no step weight: the weight stays at " +
                                                                     std::to_string(weight)));
    const bool mirrored = spec_.mirror && weight == 0 && st_.iterations > 0;
    if (!mirrored && st_.phase != Phase::kWaitingPromotion) {
      std::size_t failed = 0;
      Flow f = Hooks(HookType::kConfirmTrafficIncrease, &failed);
      if (f == Flow::kNeed) return f;
      if (f == Flow::kDone) {
        HookAlert(spec_.webhooks[failed], "Canary traffic increase is waiting for approval.");
        return Done(WithEvidence("waiting for traffic increase approval: " + HookFailure(failed)));
      }
    }
    if (weight >= max) return StartPromotion("weight " + std::to_string(weight) + " reached maxWeight");
    if (spec_.mirror && weight == 0 && !mirrored) {
      d_.next.iterations = 1;
      return Done(WithEvidence("mirroring traffic to the canary"));
    }
    const int next = std::min(max, weight + NextStepWeight(spec_, weight));
    d_.next.canary_weight = next;
    return Done(WithEvidence("weight " + std::to_string(weight) + " -> " + std::to_string(next)));
  }

  const AnalysisSpec& spec_;
  const AnalysisState& st_;
  const Observations& obs_;
  const long long now_;
  const int iterations_;  // AnalysisIterations(spec_)
  Decision d_;
  std::string evidence_;
};

}  // namespace

// Flagger's router keeps the session affinity cookies in the status when it
// sets the weights: a canary with weight gets a cookie (and a primary cookie
// with primaryCookieName) if it has none; at weight 0 the cookie becomes the
// previous one. Values derive from the revision (core/affinity_cookie.h).
static void KeepAffinityCookies(const AnalysisSpec& spec, Decision* d) {
  if (d->need || spec.affinity_cookie.empty()) return;
  AnalysisState& next = d->next;
  if (next.canary_weight > 0) {
    if (next.affinity_cookie.empty()) next.affinity_cookie = AffinityCookie(spec.affinity_cookie, next.last_applied_spec);
    if (next.affinity_primary_cookie.empty() && !spec.affinity_primary_cookie.empty())
      next.affinity_primary_cookie = AffinityCookie(spec.affinity_primary_cookie, next.last_applied_spec);
  } else if (!next.affinity_cookie.empty()) {
    next.affinity_previous_cookie = next.affinity_cookie;
    next.affinity_cookie.clear();
  }
}

Decision Step(const AnalysisSpec& spec, const AnalysisState& state, const Observations& obs, long long now_ms) {
  Decision d = StepRun(spec, state, obs, now_ms).Run();
  KeepAffinityCookies(spec, &d);
  return d;
}

}  // namespace gitcanary::policies
