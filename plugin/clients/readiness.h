// Readiness: whether a Deployment (the canary `podinfo` or the primary
// `podinfo-primary`) may take part in the next analysis step.
//
// `serve` feeds Step's readiness observations from a ReadinessChecker. It asks
// one of three sources, all read-only:
//   - prometheus: kube-state-metrics series through PrometheusClient; the query
//     (kDefaultReadinessQuery unless configured) yields one number and the
//     Deployment is ready when it is >= 1;
//   - kubernetes: GET /apis/apps/v1/namespaces/NS/deployments/NAME with the
//     service account's bearer token, decided as Flagger decides a Deployment's
//     readiness (DeploymentReadiness);
//   - none: always ready.
// A Deployment with 0 desired replicas is not ready in both real modes: no
// traffic may move to a Deployment without pods. (Flagger means to halt on a
// primary scaled to zero too, but its check compares pointers and never fires.)
// Every failure (no data, HTTP errors, a refused token, bad TLS) is "not ready"
// with a reason naming the Deployment, never a credential. The pure parts
// (mode parsing, query rendering, the decision from a Deployment's JSON) are
// separate functions so that tests can table them.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "policies/step.h"

namespace gitcanary::plugin {

enum class ReadinessMode { kPrometheus, kKubernetes, kNone };

// "prometheus" | "kubernetes" | "none"; anything else is a Usage error.
Result<ReadinessMode> ParseReadinessMode(std::string_view text);

// kube-state-metrics' view of a Deployment as one number, ready at 1: the
// available share of the desired replicas, times 0 while old pods remain
// (fewer updated replicas than existing ones), when the Deployment is scaled
// to 0, or before its controller observed the latest generation. So a rolling
// update is not ready although the old pods are still available. min() folds
// the copies that several kube-state-metrics replicas export into one number.
inline constexpr char kDefaultReadinessQuery[] =
    "min("
    "kube_deployment_status_replicas_available{namespace=\"{{ namespace }}\",deployment=\"{{ deployment }}\"}"
    " / clamp_min(kube_deployment_spec_replicas{namespace=\"{{ namespace }}\",deployment=\"{{ deployment }}\"}, 1)"
    " * (kube_deployment_spec_replicas{namespace=\"{{ namespace }}\",deployment=\"{{ deployment }}\"} > bool 0)"
    " * (kube_deployment_status_replicas_updated{namespace=\"{{ namespace }}\",deployment=\"{{ deployment }}\"}"
    " >= bool kube_deployment_status_replicas{namespace=\"{{ namespace }}\",deployment=\"{{ deployment }}\"})"
    " * (kube_deployment_status_observed_generation{namespace=\"{{ namespace }}\",deployment=\"{{ deployment }}\"}"
    " >= bool kube_deployment_metadata_generation{namespace=\"{{ namespace }}\",deployment=\"{{ deployment }}\"})"
    ")";

struct ReadinessConfig {
  ReadinessMode mode = ReadinessMode::kPrometheus;
  std::string prometheus_url;  // required for kPrometheus
  // PromQL with {{ namespace }} and {{ deployment }}, ready when >= 1.
  std::string query = kDefaultReadinessQuery;
  // kKubernetes: http[s]://host[:port][/prefix]; empty means
  // https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT.
  std::string api_server;
  // Read before every request (tokens rotate); empty sends no Authorization
  // header (e.g. behind `kubectl proxy`).
  std::string token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  // Verifies https API servers; empty uses the system's CA store.
  std::string ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  long timeout_ms = 5000;  // connect, read and write, per request
};

// Checks what Check cannot report better itself, for `serve` to refuse to
// start: kPrometheus needs an http(s) prometheus_url and a query; kKubernetes
// needs an api_server, given or from the environment; timeout_ms > 0.
Status ValidateReadinessConfig(const ReadinessConfig& config);

class ReadinessChecker {
 public:
  explicit ReadinessChecker(ReadinessConfig config);
  // Whether Deployment `ns`/`deployment` is ready, `ready_threshold` percent
  // of its updated replicas being enough; blocks at most about timeout_ms.
  // Safe to call from several threads.
  policies::Readiness Check(const std::string& ns, const std::string& deployment, int ready_threshold = 100);

 private:
  policies::Readiness CheckPrometheus(const std::string& ns, const std::string& deployment, int ready_threshold) const;
  policies::Readiness CheckKubernetes(const std::string& ns, const std::string& deployment, int ready_threshold) const;

  ReadinessConfig config_;
};

// --- pure parts -------------------------------------------------------------

// Substitutes `{{ namespace }}` and `{{ deployment }}` (spaces inside the
// braces optional) in `query`, escaping `\` and `"` for a PromQL string. Any
// other variable or an unclosed `{{` is an Invalid error naming it.
Result<std::string> RenderReadinessQuery(std::string_view query, std::string_view ns,
                                         std::string_view deployment);

// Flagger's readiness of a Deployment (readyThreshold 100%) from the JSON body
// of GET .../deployments/NAME, checked in Flagger's order: the latest
// generation observed, no ProgressDeadlineExceeded on the Progressing
// condition, all desired replicas updated, no old replicas left, every updated
// replica available; then, unlike Flagger in practice, spec.replicas > 0.
// A missing spec.replicas counts as 1 (the API server's default). Reasons
// name the Deployment as `ns/name`.
// With a ready threshold T below 100 (analysis.canaryReadyThreshold or
// primaryReadyThreshold), as Flagger: floor(updated * T / 100) available
// replicas are enough.
policies::Readiness DeploymentReadiness(std::string_view body, const std::string& ns,
                                        const std::string& name, int ready_threshold = 100);

// https://HOST:PORT from KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT
// (an IPv6 host in brackets), or "" when HOST is unset or empty. PORT defaults
// to 443.
std::string ApiServerFromEnvironment();

// Whether `name` is a DNS-1123 subdomain (a Deployment name), or with
// `label_only` a DNS-1123 label (a namespace).
bool IsDns1123Name(std::string_view name, bool label_only);

}  // namespace gitcanary::plugin
