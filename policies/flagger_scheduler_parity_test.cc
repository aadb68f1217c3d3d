// Flagger's scheduler tests, re-expressed as facts about Step.
//
// Each TEST_CASE is one test of fluxcd/flagger (pkg/controller/
// scheduler_deployment_test.go, scheduler_svc_test.go, events_test.go), played
// tick by tick: a tick is one advanceCanary, an edit of the world between ticks
// is what the Go test does between them (a new revision, a ready canary, a
// status set by hand). Each Flagger assertion on the decision (phase, canary
// weight, mirroring, the canary's scale, which hooks are asked when) is one
// FLAGGER_FACT line here, with the expected value Flagger's test states.
//
// Assertions on object shapes (ports, copied images and configs, selector
// values), on alert payloads and on the test's own setup are not scheduler
// facts and are not counted. FLAGGER_FACT counts every fact checked, and the
// last test case checks the totals the README states.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "policies/step.h"
#include "render/primary_workload.h"

namespace gitcanary::policies {
namespace {

constexpr long long kT0 = 1'700'000'000'000;

int g_facts = 0;         // facts checked
int g_differences = 0;   // facts that are a deliberate difference of the README

// One assertion of Flagger's test. CHECK, so the rest of the sequence runs.
#define FLAGGER_FACT(expr) \
  do {                     \
    ++g_facts;             \
    CHECK(expr);           \
  } while (0)

// A Flagger fact that gitcanary deliberately does otherwise (README: the
// weight never exceeds maxWeight). Counted, checked to differ, never passed off.
#define DELIBERATE_DIFFERENCE(expr) \
  do {                              \
    ++g_facts;                      \
    ++g_differences;                \
    CHECK_FALSE(expr);              \
  } while (0)

// One Flagger test: a function, run by its own TEST_CASE and by the count below.
#define PARITY(name)                                   \
  void name();                                         \
  TEST_CASE("Flagger parity: " #name) { name(); }      \
  void name()

HookSpec Hook(const char* name, HookType type) {
  HookSpec h;
  h.name = name;
  h.type = type;
  h.url = "http://127.0.0.1:1/" + std::string(name);
  return h;
}

MetricSpec Metric(const char* name, std::optional<double> min, std::optional<double> max) {
  MetricSpec m;
  m.name = name;
  m.min = min;
  m.max = max;
  return m;
}

// Flagger's newDeploymentTestCanary: threshold 10, stepWeight 10, maxWeight 50,
// the two built-in metrics.
AnalysisSpec DeploymentCanary() {
  AnalysisSpec s;
  s.name = "podinfo";
  s.ns = "default";
  s.target = "podinfo";
  s.threshold = 10;
  s.step_weight = 10;
  s.max_weight = 50;
  s.metrics = {Metric("request-success-rate", 99.0, std::nullopt), Metric("request-duration", 0.0, 500000.0)};
  return s;
}

// The cluster as a Flagger test's fixture holds it, and the canary's status.
struct World {
  AnalysisSpec spec;
  AnalysisState st;  // Initializing
  std::string revision = "rev-1";
  bool primary_ready = false;  // the fixture's primary starts unready
  bool canary_ready = true;
  std::set<std::string> denied_hooks;    // hooks answering an error
  std::set<std::string> failing_metrics;  // metrics out of range
  long long now = kT0;
  std::map<std::string, std::vector<Phase>> asked;  // hook name: the phase of each call
  Decision last;

  explicit World(AnalysisSpec s) : spec(std::move(s)) {}

  // One advanceCanary.
  void Tick() {
    Observations obs;
    obs.revision = revision;
    for (int guard = 0; guard < 64; ++guard) {
      last = Step(spec, st, obs, now);
      if (!last.need) break;
      const Need n = *last.need;
      switch (n.kind) {
        case Need::Kind::kPrimaryReadiness: obs.primary = Readiness{primary_ready, "0 of 1 updated replicas are available"}; break;
        case Need::Kind::kCanaryReadiness: obs.canary = Readiness{canary_ready, "0 of 1 updated replicas are available"}; break;
        case Need::Kind::kHook: {
          const HookSpec& h = spec.webhooks[n.index];
          asked[h.name].push_back(st.phase);
          obs.hooks.resize(spec.webhooks.size());
          obs.hooks[n.index] = HookOutcome{denied_hooks.count(h.name) == 0, "HTTP 403"};
          break;
        }
        case Need::Kind::kMetric: {
          const MetricSpec& m = spec.metrics[n.index];
          obs.metrics.resize(spec.metrics.size());
          double v = m.min ? *m.min + 1 : 1.0;
          if (failing_metrics.count(m.name)) v = m.max ? *m.max + 1 : (m.min ? *m.min - 1 : -1);
          obs.metrics[n.index] = MetricOutcome{v, ""};
          break;
        }
      }
    }
    REQUIRE_FALSE(last.need.has_value());
    for (const Action& a : last.actions) {
      if (a.kind != Action::Kind::kPostRollout) continue;
      for (const HookSpec& h : spec.webhooks)
        if (h.type == HookType::kPostRollout) asked[h.name].push_back(a.phase);
    }
    st = last.next;
    now += spec.interval_ms;
  }

  // Flagger's first two advances: Initializing, then (primary ready) Initialized.
  void Initialise() {
    Tick();
    primary_ready = true;
    Tick();
  }

  int PrimaryWeight() const { return 100 - st.canary_weight; }
  // The mirrored step: all traffic on the primary, mirrored to the canary.
  bool Mirrored() const { return spec.mirror && st.phase == Phase::kProgressing && st.canary_weight == 0 && st.iterations > 0; }
  // The canary Deployment's replicas as git mode renders them.
  bool CanaryScaledDown() const {
    render::CanaryStatus s;
    s.phase = st.phase;
    s.canary_weight = st.canary_weight;
    return render::CanaryScaledToZero(&s);
  }
};

// --- scheduler_deployment_test.go ----------------------------------------

PARITY(TestScheduler_DeploymentNewRevision) {
  World w(DeploymentCanary());
  w.Initialise();
  FLAGGER_FACT(w.CanaryScaledDown());  // replicas 0 after initialisation
  w.revision = "rev-2";
  w.Tick();
  FLAGGER_FACT(!w.CanaryScaledDown());  // replicas 1 once the new revision is detected
}

PARITY(TestScheduler_DeploymentRollback) {
  World w(DeploymentCanary());
  w.Initialise();
  w.st.phase = Phase::kProgressing;  // SyncStatus: Progressing, failedChecks 10
  w.st.failed_checks = 10;
  w.st.last_applied_spec = w.revision;
  w.spec.metrics.push_back(Metric("fail", 0.0, 50.0));
  w.failing_metrics.insert("fail");
  w.Tick();
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kFailed);
}

// The fixture's primary reports ProgressDeadlineExceeded: the deadline has passed.
void PrimaryStuck(World& w) {
  w.primary_ready = false;
  w.st.last_transition_ms = w.now - w.spec.progress_deadline_ms;
}

PARITY(TestScheduler_DeploymentPromotionPrimaryNotReady) {
  World w(DeploymentCanary());
  w.Initialise();
  w.revision = "rev-2";
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kProgressing);
  FLAGGER_FACT(!w.CanaryScaledDown());  // canary replicas > 0
  w.st.phase = Phase::kPromoting;        // SetStatusPhase(Promoting), routes 50/50
  w.st.canary_weight = 50;
  PrimaryStuck(w);
  w.Tick();
  FLAGGER_FACT(!w.CanaryScaledDown());  // the canary keeps its replicas
  FLAGGER_FACT(w.PrimaryWeight() == 0);
  FLAGGER_FACT(w.st.canary_weight == 100);
  FLAGGER_FACT(w.st.phase == Phase::kFailed);
  FLAGGER_FACT(w.st.canary_weight == 100);  // the status reports the routed weight
}

PARITY(TestScheduler_DeploymentPromotionFailedAfterTrafficShift) {
  World w(DeploymentCanary());
  w.Initialise();
  w.revision = "rev-2";
  w.Tick();
  FLAGGER_FACT(!w.CanaryScaledDown());  // canary replicas > 0
  w.st.phase = Phase::kFinalising;       // SetStatusPhase(Finalising), routes 100/0
  w.st.canary_weight = 0;
  PrimaryStuck(w);
  w.Tick();
  FLAGGER_FACT(w.PrimaryWeight() == 0);
  FLAGGER_FACT(w.st.canary_weight == 100);
  FLAGGER_FACT(!w.CanaryScaledDown());
  FLAGGER_FACT(w.st.phase == Phase::kFailed);
  FLAGGER_FACT(w.st.canary_weight == 100);
}

PARITY(TestScheduler_DeploymentSkipAnalysis) {
  World w(DeploymentCanary());
  w.Initialise();
  w.spec.skip_analysis = true;
  w.revision = "rev-2";
  w.Tick();
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kSucceeded);
}

