// AnalysisExecutor and a lease lost mid-decision (ExecutorDeps::still_held):
// the decision stops before the next outbound call, whatever its kind, sends
// nothing more and leaves the state as it was; Carry(), which follows a pushed
// commit, never asks.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "plugin/serve/analysis_executor.h"

namespace gitcanary::plugin {
namespace {

using policies::HookType;

// Every outbound call, in order: "hook URL", "query", "readiness canary|primary".
struct Calls {
  std::vector<std::string> log;
};

class RecordingWebhooks : public WebhookCaller {
 public:
  explicit RecordingWebhooks(Calls* calls) : calls_(calls) {}
  Result<WebhookResponse> Post(const WebhookRequest& r) override {
    calls_->log.push_back("hook " + r.url);
    return WebhookResponse{200, ""};
  }

 private:
  Calls* calls_;
};

class RecordingMetrics : public MetricsProvider {
 public:
  explicit RecordingMetrics(Calls* calls) : calls_(calls) {}
  Result<double> Query(const std::string&) override {
    calls_->log.push_back("query");
    return 99.9;
  }

 private:
  Calls* calls_;
};

policies::HookSpec Hook(const char* name, HookType type) {
  policies::HookSpec h;
  h.name = name;
  h.type = type;
  h.url = std::string("http://hooks/") + name;
  return h;
}

// Progressing at 10%: readiness of both Deployments, two rollout hooks, one
// built-in metric, then a step to 20%.
policies::AnalysisSpec Spec() {
  policies::AnalysisSpec s;
  s.name = s.target = s.service = "podinfo";
  s.ns = "test";
  s.step_weight = 10;
  s.max_weight = 50;
  s.threshold = 3;
  policies::MetricSpec rate;
  rate.name = "request-success-rate";
  rate.min = 99;
  s.metrics = {rate};
  s.webhooks = {Hook("smoke", HookType::kRollout), Hook("load", HookType::kRollout),
                Hook("done", HookType::kPostRollout)};
  return s;
}

policies::AnalysisState Progressing10() {
  policies::AnalysisState st;
  st.phase = Phase::kProgressing;
  st.canary_weight = 10;
  st.last_applied_spec = "abc123";
  st.last_promoted_spec = "old";
  st.last_transition_ms = 1;
  return st;
}

struct Run {
  Executed out;
  std::vector<std::string> calls;
  int checks = 0;
};

// Decides with the lease lost once `held_for` outbound calls have been made
// (-1: never lost).
Run DecideLosingAfter(int held_for) {
  Calls calls;
  RecordingWebhooks hooks(&calls);
  RecordingMetrics metrics(&calls);
  policies::TemplateIndex templates;
  Run run;
  ExecutorDeps deps;
  deps.webhooks = &hooks;
  deps.metrics = [&](const policies::MetricTemplate*, const std::string&) -> Result<MetricsProvider*> {
    return static_cast<MetricsProvider*>(&metrics);
  };
  deps.readiness = [&](const policies::AnalysisSpec&, bool primary) {
    calls.log.push_back(primary ? "readiness primary" : "readiness canary");
    return policies::Readiness{true, ""};
  };
  deps.still_held = [&]() -> Status {
    ++run.checks;
    if (held_for >= 0 && static_cast<int>(calls.log.size()) >= held_for)
      return Status::Io("replica-2 holds it until 2026-12-07T01:00:00.000Z");
    return Status::Ok();
  };
  AnalysisExecutor executor(std::move(deps), templates);
  run.out = executor.Decide(Spec(), Progressing10(), "abc123", 1000);
  run.calls = calls.log;
  return run;
}

TEST_CASE("executor lease: a lease lost mid-decision stops before the next outbound call") {
  const std::string lost = "lease lost during the pass: replica-2 holds it until 2026-12-07T01:00:00.000Z; stopped before ";
  const std::string tail = " of canary test/podinfo; nothing of this pass was committed";
  struct Row {
    int held_for;
    std::vector<std::string> calls;
    std::string stopped_before;  // "" = not stopped
  };
  // Step's order at 10%: the primary's readiness (Flagger checks it first), the
  // canary's, the rollout hooks in order, the built-in metric (policies/step.h).
  const std::vector<Row> rows = {
      {0, {}, "the primary readiness check"},
      {1, {"readiness primary"}, "the canary readiness check"},
      {2, {"readiness primary", "readiness canary"}, "rollout webhook smoke"},
      {3, {"readiness primary", "readiness canary", "hook http://hooks/smoke"}, "rollout webhook load"},
      {4, {"readiness primary", "readiness canary", "hook http://hooks/smoke", "hook http://hooks/load"},
       "the query of metric request-success-rate"},
      {-1,
       {"readiness primary", "readiness canary", "hook http://hooks/smoke", "hook http://hooks/load", "query"},
       ""},
  };
  for (const Row& row : rows) {
    CAPTURE(row.held_for);
    Run run = DecideLosingAfter(row.held_for);
    CHECK(run.calls == row.calls);
    CHECK(run.checks == static_cast<int>(row.calls.size()) + (row.stopped_before.empty() ? 0 : 1));
    if (row.stopped_before.empty()) {
      CHECK(run.out.stopped.ok());
      CHECK(run.out.decision.next.canary_weight == 20);
      continue;
    }
    CHECK(run.out.stopped.message() == lost + row.stopped_before + tail);
    // Nothing decided: the state is as it was, so nothing can be committed.
    CHECK_FALSE(run.out.decision.Changed(Progressing10()));
    CHECK_FALSE(run.out.decision.need.has_value());
    CHECK(run.out.decision.actions.empty());
  }
}

TEST_CASE("executor lease: an operator's approval of a gate is no call and needs no lease check") {
  Calls calls;
  RecordingWebhooks hooks(&calls);
  policies::TemplateIndex templates;
  int checks = 0;
  ExecutorDeps deps;
  deps.webhooks = &hooks;
  deps.still_held = [&]() -> Status {
    ++checks;
    return Status::Io("lost");
  };
  policies::AnalysisSpec spec = Spec();
  spec.metrics.clear();
  spec.webhooks = {Hook("gate", HookType::kConfirmRollout)};
  policies::AnalysisState initialized;
  initialized.phase = Phase::kInitialized;
  initialized.last_applied_spec = "old";
  initialized.last_promoted_spec = "old";
  initialized.last_transition_ms = 1;
  // A new revision at Initialized asks the confirm-rollout gate first (Flagger's order).
  Executed out = AnalysisExecutor(std::move(deps), templates).Decide(spec, initialized, "abc123", 1000, "abc123");
  CHECK(calls.log.empty());
  CHECK(out.used_approval);
  CHECK(out.stopped.ok());
  CHECK(checks == 0);
}

TEST_CASE("executor lease: Carry follows a pushed commit and never asks for the lease") {
  Calls calls;
  RecordingWebhooks hooks(&calls);
  policies::TemplateIndex templates;
  int checks = 0;
  ExecutorDeps deps;
  deps.webhooks = &hooks;
  deps.still_held = [&]() -> Status {
    ++checks;
    return Status::Io("lost");
  };
  policies::Decision decision;
  decision.next.phase = Phase::kSucceeded;
  decision.actions.push_back(policies::Action{policies::Action::Kind::kPostRollout, policies::Severity::kInfo,
                                              Phase::kSucceeded, ""});
  std::vector<std::string> failures = AnalysisExecutor(std::move(deps), templates).Carry(Spec(), decision, 1000);
  CHECK(failures.empty());
  CHECK(calls.log == std::vector<std::string>{"hook http://hooks/done"});
  CHECK(checks == 0);
}

}  // namespace
}  // namespace gitcanary::plugin
