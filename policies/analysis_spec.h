// AnalysisSpec: what the analysis state machine needs to know of one Canary,
// as plain typed values.
//
// policies/analysis_spec_reader.cc fills it from a normalised Canary document,
// so every default (interval 1m, threshold 1, maxWeight 100, ...) is already
// applied and every value validated; policies/ never sees YAML. Webhooks and
// metrics keep their order in the Canary: observations are indexed by it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gitcanary::policies {

// Flagger's webhook types; an empty `type` is kRollout.
enum class HookType {
  kConfirmRollout, kPreRollout, kRollout, kConfirmTrafficIncrease, kConfirmPromotion,
  kPostRollout, kRollback, kEvent
};
std::string_view HookTypeName(HookType type);                 // "confirm-rollout", ...
std::optional<HookType> ParseHookType(std::string_view name);  // "" -> kRollout

struct HookSpec {
  std::string name;
  HookType type = HookType::kRollout;
  std::string url;
  long long timeout_ms = 0;  // 0: the default (10 s)
  int retries = 0;
  bool mute_alert = false;
  bool disable_tls = false;  // disableTLS: do not verify an https server's certificate
  std::map<std::string, std::string> metadata;
};

struct MetricSpec {
  std::string name;
  std::optional<double> min, max;  // thresholdRange, both bounds inclusive
  std::string interval = "1m";
  std::string template_name;       // templateRef; "" for a built-in or in-line metric
  std::string template_ns;         // "" = the Canary's namespace
  std::map<std::string, std::string> variables;  // templateVariables
  // In-line PromQL (the metric's `query:`), with the variables of a template,
  // run against the default Prometheus or spec.metricsServer, as Flagger does.
  std::string query;
  // Flagger checks built-in and in-line metrics first, templated ones after.
  bool builtin() const { return template_name.empty(); }
};

// A MetricTemplate document (flagger.app/v1beta1): where and what to query.
struct MetricTemplate {
  std::string name, ns;
  std::string provider_type = "prometheus";  // the only provider gitcanary queries
  std::string address;
  std::map<std::string, std::string> headers;  // provider.headers, one value each
  std::string secret_name;                     // provider.secretRef.name; "" = none
  bool insecure_skip_verify = false;
  std::string query;  // with {{ name }}-style variables (policies/metric_query.h)
};

// One entry of analysis.alerts: which AlertProvider gets which severities.
struct AlertRef {
  std::string name;
  std::string severity = "info";  // info, warn or error (validated by the reader)
  std::string provider_name, provider_ns;  // provider_ns defaults to the Canary's
};

enum class Strategy { kCanary, kABTesting, kBlueGreen };
std::string_view StrategyName(Strategy s);  // "canary", "A/B testing", "blue/green"

struct AnalysisSpec {
  std::string name, ns;  // the Canary
  std::string target;    // targetRef name (a Deployment)
  std::string service;   // spec.service.name, else the target's name (a query's {{ service }})
  std::string metrics_server;  // spec.metricsServer: overrides the default Prometheus for built-in metrics
  // The traffic provider (spec.provider, else gitcanary.yaml's
  // defaults.provider; "" = istio), and the provider whose built-in queries
  // the metrics use (policies/metric_query.h MetricsProviderFor).
  std::string provider, metrics_provider;
  // spec.ingressRef.name and spec.routeRef.name ("" = none): a query's
  // {{ ingress }} and {{ route }}, which default to the target's name.
  std::string ingress, route;
  bool suspend = false;
  bool skip_analysis = false;
  long long interval_ms = 60'000;
  long long progress_deadline_ms = 600'000;
  // analysis.canaryReadyThreshold and primaryReadyThreshold: the percentage of
  // updated replicas that must be available for the Deployment to be ready.
  int canary_ready_threshold = 100;
  int primary_ready_threshold = 100;
  int threshold = 1;
  int max_weight = 0;  // 0: not set
  int step_weight = 0;
  std::vector<int> step_weights;
  int step_weight_promotion = 0;
  int iterations = 0;
  bool has_match = false;  // analysis.match is a non-empty list
  bool mirror = false;
  // analysis.sessionAffinity: cookieName ("" = no session affinity) and primaryCookieName.
  std::string affinity_cookie, affinity_primary_cookie;
  std::vector<HookSpec> webhooks;
  std::vector<MetricSpec> metrics;
  std::vector<AlertRef> alerts;
};

// Whether the canary's provider shifts traffic: all do but `kubernetes`
// (Services only). Flagger runs such a canary as blue/green: it drops
// analysis.match and, when analysis.iterations is unset, runs 10 iterations;
// its promotion goes straight to Finalising, whatever stepWeightPromotion says.
bool ShiftsTraffic(const AnalysisSpec& spec);
inline constexpr int kKubernetesIterations = 10;

// The iterations the analysis runs: analysis.iterations, or 10 for a canary
// whose provider shifts no traffic and that sets none.
int AnalysisIterations(const AnalysisSpec& spec);

// Flagger's DeploymentStrategy: match + iterations is A/B testing, iterations
// alone blue/green, anything else canary; always blue/green when the
// provider shifts no traffic.
Strategy StrategyOf(const AnalysisSpec& spec);

// The highest canary weight the canary strategy reaches: the last stepWeights
// entry (at most 100), else maxWeight, else 100. A/B testing and blue/green
// send all traffic to the canary at their last iteration, so theirs is 100.
int MaxWeight(const AnalysisSpec& spec);

// The weight the canary strategy adds at `weight`, as Flagger's
// nextStepWeight: stepWeight when set (it wins over stepWeights), otherwise the
// distance to the next stepWeights entry. The caller clamps to MaxWeight.
int NextStepWeight(const AnalysisSpec& spec, int weight);

}  // namespace gitcanary::policies
