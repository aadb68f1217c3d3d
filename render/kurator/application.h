// Kurator Applications: the rollout policies of an `apps.kurator.dev/v1alpha1`
// Application, read and validated.
//
// An Application wraps a Flux source and its kustomizations; each
// `spec.syncPolicies[i].rollout` is a canary policy that Kurator's controller
// turns into a Flagger Canary. ParseRollouts reads every rollout of one
// Application into a Rollout, with the documented defaults made explicit
// (a metric's intervalSeconds and the webhooks' timeoutSeconds default to 60,
// kuma's protocol to http, workload apiVersion/kind to apps/v1 Deployment).
// Anything Kurator's controller would trip over is an error at the field,
// `file:line:col: spec.syncPolicies[0].rollout.port: missing; ...`: the
// fields its CRD requires, nginx without trafficRouting.host, canaryStrategy
// together with analysisTimes, stepWeight together with stepWeights, a
// provider other than istio, kuma or nginx, and an unknown field.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "render/manifest.h"

namespace gitcanary::render::kurator {

inline constexpr std::string_view kApplicationGroup = "apps.kurator.dev";
inline constexpr std::string_view kApplicationKind = "Application";
// The annotation Kurator writes on every object it creates for a rollout.
inline constexpr std::string_view kRolloutAnnotation = "kurator.dev/rollout";
// Names the destination cluster, for the URL of Kurator's public load tester.
inline constexpr std::string_view kClusterAnnotation = "gitcanary.io/kurator-cluster";

struct RolloutMetric {
  std::string name;
  yaml::Node name_node;                   // for errors
  long long interval_seconds = 60;        // intervalSeconds, default 60
  std::optional<yaml::Node> threshold_range;
  std::optional<yaml::Node> custom_metric;  // a Flagger MetricTemplateSpec
};

struct Rollout {
  std::string file;
  std::string path;          // "spec.syncPolicies[0].rollout"
  yaml::Node node;           // the rollout mapping, for errors
  std::string policy_name;   // syncPolicies[i].name, else <application name>-<i>
  std::string cluster;       // the Application's gitcanary.io/kurator-cluster, "" when absent
  bool test_loader = false;
  std::string provider;      // istio | kuma | nginx
  yaml::Node provider_node;
  // workload
  std::string api_version = "apps/v1";
  std::string kind = "Deployment";
  std::string workload;
  std::string ns;            // "" = the app's namespace
  yaml::Node workload_node;
  std::string service_name;
  long long port = 0;
  std::optional<yaml::Node> primary, preview;  // CustomMetadata {labels, annotations}
  // rolloutPolicy
  std::optional<long long> rollout_timeout_seconds;
  bool skip_analysis = false, revert_on_deletion = false, suspend = false;
  // rolloutPolicy.trafficRouting
  long long timeout_seconds = 0;
  std::optional<yaml::Node> gateways, hosts, retries, headers, cors_policy, match;
  std::string host;          // nginx
  std::string protocol;      // kuma, default http
  bool canary = false;       // canaryStrategy present
  std::optional<long long> max_weight, step_weight, step_weight_promotion;
  std::optional<yaml::Node> step_weights;
  long long analysis_times = 0;
  // rolloutPolicy.trafficAnalysis
  long long check_interval_seconds = 0;
  long long check_failed_times = 0;
  std::vector<RolloutMetric> metrics;
  long long webhook_timeout_seconds = 60;
  std::vector<std::string> commands;
  yaml::Node commands_node;
  std::optional<yaml::Node> session_affinity;
};

bool IsApplication(const Manifest& m);

// Every rollout of `app`, in syncPolicies order; an error names the field to fix.
Result<std::vector<Rollout>> ParseRollouts(const Manifest& app);

}  // namespace gitcanary::render::kurator