// Interval 1m, stepWeight 100, stepWeightPromotion 50, nothing else.
AnalysisSpec PhasesCanary() {
  AnalysisSpec s;
  s.name = s.target = "podinfo";
  s.ns = "default";
  s.step_weight = 100;
  s.step_weight_promotion = 50;
  return s;
}

PARITY(TestScheduler_DeploymentAnalysisPhases) {
  World w(PhasesCanary());
  w.Initialise();
  FLAGGER_FACT(w.st.phase == Phase::kInitialized);
  w.revision = "rev-2";
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kProgressing);
  FLAGGER_FACT(w.st.canary_weight == 0);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kProgressing);
  FLAGGER_FACT(w.st.canary_weight == 100);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kPromoting);
  FLAGGER_FACT(w.st.canary_weight == 100);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kPromoting);
  FLAGGER_FACT(w.st.canary_weight == 50);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kFinalising);
  FLAGGER_FACT(w.st.canary_weight == 0);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kSucceeded);
  FLAGGER_FACT(w.st.canary_weight == 0);
}

PARITY(TestScheduler_DeploymentBlueGreenAnalysisPhases) {
  AnalysisSpec s;
  s.name = s.target = "podinfo";
  s.ns = "default";
  s.iterations = 1;
  World w(s);
  w.Initialise();
  FLAGGER_FACT(w.st.phase == Phase::kInitialized);
  w.revision = "rev-2";
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kProgressing);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kProgressing);
  w.Tick();  // all traffic to the canary
  FLAGGER_FACT(w.st.phase == Phase::kProgressing);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kPromoting);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kFinalising);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kSucceeded);
}

