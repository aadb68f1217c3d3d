// AnalysisExecutor: the only code that turns the state machine's needs and
// actions into I/O.
//
// Decide() calls policies::Step, and whenever Step needs an observation it
// obtains it (a webhook call with Flagger's payload, a metric query, a
// readiness check) and calls Step again, so hooks run and metrics are queried
// in Flagger's order and only when reached. Carry() performs what a final
// decision asks for after the fact: post-rollout and event webhooks, alerts.
// (Promote is carried out by whoever writes the status, since it edits the
// promoted snapshot.) Every I/O goes through an interface (WebhookCaller,
// MetricsProvider, a readiness function), so tests use fakes or real servers.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/metrics_provider.h"
#include "core/secret_source.h"
#include "core/webhook_caller.h"
#include "policies/analysis_spec_reader.h"
#include "policies/step.h"

namespace gitcanary::plugin {

struct ExecutorDeps {
  WebhookCaller* webhooks = nullptr;
  // The metrics backend for a metric: `tmpl` is its MetricTemplate, or nullptr
  // for a built-in metric (then `metrics_server` is spec.metricsServer or "").
  std::function<Result<MetricsProvider*>(const policies::MetricTemplate* tmpl, const std::string& metrics_server)>
      metrics;
  // Whether the canary (`primary` false) or primary Deployment is ready.
  std::function<policies::Readiness(const policies::AnalysisSpec& spec, bool primary)> readiness;
  // Alert providers of the app, and where their secretRefs are read.
  const policies::ProviderIndex* providers = nullptr;
  SecretSource* secrets = nullptr;
  // Whether this replica still holds serve's lease (plugin/serve/lease_keeper.h),
  // asked before every webhook call, metric query and readiness check of
  // Decide, and by the reconciler before it pushes. An error stops there:
  // nothing more is sent and Executed::stopped says why. Carry() does not ask:
  // it follows a commit already pushed. Empty (--once, tests): always held.
  std::function<Status()> still_held;
};

// The error of a pass stopped because the lease was lost: "lease lost during
// the pass: WHY; stopped before WHAT; nothing of this pass was committed".
Status LeaseLost(const Status& why, const std::string& what);

// One observation made while deciding, for logs and commit notes.
struct Evidence {
  std::string what;    // "webhook load-test", "metric request-success-rate"
  std::string detail;  // the query or URL (without credentials) and the answer
};

struct Executed {
  policies::Decision decision;
  std::vector<Evidence> evidence;
  policies::Observations observations;  // everything gathered for the decision
  bool used_approval = false;           // a gate was opened by an operator's approval
  // Not OK: Decide stopped before an observation because the lease was lost
  // (LeaseLost); `decision` keeps the state as it was and must not be committed.
  Status stopped;
};

class AnalysisExecutor {
 public:
  AnalysisExecutor(ExecutorDeps deps, const policies::TemplateIndex& templates) : deps_(std::move(deps)), templates_(templates) {}

  // `approved_revision`: an operator approved the gate of this revision
  // (`gitcanary approve`); a confirm-* webhook is then answered "approved"
  // without being called.
  Executed Decide(const policies::AnalysisSpec& spec, const policies::AnalysisState& state,
                  const std::string& revision, long long now_ms, const std::string& approved_revision = "");

  // For a decision that changed the status: post-rollout hooks, event hooks
  // (Flagger's metadata eventMessage = the reason, eventType, timestamp in
  // Unix ms, overriding the hook's own metadata) and alerts. Returns one line
  // per call that failed; a failure here never undoes the decision, as in
  // Flagger.
  std::vector<std::string> Carry(const policies::AnalysisSpec& spec, const policies::Decision& decision,
                                 long long now_ms);

 private:
  void Observe(const policies::AnalysisSpec& spec, const policies::AnalysisState& state,
               const policies::Need& need, bool approved, Executed* out);
  // Asks deps_.still_held before sending `what`; false (and out->stopped set) when lost.
  bool MaySend(const policies::AnalysisSpec& spec, const std::string& what, Executed* out);
  void SendAlerts(const policies::AnalysisSpec& spec, const policies::Decision& decision, const policies::Action& alert,
                  long long now_ms, std::vector<std::string>* failures);
  policies::MetricOutcome QueryMetric(const policies::AnalysisSpec& spec, const policies::MetricSpec& metric,
                                      std::string* query_text);

  ExecutorDeps deps_;
  const policies::TemplateIndex& templates_;
};

// The webhook request Flagger sends for `hook` when the canary is in `phase`,
// with the canary's checksum.
WebhookRequest HookRequest(const policies::AnalysisSpec& spec, const policies::HookSpec& hook, std::string_view phase,
                           const std::string& checksum,
                           const std::map<std::string, std::string>& extra_metadata = {});

}  // namespace gitcanary::plugin
