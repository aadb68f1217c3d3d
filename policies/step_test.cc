// Table tests of Step: one row per behaviour of the state machine, named after
// it. Each row starts from a base canary (stepWeight 10, maxWeight 50,
// threshold 2, the two built-in metrics with Flagger's tutorial thresholds),
// edits spec, state and observations, and states the expected decision. The
// expected values come from Flagger's scheduler (pkg/controller/scheduler.go)
// or from the deliberate differences the README lists.
#include <doctest/doctest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "policies/step.h"

namespace gitcanary::policies {
namespace {

constexpr long long kT0 = 1'700'000'000'000;  // last transition
constexpr long long kNow = kT0 + 60'000;       // one interval later

MetricSpec Metric(const char* name, std::optional<double> min, std::optional<double> max, const char* tmpl = "") {
  MetricSpec m;
  m.name = name;
  m.min = min;
  m.max = max;
  m.template_name = tmpl;
  return m;
}

AnalysisSpec BaseSpec() {
  AnalysisSpec s;
  s.name = "podinfo";
  s.ns = "test";
  s.target = "podinfo";
  s.threshold = 2;
  s.max_weight = 50;
  s.step_weight = 10;
  s.metrics = {Metric("request-success-rate", 99.0, std::nullopt), Metric("request-duration", std::nullopt, 500.0)};
  return s;
}

HookSpec Hook(const char* name, HookType type) {
  HookSpec h;
  h.name = name;
  h.type = type;
  h.url = "http://hooks.test/" + std::string(name);
  return h;
}

AnalysisState At(Phase phase, int weight = 0, int failed = 0, int iterations = 0) {
  AnalysisState st;
  st.phase = phase;
  st.canary_weight = weight;
  st.failed_checks = failed;
  st.iterations = iterations;
  st.last_applied_spec = "rev-b";
  st.last_promoted_spec = "rev-a";
  st.last_transition_ms = kT0;
  return st;
}

// Everything ready, every hook answering 200, metrics inside their ranges.
Observations AllPass(const AnalysisSpec& spec, std::string revision = "rev-b") {
  Observations o;
  o.revision = std::move(revision);
  o.primary = Readiness{true, ""};
  o.canary = Readiness{true, ""};
  o.hooks.assign(spec.webhooks.size(), HookOutcome{true, ""});
  o.metrics.assign(spec.metrics.size(), std::nullopt);
  for (std::size_t i = 0; i < spec.metrics.size(); ++i) {
    const MetricSpec& m = spec.metrics[i];
    o.metrics[i] = MetricOutcome{m.min ? *m.min + 0.5 : (m.max ? *m.max - 1 : 1.0), ""};
  }
  return o;
}

struct Row {
  const char* behaviour;
  std::function<void(AnalysisSpec&)> edit_spec;
  AnalysisState state;
  std::function<void(const AnalysisSpec&, Observations&)> edit_obs;
  // expected
  Phase phase;
  int weight;
  int failed_checks;
  int iterations;
  const char* reason_has;
  std::vector<Action::Kind> actions = {};
};

const auto kNoSpec = [](AnalysisSpec&) {};
const auto kNoObs = [](const AnalysisSpec&, Observations&) {};
auto WithHooks(std::vector<HookSpec> hooks) {
  return [hooks](AnalysisSpec& s) { s.webhooks = hooks; };
}
auto HookAnswers(std::size_t i, bool ok) {
  return [i, ok](const AnalysisSpec&, Observations& o) { o.hooks[i] = HookOutcome{ok, ok ? "" : "HTTP 403: no"}; };
}
auto MetricValue(std::size_t i, std::optional<double> v) {
  return [i, v](const AnalysisSpec&, Observations& o) { o.metrics[i] = MetricOutcome{v, v ? "" : "no values found"}; };
}
auto CanaryReady(bool ready) {
  return [ready](const AnalysisSpec&, Observations& o) { o.canary = Readiness{ready, "1/2 replicas available"}; };
}
auto Revision(const char* rev) {
  return [rev](const AnalysisSpec&, Observations& o) { o.revision = rev; };
}

using K = Action::Kind;

const std::vector<Row>& Rows() {
  static const std::vector<Row> rows = {
      {"a suspended canary does not move", [](AnalysisSpec& s) { s.suspend = true; }, At(Phase::kProgressing, 20),
       kNoObs, Phase::kProgressing, 20, 0, 0, "suspended"},
      {"initialisation waits for the primary", kNoSpec, AnalysisState{},
       [](const AnalysisSpec&, Observations& o) { o.primary = Readiness{false, "0/1 available"}; },
       Phase::kInitializing, 0, 0, 0, "waiting for the primary"},
      {"initialisation promotes the bootstrap revision", kNoSpec, AnalysisState{}, kNoObs, Phase::kInitialized, 0,
       0, 0, "initialized", {K::kPromote, K::kAlert}},
      {"an unchanged revision stays idle", kNoSpec, At(Phase::kSucceeded), kNoObs, Phase::kSucceeded, 0, 0, 0,
       "no new revision"},
      {"a new revision starts the analysis at weight 0", kNoSpec, At(Phase::kSucceeded), Revision("rev-c"),
       Phase::kProgressing, 0, 0, 0, "new revision rev-c", {K::kAlert}},
      {"the promoted revision is a manual rollback and starts nothing", kNoSpec, At(Phase::kSucceeded),
       Revision("rev-a"), Phase::kSucceeded, 0, 0, 0, "no new revision"},
      {"a failed revision does not restart by itself", kNoSpec, At(Phase::kFailed), kNoObs, Phase::kFailed, 0, 0, 0,
       "no new revision"},
      {"a new revision after a failure is analysed", kNoSpec, At(Phase::kFailed), Revision("rev-c"),
       Phase::kProgressing, 0, 0, 0, "new revision rev-c", {K::kAlert}},
      {"a manual rollback after a failure records the promoted revision", kNoSpec, At(Phase::kFailed),
       Revision("rev-a"), Phase::kFailed, 0, 0, 0, "manual rollback"},
      {"a denied confirm-rollout sets Waiting", WithHooks({Hook("gate", HookType::kConfirmRollout)}),
       At(Phase::kSucceeded), [](const AnalysisSpec& s, Observations& o) { Revision("rev-c")(s, o); HookAnswers(0, false)(s, o); },
       Phase::kWaiting, 0, 0, 0, "waiting for approval", {K::kAlert}},
      {"a still denied confirm-rollout keeps Waiting quietly", WithHooks({Hook("gate", HookType::kConfirmRollout)}),
       At(Phase::kWaiting), HookAnswers(0, false), Phase::kWaiting, 0, 0, 0, "waiting for approval"},
      {"an approved confirm-rollout starts the analysis", WithHooks({Hook("gate", HookType::kConfirmRollout)}),
       At(Phase::kWaiting), kNoObs, Phase::kProgressing, 0, 0, 0, "starting the analysis", {K::kAlert}},
      {"a rollback hook is honoured while Waiting",
       WithHooks({Hook("gate", HookType::kConfirmRollout), Hook("stop", HookType::kRollback)}), At(Phase::kWaiting),
       HookAnswers(0, false), Phase::kFailed, 0, 0, 0, "rollback hook stop", {K::kAlert, K::kPostRollout}},
      {"a new revision mid-analysis restarts at weight 0", kNoSpec, At(Phase::kProgressing, 30, 1),
       Revision("rev-c"), Phase::kProgressing, 0, 0, 0, "restarting at weight 0"},
      {"a new revision while waiting for promotion restarts", kNoSpec, At(Phase::kWaitingPromotion, 50),
       Revision("rev-c"), Phase::kProgressing, 0, 0, 0, "restarting"},
      {"an unready canary halts within the progress deadline", kNoSpec, At(Phase::kProgressing, 20),
       CanaryReady(false), Phase::kProgressing, 20, 0, 0, "waiting for the canary"},
      {"an unready canary past the progress deadline rolls back",
       [](AnalysisSpec& s) { s.progress_deadline_ms = 60'000; }, At(Phase::kProgressing, 20), CanaryReady(false),
       Phase::kFailed, 0, 0, 0, "progress deadline", {K::kAlert, K::kPostRollout}},
      // Flagger (PR #1931): a primary stuck during promotion fails the canary
      // and sends all traffic to the canary, off the unready primary.
      {"a primary stuck during Promoting fails with all traffic on the canary",
       [](AnalysisSpec& s) { s.progress_deadline_ms = 1; }, At(Phase::kPromoting, 50),
       [](const AnalysisSpec&, Observations& o) { o.primary = Readiness{false, "0/2"}; }, Phase::kFailed, 100, 0, 0,
       "promotion failed", {K::kAlert, K::kPostRollout}},
      {"a primary stuck during Finalising fails with all traffic on the canary",
       [](AnalysisSpec& s) { s.progress_deadline_ms = 1; }, At(Phase::kFinalising, 0, 1),
       [](const AnalysisSpec&, Observations& o) { o.primary = Readiness{false, "0/2"}; }, Phase::kFailed, 100, 1, 0,
       "all traffic routed to the canary", {K::kAlert, K::kPostRollout}},
      {"an unready primary during promotion waits within the progress deadline", kNoSpec, At(Phase::kPromoting, 50),
       [](const AnalysisSpec&, Observations& o) { o.primary = Readiness{false, "0/2"}; }, Phase::kPromoting, 50, 0, 0,
       "waiting for the primary"},
      {"an unready primary past the deadline while progressing rolls back",
       [](AnalysisSpec& s) { s.progress_deadline_ms = 1; }, At(Phase::kProgressing, 20),
       [](const AnalysisSpec&, Observations& o) { o.primary = Readiness{false, "0/2"}; }, Phase::kFailed, 0, 0, 0,
       "primary not ready", {K::kAlert, K::kPostRollout}},
      // Flagger checks the primary before confirm-rollout and the start of a
      // revision; idle, it waits (the last status change does not time it).
      {"a new revision waits for an unready primary before confirm-rollout",
       [](AnalysisSpec& s) { s.progress_deadline_ms = 1; s.webhooks = {Hook("gate", HookType::kConfirmRollout)}; },
       At(Phase::kSucceeded),
       [](const AnalysisSpec& s, Observations& o) { Revision("rev-c")(s, o); o.primary = Readiness{false, "0/2"}; o.hooks.clear(); },
       Phase::kSucceeded, 0, 0, 0, "waiting for the primary"},
      {"skipAnalysis promotes straight away", [](AnalysisSpec& s) { s.skip_analysis = true; },
       At(Phase::kProgressing, 0), kNoObs, Phase::kSucceeded, 0, 0, 0, "analysis skipped",
       {K::kPromote, K::kPostRollout, K::kAlert}},
      // Flagger's emergency hotfix path: skipAnalysis does not check the primary.
      {"skipAnalysis promotes even with an unready primary", [](AnalysisSpec& s) { s.skip_analysis = true; },
       At(Phase::kProgressing, 0),
       [](const AnalysisSpec&, Observations& o) { o.primary.reset(); }, Phase::kSucceeded, 0, 0, 0,
       "analysis skipped", {K::kPromote, K::kPostRollout, K::kAlert}},
      {"skipAnalysis still waits for an unready canary", [](AnalysisSpec& s) { s.skip_analysis = true; },
       At(Phase::kProgressing, 0), CanaryReady(false), Phase::kProgressing, 0, 0, 0, "waiting for the canary"},
      // Flagger's setStatusPhase(Succeeded) keeps failedChecks.
      {"skipAnalysis keeps failedChecks at Succeeded", [](AnalysisSpec& s) { s.skip_analysis = true; },
       At(Phase::kProgressing, 0, 1), kNoObs, Phase::kSucceeded, 0, 1, 0, "analysis skipped",
       {K::kPromote, K::kPostRollout, K::kAlert}},
      {"Succeeded keeps failedChecks", kNoSpec, At(Phase::kFinalising, 0, 1), kNoObs, Phase::kSucceeded, 0, 1, 0,
       "promotion finished", {K::kPostRollout, K::kAlert}},
      {"a rollback hook that answers 200 rolls back", WithHooks({Hook("stop", HookType::kRollback)}),
       At(Phase::kProgressing, 30), kNoObs, Phase::kFailed, 0, 0, 0, "rollback hook stop",
       {K::kAlert, K::kPostRollout}},
      {"a rollback hook that answers an error lets the analysis go on", WithHooks({Hook("stop", HookType::kRollback)}),
       At(Phase::kProgressing, 30), HookAnswers(0, false), Phase::kProgressing, 40, 0, 0, "weight 30 -> 40"},
      {"promotion without stepWeightPromotion routes all traffic back at once", kNoSpec, At(Phase::kPromoting, 50),
       kNoObs, Phase::kFinalising, 0, 0, 0, "all traffic routed to the primary"},
      {"stepWeightPromotion moves traffic back in steps", [](AnalysisSpec& s) { s.step_weight_promotion = 20; },
       At(Phase::kPromoting, 50), kNoObs, Phase::kPromoting, 30, 0, 0, "primary weight 50 -> 70"},
      {"the last stepWeightPromotion step finalises", [](AnalysisSpec& s) { s.step_weight_promotion = 20; },
       At(Phase::kPromoting, 10), kNoObs, Phase::kFinalising, 0, 0, 0, "all traffic routed to the primary"},
      {"finalising ends in Succeeded with post-rollout hooks", kNoSpec, At(Phase::kFinalising), kNoObs,
       Phase::kSucceeded, 0, 0, 0, "promotion finished", {K::kPostRollout, K::kAlert}},
      {"failed checks at the threshold roll back", kNoSpec, At(Phase::kProgressing, 30, 2), kNoObs, Phase::kFailed,
       0, 2, 0, "threshold reached", {K::kAlert, K::kPostRollout}},
      {"failed checks at the threshold roll back while waiting for promotion", kNoSpec,
       At(Phase::kWaitingPromotion, 50, 2), kNoObs, Phase::kFailed, 0, 2, 0, "threshold reached",
       {K::kAlert, K::kPostRollout}},
      {"a failing pre-rollout hook counts a failed check", WithHooks({Hook("load", HookType::kPreRollout)}),
       At(Phase::kProgressing), HookAnswers(0, false), Phase::kProgressing, 0, 1, 0, "pre-rollout hook load failed"},
      {"passing pre-rollout hooks make the first shift without metrics",
       WithHooks({Hook("load", HookType::kPreRollout)}), At(Phase::kProgressing),
       [](const AnalysisSpec&, Observations& o) { o.metrics.clear(); }, Phase::kProgressing, 10, 0, 0,
       "weight 0 -> 10"},
      {"a failing rollout hook counts a failed check", WithHooks({Hook("smoke", HookType::kRollout)}),
       At(Phase::kProgressing, 10), HookAnswers(0, false), Phase::kProgressing, 10, 1, 0, "rollout hook smoke failed"},
      {"a metric below thresholdRange.min counts a failed check", kNoSpec, At(Phase::kProgressing, 10),
       MetricValue(0, 98.0), Phase::kProgressing, 10, 1, 0, "request-success-rate 98 < 99"},
      {"a metric above thresholdRange.max counts a failed check", kNoSpec, At(Phase::kProgressing, 10),
       MetricValue(1, 612.5), Phase::kProgressing, 10, 1, 0, "request-duration 612.5 > 500"},
      {"thresholdRange bounds are inclusive", kNoSpec, At(Phase::kProgressing, 10),
       [](const AnalysisSpec& s, Observations& o) { MetricValue(0, 99.0)(s, o); MetricValue(1, 500.0)(s, o); },
       Phase::kProgressing, 20, 0, 0, "request-success-rate 99 >= 99; request-duration 500 <= 500"},
      {"no data counts a failed check with the reason", kNoSpec, At(Phase::kProgressing, 10),
       MetricValue(1, std::nullopt), Phase::kProgressing, 10, 1, 0, "request-duration: no value: no values found"},
      {"stepWeight increases the weight", kNoSpec, At(Phase::kProgressing, 20), kNoObs, Phase::kProgressing, 30, 0,
       0, "weight 20 -> 30"},
      {"the weight never exceeds maxWeight", [](AnalysisSpec& s) { s.step_weight = 20; },
       At(Phase::kProgressing, 40), kNoObs, Phase::kProgressing, 50, 0, 0, "weight 40 -> 50"},
      {"stepWeights give the next weight", [](AnalysisSpec& s) { s.step_weight = 0; s.step_weights = {1, 5, 25, 60}; },
       At(Phase::kProgressing, 5), kNoObs, Phase::kProgressing, 25, 0, 0, "weight 5 -> 25"},
      {"stepWeight wins over stepWeights", [](AnalysisSpec& s) { s.step_weights = {1, 5, 25, 60}; },
       At(Phase::kProgressing, 5), kNoObs, Phase::kProgressing, 15, 0, 0, "weight 5 -> 15"},
      {"maxWeight reached promotes", kNoSpec, At(Phase::kProgressing, 50), kNoObs, Phase::kPromoting, 50, 0, 0,
       "promoting revision rev-b", {K::kPromote}},
      {"a denied confirm-promotion waits with the weight kept", WithHooks({Hook("ok", HookType::kConfirmPromotion)}),
       At(Phase::kProgressing, 50), HookAnswers(0, false), Phase::kWaitingPromotion, 50, 0, 0,
       "waiting for promotion approval", {K::kAlert}},
      {"an approved confirm-promotion promotes", WithHooks({Hook("ok", HookType::kConfirmPromotion)}),
       At(Phase::kWaitingPromotion, 50), kNoObs, Phase::kPromoting, 50, 0, 0, "promoting", {K::kPromote}},
      // Flagger asks confirm-traffic-increase on the promotion tick too.
      {"a denied confirm-traffic-increase at maxWeight holds promotion",
       WithHooks({Hook("more", HookType::kConfirmTrafficIncrease)}), At(Phase::kProgressing, 50),
       HookAnswers(0, false), Phase::kProgressing, 50, 0, 0, "waiting for traffic increase approval", {K::kAlert}},
      {"confirm-traffic-increase is not asked while waiting for promotion",
       WithHooks({Hook("more", HookType::kConfirmTrafficIncrease), Hook("ok", HookType::kConfirmPromotion)}),
       At(Phase::kWaitingPromotion, 50), HookAnswers(0, false), Phase::kPromoting, 50, 0, 0, "promoting",
       {K::kPromote}},
      {"a denied confirm-traffic-increase holds the weight",
       WithHooks({Hook("more", HookType::kConfirmTrafficIncrease)}), At(Phase::kProgressing, 20),
       HookAnswers(0, false), Phase::kProgressing, 20, 0, 0, "waiting for traffic increase approval", {K::kAlert}},
      {"a muted hook sends no alert",
       [](AnalysisSpec& s) { s.webhooks = {Hook("more", HookType::kConfirmTrafficIncrease)}; s.webhooks[0].mute_alert = true; },
       At(Phase::kProgressing, 20), HookAnswers(0, false), Phase::kProgressing, 20, 0, 0, "waiting for traffic"},
      {"A/B testing routes the matched traffic to the canary each iteration",
       [](AnalysisSpec& s) { s.iterations = 10; s.has_match = true; }, At(Phase::kProgressing, 100, 0, 2), kNoObs,
       Phase::kProgressing, 100, 0, 3, "iteration 3/10"},
      {"A/B testing promotes after its iterations", [](AnalysisSpec& s) { s.iterations = 10; s.has_match = true; },
       At(Phase::kProgressing, 100, 0, 10), kNoObs, Phase::kPromoting, 100, 0, 10, "10 iterations passed",
       {K::kPromote}},
      // Flagger: a denied confirm-promotion sets iterations to N-1, so the
      // gate is asked again after one more iteration, every other tick.
      {"A/B testing: a denied confirm-promotion goes back one iteration",
       [](AnalysisSpec& s) { s.iterations = 10; s.has_match = true; s.webhooks = {Hook("ok", HookType::kConfirmPromotion)}; },
       At(Phase::kProgressing, 100, 0, 10), HookAnswers(0, false), Phase::kWaitingPromotion, 100, 0, 9,
       "waiting for promotion approval", {K::kAlert}},
      {"A/B testing: waiting for promotion runs the last iteration again without asking",
       [](AnalysisSpec& s) { s.iterations = 10; s.has_match = true; s.webhooks = {Hook("ok", HookType::kConfirmPromotion)}; },
       At(Phase::kWaitingPromotion, 100, 0, 9), HookAnswers(0, false), Phase::kWaitingPromotion, 100, 0, 10,
       "iteration 10/10"},
      {"A/B testing: a still denied confirm-promotion goes back one iteration quietly",
       [](AnalysisSpec& s) { s.iterations = 10; s.has_match = true; s.webhooks = {Hook("ok", HookType::kConfirmPromotion)}; },
       At(Phase::kWaitingPromotion, 100, 0, 10), HookAnswers(0, false), Phase::kWaitingPromotion, 100, 0, 9,
       "waiting for promotion approval"},
      {"blue/green: a denied confirm-promotion goes back one iteration",
       [](AnalysisSpec& s) { s.iterations = 3; s.webhooks = {Hook("ok", HookType::kConfirmPromotion)}; },
       At(Phase::kProgressing, 0, 0, 3), HookAnswers(0, false), Phase::kWaitingPromotion, 0, 0, 2,
       "waiting for promotion approval", {K::kAlert}},
      {"blue/green iterates without traffic", [](AnalysisSpec& s) { s.iterations = 3; },
       At(Phase::kProgressing, 0, 0, 1), kNoObs, Phase::kProgressing, 0, 0, 2, "iteration 2/3"},
      {"blue/green switches all traffic after its iterations", [](AnalysisSpec& s) { s.iterations = 3; },
       At(Phase::kProgressing, 0, 0, 3), kNoObs, Phase::kProgressing, 100, 0, 4, "all traffic routed to the canary"},
      {"blue/green promotes after the switch", [](AnalysisSpec& s) { s.iterations = 3; },
       At(Phase::kProgressing, 100, 0, 4), kNoObs, Phase::kPromoting, 100, 0, 4, "promoting", {K::kPromote}},
      {"mirroring takes one mirrored step before shifting", [](AnalysisSpec& s) { s.mirror = true; },
       At(Phase::kProgressing), kNoObs, Phase::kProgressing, 0, 0, 1, "mirroring traffic"},
      {"after the mirrored step the weight shifts", [](AnalysisSpec& s) { s.mirror = true; },
       At(Phase::kProgressing, 0, 0, 1), kNoObs, Phase::kProgressing, 10, 0, 1, "weight 0 -> 10"},
  };
  return rows;
}

std::vector<Action::Kind> Kinds(const std::vector<Action>& actions) {
  std::vector<Action::Kind> out;
  for (const Action& a : actions) out.push_back(a.kind);
  return out;
}

TEST_CASE("Step: one row per behaviour of the state machine") {
  for (const Row& row : Rows()) {
    const std::string behaviour = row.behaviour;
    CAPTURE(behaviour);
    AnalysisSpec spec = BaseSpec();
    row.edit_spec(spec);
    Observations obs = AllPass(spec);
    row.edit_obs(spec, obs);
    const Decision d = Step(spec, row.state, obs, kNow);
    REQUIRE_FALSE(d.need.has_value());
    CHECK(PhaseName(d.next.phase) == PhaseName(row.phase));
    CHECK(d.next.canary_weight == row.weight);
    CHECK(d.next.failed_checks == row.failed_checks);
    CHECK(d.next.iterations == row.iterations);
    CHECK_MESSAGE(d.reason.find(row.reason_has) != std::string::npos, d.reason);
    CHECK(Kinds(d.actions) == row.actions);
  }
}

TEST_CASE("Step: the transition time moves only when the status changes") {
  AnalysisSpec spec = BaseSpec();
  Decision moved = Step(spec, At(Phase::kProgressing, 20), AllPass(spec), kNow);
  CHECK(moved.next.last_transition_ms == kNow);
  Decision idle = Step(spec, At(Phase::kSucceeded), AllPass(spec), kNow);
  CHECK(idle.next.last_transition_ms == kT0);
  CHECK_FALSE(idle.Changed(At(Phase::kSucceeded)));
}

TEST_CASE("Step: promotion records the promoted revision with the snapshot") {
  AnalysisSpec spec = BaseSpec();
  Decision d = Step(spec, At(Phase::kProgressing, 50), AllPass(spec), kNow);
  CHECK(d.next.last_promoted_spec == "rev-b");
  CHECK(d.next.last_applied_spec == "rev-b");
}

TEST_CASE("Step: asks for the observations it reaches, in Flagger's order") {
  AnalysisSpec spec = BaseSpec();
  spec.webhooks = {Hook("smoke", HookType::kRollout), Hook("load", HookType::kPreRollout)};
  spec.metrics.push_back(Metric("errors", std::nullopt, 5.0, "error-rate"));
  AnalysisState st = At(Phase::kProgressing, 10);
  Observations obs;
  obs.revision = "rev-b";
  std::vector<Need> asked;
  Decision d;
  for (int guard = 0; guard < 10; ++guard) {
    d = Step(spec, st, obs, kNow);
    if (!d.need) break;
    asked.push_back(*d.need);
    CHECK(d.next == st);
    switch (d.need->kind) {
      case Need::Kind::kPrimaryReadiness: obs.primary = Readiness{true, ""}; break;
      case Need::Kind::kCanaryReadiness: obs.canary = Readiness{true, ""}; break;
      case Need::Kind::kHook:
        obs.hooks.resize(spec.webhooks.size());
        obs.hooks[d.need->index] = HookOutcome{true, ""};
        break;
      case Need::Kind::kMetric:
        obs.metrics.resize(spec.metrics.size());
        obs.metrics[d.need->index] = MetricOutcome{d.need->index == 0 ? 99.9 : 1.0, ""};
        break;
    }
  }
  using N = Need::Kind;
  // The pre-rollout hook is not asked for: the canary already has traffic.
  const std::vector<Need> expected = {{N::kPrimaryReadiness, 0}, {N::kCanaryReadiness, 0}, {N::kHook, 0},
                                      {N::kMetric, 0},           {N::kMetric, 1},          {N::kMetric, 2}};
  CHECK(asked == expected);
  CHECK(d.next.canary_weight == 20);
}

TEST_CASE("Step: a failed rollout hook stops before any metric is queried") {
  AnalysisSpec spec = BaseSpec();
  spec.webhooks = {Hook("smoke", HookType::kRollout)};
  Observations obs = AllPass(spec);
  obs.hooks[0] = HookOutcome{false, "HTTP 500"};
  obs.metrics.clear();
  Decision d = Step(spec, At(Phase::kProgressing, 10), obs, kNow);
  REQUIRE_FALSE(d.need.has_value());
  CHECK(d.next.failed_checks == 1);
}

TEST_CASE("Step: MaxWeight and NextStepWeight follow Flagger with the maxWeight clamp") {
  AnalysisSpec spec = BaseSpec();
  CHECK(MaxWeight(spec) == 50);
  spec.step_weights = {2, 10, 80};
  CHECK(MaxWeight(spec) == 80);  // the last stepWeights entry wins over maxWeight
  spec.step_weight = 0;
  CHECK(NextStepWeight(spec, 0) == 2);
  CHECK(NextStepWeight(spec, 2) == 8);
  CHECK(NextStepWeight(spec, 10) == 70);
  spec.iterations = 5;
  CHECK(MaxWeight(spec) == 100);
  CHECK(StrategyOf(spec) == Strategy::kBlueGreen);
  spec.has_match = true;
  CHECK(StrategyOf(spec) == Strategy::kABTesting);
}

}  // namespace
}  // namespace gitcanary::policies