PARITY(TestScheduler_DeploymentNewRevisionReset) {
  World w(DeploymentCanary());
  w.Initialise();
  w.revision = "rev-2";
  w.Tick();
  w.Tick();
  FLAGGER_FACT(w.PrimaryWeight() == 90);
  FLAGGER_FACT(w.st.canary_weight == 10);
  FLAGGER_FACT(!w.Mirrored());
  w.revision = "rev-3";  // serviceAccountName changed
  w.Tick();
  FLAGGER_FACT(w.PrimaryWeight() == 100);
  FLAGGER_FACT(w.st.canary_weight == 0);
  FLAGGER_FACT(!w.Mirrored());
}

PARITY(TestScheduler_DeploymentPromotion) {
  World w(DeploymentCanary());
  w.Initialise();
  FLAGGER_FACT(w.st.phase == Phase::kInitialized);
  w.revision = "rev-2";
  w.Tick();
  w.revision = "rev-3";  // ConfigMap and Secret changed
  w.Tick();
  w.st.canary_weight = 40;  // SetRoutes 60/40
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kProgressing);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kPromoting);
  w.Tick();
  FLAGGER_FACT(w.PrimaryWeight() == 100);
  FLAGGER_FACT(w.st.canary_weight == 0);
  FLAGGER_FACT(!w.Mirrored());
  FLAGGER_FACT(w.st.phase == Phase::kFinalising);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kSucceeded);
}

