// Finds the Services and Ingresses that a Canary's routing replaces.
//
// A Service is replaced when its selector is non-empty and matches the target
// Deployment's pod labels: the canary's own Services take over its traffic. Its
// targetPort must agree with the Canary's service.targetPort, or the switch
// would silently change the port.
//
// Whether an Ingress goes depends on the provider of the Canary that replaced
// the Service it routes to:
//  - istio and gatewayapi (and, in flagger mode, the other providers whose
//    routing objects stand in for an Ingress: contour, gloo, traefik, apisix,
//    knative): an Ingress is replaced when every backend points at a replaced
//    Service; one that still routes some paths to a Service that stays is an
//    error, since dropping it would cut those paths.
//  - linkerd, nginx, kubernetes (and the other meshes, and skipper): nothing
//    replaces an Ingress, and one routing to the apex Service X keeps working,
//    since X is rendered; it stays as written. One routing to another replaced
//    Service would lose its backend: an error that says to point it at X.
// The Ingress named by the ingressRef of an nginx or skipper Canary is never
// dropped: Flagger copies it into <name>-canary and leaves it as written.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "render/canary_spec.h"
#include "render/manifest.h"

namespace gitcanary::render {

// The Services of an app that select pods, as indexes into the manifests in
// input order, by the first label of their selector. A Service selects a
// Deployment's pods only if its first selector label is among their labels, so
// a Canary looks at a few Services however many its namespace has.
struct ServiceIndex {
  std::unordered_map<std::string, std::vector<std::size_t>> by_first_label;  // namespace, key, value; '\0' between
};
ServiceIndex IndexServices(const std::vector<Manifest>& manifests, const std::string& app_namespace);

// Whether a Service's selector selects pods with `pod_labels`: it is a
// non-empty mapping and the pods carry each of its labels with its value.
bool SelectsPods(const yaml::Node& selector, const yaml::Node& pod_labels);

// The Services of namespace `ns` that may select pods with `pod_labels` (a
// mapping): those whose selector's first label the pods carry, in input order.
// Only these can pass SelectsPods.
std::vector<std::size_t> CandidateServices(const ServiceIndex& services, const std::string& ns,
                                           const yaml::Node& pod_labels);

// Marks in `removed` the Services that select `target`'s pods, and returns
// them in input order.
Result<std::vector<std::size_t>> MarkReplacedServices(const std::vector<Manifest>& manifests,
                                                      const ServiceIndex& services, const Manifest& canary,
                                                      const CanaryInfo& info, const Manifest& target,
                                                      const std::string& app_namespace, std::vector<bool>* removed,
                                                      std::vector<std::string>* explain);

// Whether the routing of `provider` (a resolved provider name) stands in for
// the Ingresses of the Services it replaces.
bool RoutingReplacesIngresses(std::string_view provider);

// A Canary, as MarkReplacedIngresses needs it.
struct IngressRouter {
  const Manifest* canary = nullptr;
  const CanaryInfo* info = nullptr;
};

// Marks in `removed` the Ingresses that the routing of their Services'
// Canaries replaces. `replaced_by` holds, per manifest, the index into
// `canaries` of the Canary that replaced it (-1: not a replaced Service).
Status MarkReplacedIngresses(const std::vector<Manifest>& manifests, const std::vector<IngressRouter>& canaries,
                             const std::vector<int>& replaced_by, const std::string& app_namespace,
                             std::vector<bool>* removed, std::vector<std::string>* explain);

}  // namespace gitcanary::render
