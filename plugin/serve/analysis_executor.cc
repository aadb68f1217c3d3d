#include "plugin/serve/analysis_executor.h"

#include "plugin/clients/alert_sender.h"
#include "policies/metric_query.h"
#include "policies/operator_action.h"
#include "policies/webhook.h"

namespace gitcanary::plugin {

namespace {

using policies::Decision;
using policies::HookSpec;
using policies::Need;

constexpr int kMaxCallsPerDecision = 256;  // a guard: Step needs each observation once

}  // namespace

WebhookRequest HookRequest(const policies::AnalysisSpec& spec, const HookSpec& hook, std::string_view phase,
                           const std::string& checksum, const std::map<std::string, std::string>& extra_metadata) {
  std::map<std::string, std::string> metadata = hook.metadata;
  for (const auto& [k, v] : extra_metadata) metadata[k] = v;
  WebhookRequest r;
  r.url = hook.url;
  r.body = policies::WebhookPayload(spec.name, spec.ns, phase, checksum, metadata);
  r.timeout_ms = hook.timeout_ms;
  r.retries = hook.retries;
  r.skip_tls_verify = hook.disable_tls;
  return r;
}

Status LeaseLost(const Status& why, const std::string& what) {
  return Status::Io("lease lost during the pass: " + why.message() + "; stopped before " + what +
                    "; nothing of this pass was committed");
}

bool AnalysisExecutor::MaySend(const policies::AnalysisSpec& spec, const std::string& what, Executed* out) {
  if (!deps_.still_held) return true;
  Status held = deps_.still_held();
  if (held.ok()) return true;
  out->stopped = LeaseLost(held, what + " of canary " + spec.ns + "/" + spec.name);
  return false;
}

Executed AnalysisExecutor::Decide(const policies::AnalysisSpec& spec, const policies::AnalysisState& state,
                                  const std::string& revision, long long now_ms,
                                  const std::string& approved_revision) {
  Executed out;
  policies::Observations& obs = out.observations;
  obs.revision = revision;
  const bool approved = !approved_revision.empty() && approved_revision == revision;
  for (int calls = 0; calls < kMaxCallsPerDecision; ++calls) {
    out.decision = policies::Step(spec, state, obs, now_ms);
    if (!out.decision.need) return out;
    Observe(spec, state, *out.decision.need, approved, &out);
    if (!out.stopped.ok()) {
      out.decision = Decision{state, {}, out.stopped.message(), std::nullopt};
      return out;
    }
  }
  out.decision = Decision{state, {}, "internal error: the analysis asked for too many observations", std::nullopt};
  return out;
}

void AnalysisExecutor::Observe(const policies::AnalysisSpec& spec, const policies::AnalysisState& state,
                               const Need& need, bool approved, Executed* out) {
  policies::Observations* obs = &out->observations;
  std::vector<Evidence>* evidence = &out->evidence;
  switch (need.kind) {
    case Need::Kind::kPrimaryReadiness:
    case Need::Kind::kCanaryReadiness: {
      const bool primary = need.kind == Need::Kind::kPrimaryReadiness;
      if (deps_.readiness && !MaySend(spec, primary ? "the primary readiness check" : "the canary readiness check", out))
        return;
      policies::Readiness r = deps_.readiness ? deps_.readiness(spec, primary) : policies::Readiness{true, ""};
      evidence->push_back({primary ? "primary readiness" : "canary readiness", r.ready ? "ready" : r.reason});
      (primary ? obs->primary : obs->canary) = std::move(r);
      return;
    }
    case Need::Kind::kHook: {
      const HookSpec& hook = spec.webhooks[need.index];
      obs->hooks.resize(spec.webhooks.size());
      if (approved && policies::IsGate(hook.type)) {
        evidence->push_back({"webhook " + hook.name, "approved in git by an operator (gitcanary approve)"});
        obs->hooks[need.index] = policies::HookOutcome{true, ""};
        out->used_approval = true;
        return;
      }
      if (!MaySend(spec, std::string(policies::HookTypeName(hook.type)) + " webhook " + hook.name, out)) return;
      std::string_view phase = policies::PhaseForHook(policies::HookTypeName(hook.type), PhaseName(state.phase));
      auto response = deps_.webhooks->Post(HookRequest(spec, hook, phase, obs->revision));
      policies::HookOutcome outcome;
      outcome.ok = response.ok() && policies::WebhookSucceeded(response->status);
      if (!outcome.ok) outcome.reason = policies::WebhookFailureReason(response);
      evidence->push_back({"webhook " + hook.name, policies::RedactUrl(hook.url) + ": " +
                                                       (outcome.ok ? "HTTP " + std::to_string(response->status)
                                                                   : outcome.reason)});
      obs->hooks[need.index] = std::move(outcome);
      return;
    }
    case Need::Kind::kMetric: {
      const policies::MetricSpec& metric = spec.metrics[need.index];
      if (!MaySend(spec, "the query of metric " + metric.name, out)) return;
      std::string query;
      policies::MetricOutcome outcome = QueryMetric(spec, metric, &query);
      evidence->push_back({"metric " + metric.name,
                           query + " = " + (outcome.value ? std::to_string(*outcome.value) : outcome.error)});
      obs->metrics.resize(spec.metrics.size());
      obs->metrics[need.index] = std::move(outcome);
      return;
    }
  }
}

policies::MetricOutcome AnalysisExecutor::QueryMetric(const policies::AnalysisSpec& spec,
                                                      const policies::MetricSpec& metric, std::string* query_text) {
  QueryVars vars{spec.name, spec.ns, spec.target, spec.service, metric.interval, metric.variables,
                 spec.ingress, spec.route};
  const policies::MetricTemplate* tmpl = nullptr;
  Result<std::string> query = Status::Internal("no query");
  if (!metric.query.empty()) {
    query = RenderQueryTemplate(metric.query, vars);
  } else if (metric.builtin()) {
    query = BuiltinQuery(spec.metrics_provider, metric.name, vars);
  } else {
    auto it = templates_.find(metric.template_ns + "/" + metric.template_name);
    if (it == templates_.end()) {
      return {std::nullopt, "MetricTemplate " + metric.template_ns + "/" + metric.template_name + " not found"};
    }
    tmpl = &it->second;
    if (tmpl->provider_type != "prometheus") {
      return {std::nullopt, "MetricTemplate " + tmpl->ns + "/" + tmpl->name + ": provider type \"" +
                                tmpl->provider_type + "\" is not supported (gitcanary queries prometheus)"};
    }
    query = RenderQueryTemplate(tmpl->query, vars);
  }
  if (!query.ok()) return {std::nullopt, query.status().message()};
  *query_text = *query;
  auto provider = deps_.metrics(tmpl, spec.metrics_server);
  if (!provider.ok()) return {std::nullopt, provider.status().message()};
  auto value = (*provider)->Query(*query);
  if (!value.ok()) return {std::nullopt, value.status().message()};
  if (metric.query.empty() && tmpl == nullptr) return {BuiltinValue(spec.metrics_provider, metric.name, *value), ""};
  return {*value, ""};
}

std::vector<std::string> AnalysisExecutor::Carry(const policies::AnalysisSpec& spec, const Decision& decision,
                                                long long now_ms) {
  std::vector<std::string> failures;
  auto call = [&](const HookSpec& hook, std::string_view phase, const std::map<std::string, std::string>& extra) {
    auto response = deps_.webhooks->Post(HookRequest(spec, hook, phase, decision.next.last_applied_spec, extra));
    if (!response.ok() || !policies::WebhookSucceeded(response->status))
      failures.push_back(std::string(policies::HookTypeName(hook.type)) + " hook " + hook.name + " failed: " +
                         policies::WebhookFailureReason(response));
  };
  for (const policies::Action& action : decision.actions) {
    if (action.kind == policies::Action::Kind::kAlert) SendAlerts(spec, decision, action, now_ms, &failures);
    if (action.kind != policies::Action::Kind::kPostRollout) continue;
    for (const HookSpec& hook : spec.webhooks)
      if (hook.type == policies::HookType::kPostRollout) call(hook, PhaseName(action.phase), {});
  }
  const bool warning = decision.next.phase == Phase::kFailed || decision.next.phase == Phase::kWaiting ||
                       decision.next.phase == Phase::kWaitingPromotion;
  for (const HookSpec& hook : spec.webhooks) {
    if (hook.type != policies::HookType::kEvent) continue;
    call(hook, PhaseName(decision.next.phase),
         {{"eventMessage", decision.reason}, {"eventType", warning ? "Warning" : "Normal"},
          {"timestamp", std::to_string(now_ms)}});
  }
  return failures;
}

void AnalysisExecutor::SendAlerts(const policies::AnalysisSpec& spec, const Decision& decision,
                                  const policies::Action& alert, long long now_ms, std::vector<std::string>* failures) {
  policies::AlertFacts facts;
  facts.target_kind = "Deployment";
  facts.target_name = spec.target;
  facts.ns = spec.ns;
  facts.threshold = spec.threshold;
  facts.progress_deadline_seconds = spec.progress_deadline_ms / 1000;
  facts.iterations = spec.iterations;
  facts.has_match = spec.has_match;
  facts.step_weight = spec.step_weight;
  facts.step_weights = spec.step_weights;
  facts.max_weight = spec.max_weight;
  // Flagger attaches the canary's facts to the two "New ... detected" alerts only.
  const bool metadata = alert.message.rfind("New ", 0) == 0;
  policies::AlertEvent event{spec.name, spec.ns, std::string(PhaseName(decision.next.phase)), alert.message,
                             alert.severity, policies::AlertFields(facts, metadata), decision.next.last_applied_spec,
                             now_ms};
  for (const policies::AlertRef& ref : spec.alerts) {
    auto wanted = policies::ParseSeverity(ref.severity);
    if (!wanted.ok() || !policies::AlertWanted(*wanted, alert.severity)) continue;
    const std::string key = ref.provider_ns + "/" + ref.provider_name;
    auto doc = deps_.providers != nullptr ? deps_.providers->find(key) : policies::ProviderIndex::const_iterator();
    if (deps_.providers == nullptr || doc == deps_.providers->end()) {
      failures->push_back("alert " + ref.name + ": AlertProvider " + key + " not found");
      continue;
    }
    std::optional<std::string> secret;
    if (!doc->second.secret_name.empty()) secret = doc->second.secret_name;
    if (secret && deps_.secrets == nullptr) {
      failures->push_back("alert " + ref.name + ": AlertProvider " + key + " needs secrets, and none are configured");
      continue;
    }
    auto provider = secret ? ResolveProviderAddress(doc->second.provider, secret, *deps_.secrets)
                           : Result<policies::AlertProvider>(doc->second.provider);
    Status sent = provider.ok() ? SendAlert(*deps_.webhooks, *provider, event) : provider.status();
    if (!sent.ok()) failures->push_back("alert " + ref.name + ": " + sent.message());
  }
}

}  // namespace gitcanary::plugin