PARITY(TestScheduler_DeploymentMirroring) {
  AnalysisSpec s = DeploymentCanary();
  s.mirror = true;
  World w(s);
  w.Initialise();
  w.revision = "rev-2";
  w.Tick();
  w.Tick();
  FLAGGER_FACT(w.PrimaryWeight() == 100);
  FLAGGER_FACT(w.st.canary_weight == 0);
  FLAGGER_FACT(w.Mirrored());
  w.Tick();
  FLAGGER_FACT(w.PrimaryWeight() == 90);
  FLAGGER_FACT(w.st.canary_weight == 10);
  FLAGGER_FACT(!w.Mirrored());
}

PARITY(TestScheduler_DeploymentABTesting) {
  AnalysisSpec s = DeploymentCanary();  // newDeploymentTestCanaryAB: threshold 10, iterations 10, a header match
  s.step_weight = 0;
  s.max_weight = 0;
  s.iterations = 10;
  s.has_match = true;
  World w(s);
  w.Initialise();
  w.revision = "rev-2";
  w.Tick();
  w.Tick();
  FLAGGER_FACT(w.PrimaryWeight() == 0);
  FLAGGER_FACT(w.st.canary_weight == 100);
  FLAGGER_FACT(!w.Mirrored());
  w.st.iterations = 10;  // SetStatusIterations(10)
  w.Tick();
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kFinalising);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kSucceeded);
}

// --- scheduler_svc_test.go --------------------------------------------------

// testServicePromotion: the primary weight after each advance, then
// promotion. `differs` marks the advances where the README's maxWeight clamp
// gives another weight than Flagger.
void ServicePromotion(AnalysisSpec s, const std::vector<int>& primary_weights, std::set<std::size_t> differs = {}) {
  s.name = s.target = "podinfo";
  s.ns = "default";
  s.threshold = 10;
  World w(s);
  w.primary_ready = true;  // a Service target is ready at once
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kInitialized);
  w.revision = "rev-2";
  for (std::size_t i = 0; i < primary_weights.size(); ++i) {
    w.Tick();
    CAPTURE(i);
    if (differs.count(i)) {
      DELIBERATE_DIFFERENCE(w.PrimaryWeight() == primary_weights[i]);
      DELIBERATE_DIFFERENCE(w.st.canary_weight == 100 - primary_weights[i]);
    } else {
      FLAGGER_FACT(w.PrimaryWeight() == primary_weights[i]);
      FLAGGER_FACT(w.st.canary_weight == 100 - primary_weights[i]);
    }
    FLAGGER_FACT(!w.Mirrored());
  }
  FLAGGER_FACT(w.st.phase == Phase::kProgressing);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kPromoting);
  w.Tick();
  FLAGGER_FACT(w.PrimaryWeight() == 100);
  FLAGGER_FACT(w.st.canary_weight == 0);
  FLAGGER_FACT(!w.Mirrored());
  FLAGGER_FACT(w.st.phase == Phase::kFinalising);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kSucceeded);
}

PARITY(TestScheduler_ServicePromotion) {
  AnalysisSpec s;
  s.step_weight = 20;
  s.max_weight = 50;
  // Flagger steps 20, 40, 60 past maxWeight 50; gitcanary stops at 50.
  ServicePromotion(s, {100, 80, 60, 40}, {3});
}

PARITY(TestScheduler_ServicePromotionMaxWeight) {
  AnalysisSpec s;
  s.step_weight = 50;
  s.max_weight = 100;
  ServicePromotion(s, {100, 50, 0});
}

PARITY(TestScheduler_ServicePromotionWithWeightsHappyCase) {
  AnalysisSpec s;
  s.step_weights = {1, 2, 10, 80};
  ServicePromotion(s, {100, 99, 98, 90, 20});
}

PARITY(TestScheduler_ServicePromotionWithWeightsOverflow) {
  AnalysisSpec s;
  s.step_weights = {1, 2, 10, 200};
  ServicePromotion(s, {100, 99, 98, 90, 0});
}

// --- events_test.go ---------------------------------------------------------

