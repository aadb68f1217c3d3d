// Step: the canary analysis state machine, one decision at a time.
//
//   Decision Step(spec, state, observations, now)
//
// Pure: no I/O, no clock, no randomness; the same inputs give the same
// decision. The checks run in Flagger's order (suspend, new revision, the
// primary's readiness unless skipAnalysis, confirm-rollout, restart on a new
// revision mid-analysis, the canary's readiness and the progress deadline,
// skipAnalysis, rollback hooks, promotion, the failed-checks threshold,
// pre-rollout or rollout hooks and metrics, then the strategy). A primary still
// unready at the deadline during promotion fails the canary with all traffic
// on the canary (canaryWeight 100), as Flagger does. A canary whose provider
// shifts no traffic (kubernetes) runs blue/green, as Flagger forces it
// (policies/analysis_spec.h ShiftsTraffic).
//
// Observations are gathered lazily, as Flagger calls hooks and queries metrics
// only when it reaches them: when Step needs an observation it does not have
// (a webhook's answer, a metric value, a readiness), it returns a Decision
// whose `need` says which; the executor obtains it, adds it and calls Step
// again. A Decision without `need` is final. With every observation given up
// front, as in tests and simulations, one call decides.
//
// The state machine never takes a step that Flagger would not take, except
// where the README lists a deliberate difference (the weight never exceeds
// maxWeight, rollback hooks are honoured while Waiting, ...).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/phase.h"
#include "policies/alert.h"
#include "policies/analysis_spec.h"

namespace gitcanary::policies {

// The part of the status of record that decisions read and write.
struct AnalysisState {
  Phase phase = Phase::kInitializing;
  int canary_weight = 0;
  int failed_checks = 0;
  int iterations = 0;
  std::string last_applied_spec;   // the revision under analysis (or last analysed)
  std::string last_promoted_spec;  // the revision the primary runs
  long long last_transition_ms = 0;  // Unix time of the last change; 0 = unknown
  // Session affinity cookies ("<name>=<value>"), kept as Flagger keeps them in its status.
  std::string affinity_cookie, affinity_primary_cookie, affinity_previous_cookie;

  bool operator==(const AnalysisState&) const = default;
};

struct Readiness {
  bool ready = false;
  std::string reason;  // why not, when not
};

struct HookOutcome {
  bool ok = false;     // the webhook answered 200..202
  std::string reason;  // why not, when not
};

struct MetricOutcome {
  std::optional<double> value;  // nullopt: no data, NaN or a query error
  std::string error;            // why there is no value
};

struct Observations {
  std::string revision;  // checksum of the target's current pod template and configs
  std::optional<Readiness> primary, canary;
  std::vector<std::optional<HookOutcome>> hooks;      // by index in spec.webhooks
  std::vector<std::optional<MetricOutcome>> metrics;  // by index in spec.metrics
};

struct Need {
  enum class Kind { kPrimaryReadiness, kCanaryReadiness, kHook, kMetric };
  Kind kind = Kind::kPrimaryReadiness;
  std::size_t index = 0;  // into spec.webhooks or spec.metrics

  bool operator==(const Need&) const = default;
};

// What the executor carries out after a final decision.
struct Action {
  enum class Kind {
    kPromote,      // copy the current pod template and configs into the promoted snapshot
    kAlert,        // send `message` to the canary's alert providers at `severity`
    kPostRollout,  // call the post-rollout hooks with phase `phase` (Succeeded or Failed)
  };
  Kind kind = Kind::kPromote;
  Severity severity = Severity::kInfo;
  Phase phase = Phase::kSucceeded;
  std::string message;

  bool operator==(const Action&) const = default;
};

struct Decision {
  AnalysisState next;
  std::vector<Action> actions;
  std::string reason;        // one line: what was decided and the evidence
  std::optional<Need> need;  // set: obtain this observation and call Step again

  // Whether the status of record changes (and so is written back).
  bool Changed(const AnalysisState& before) const { return !need && !(next == before); }
};

Decision Step(const AnalysisSpec& spec, const AnalysisState& state, const Observations& obs, long long now_ms);

}  // namespace gitcanary::policies