AnalysisSpec EventsCanary() {
  AnalysisSpec s = DeploymentCanary();
  s.webhooks = {Hook("event-webhook", HookType::kEvent),
                Hook("pre-rollout-webhook", HookType::kPreRollout),
                Hook("rollout-webhook", HookType::kRollout),
                Hook("confirm-promotion-webhook", HookType::kConfirmPromotion),
                Hook("confirm-rollout-webhook", HookType::kConfirmRollout),
                Hook("post-rollout-webhook", HookType::kPostRollout),
                Hook("confirm-traffic-increase-webhook", HookType::kConfirmTrafficIncrease)};
  return s;
}

using Calls = std::vector<Phase>;

// The `event` webhook's list of messages is not re-expressed: gitcanary calls
// event webhooks once per status change (README, deliberate differences).
PARITY(TestWebhooks_skip_analysis) {
  World w(EventsCanary());
  w.Initialise();
  w.spec.skip_analysis = true;
  w.revision = "rev-2";
  w.Tick();
  w.Tick();
  FLAGGER_FACT(w.asked["confirm-rollout-webhook"] == Calls{Phase::kInitialized});
  FLAGGER_FACT(w.asked["post-rollout-webhook"] == Calls{Phase::kSucceeded});
  CHECK(w.asked.size() == 2);  // no other hook is called
}

PARITY(TestWebhooks_canary) {
  AnalysisSpec s = EventsCanary();
  s.step_weight = 100;  // maxWeight stays 50
  s.step_weight_promotion = 50;
  World w(s);
  w.Initialise();
  FLAGGER_FACT(w.st.phase == Phase::kInitialized);
  w.revision = "rev-2";
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kProgressing);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kProgressing);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kPromoting);
  // Flagger's weight went to 100, past maxWeight 50, so its promotion takes two
  // steps of 50; gitcanary's weight stopped at 50, so it takes one.
  w.Tick();
  DELIBERATE_DIFFERENCE(w.st.phase == Phase::kPromoting);
  w.Tick();
  DELIBERATE_DIFFERENCE(w.st.phase == Phase::kFinalising);
  w.Tick();
  FLAGGER_FACT(w.st.phase == Phase::kSucceeded);
  FLAGGER_FACT(w.asked["confirm-rollout-webhook"] == Calls{Phase::kInitialized});
  FLAGGER_FACT(w.asked["confirm-promotion-webhook"] == Calls{Phase::kProgressing});
  FLAGGER_FACT(w.asked["confirm-traffic-increase-webhook"] == (Calls{Phase::kProgressing, Phase::kProgressing}));
  FLAGGER_FACT(w.asked["pre-rollout-webhook"] == Calls{Phase::kProgressing});
  FLAGGER_FACT(w.asked["post-rollout-webhook"] == Calls{Phase::kSucceeded});
  FLAGGER_FACT(w.asked["rollout-webhook"] == Calls{Phase::kProgressing});
}

// The totals the README's "Fidelity to Flagger's scheduler" states: every
// test above, run again, counted.
TEST_CASE("Flagger parity: the README's counts") {
  g_facts = g_differences = 0;
  for (void (*test)() : {&TestScheduler_DeploymentNewRevision, &TestScheduler_DeploymentRollback, &TestScheduler_DeploymentPromotionPrimaryNotReady, &TestScheduler_DeploymentPromotionFailedAfterTrafficShift, &TestScheduler_DeploymentSkipAnalysis, &TestScheduler_DeploymentAnalysisPhases, &TestScheduler_DeploymentBlueGreenAnalysisPhases, &TestScheduler_DeploymentNewRevisionReset, &TestScheduler_DeploymentPromotion, &TestScheduler_DeploymentMirroring, &TestScheduler_DeploymentABTesting, &TestScheduler_ServicePromotion, &TestScheduler_ServicePromotionMaxWeight, &TestScheduler_ServicePromotionWithWeightsHappyCase, &TestScheduler_ServicePromotionWithWeightsOverflow, &TestWebhooks_skip_analysis, &TestWebhooks_canary}) test();
  CHECK(g_facts == 160);        // Flagger assertions re-expressed
  CHECK(g_differences == 4);    // of which deliberate differences (maxWeight clamp)
}

}  // namespace
}  // namespace gitcanary::policies
