// The kustomize post-renderers gitcanary appends to a HelmRelease canary's
// two releases, and the check that the user's own do not fight them.
//
// helm-controller runs `spec.postRenderers` in order, each a kustomize build
// with built-in transformers only, so gitcanary's part is data: one
// `kustomize` entry with `patches` ({patch: <text>, target: {...}}).
//
// Canary release H (Deployment X):
//   - target {group: apps, version: v1, kind: Deployment, name: X}: a strategic
//     merge patch adding the pod-template label `gitcanary.io/workload: X`
//     and, while the canary is scaled to zero, `spec.replicas: 0`; never the
//     (immutable) selector;
//   - for each of X, X-primary, X-canary (and the apex names when
//     spec.service.name differs): `$patch: delete` of that Service, target
//     annotationSelector `!helm.sh/hook` so hooks are kept.
// Primary release H-primary (Deployment X-primary):
//   - the pod-template label `gitcanary.io/workload: X-primary` on Deployment
//     X-primary (by name: charts may render other Deployments);
//   - `$patch: delete` of Services, Ingresses and HTTPRoutes of those names
//     (hooks kept): gitcanary renders the Services and the routing.
//
// A user patch whose target (or, without a target, whose own kind and name)
// may match one of ours and that sets the same field (the workload label or
// replicas of Deployment X, anything of Service X, X-primary or X-canary) is
// an error at that patch. v2beta1's patchesStrategicMerge and patchesJson6902
// are read the same way.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/manifest.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

inline constexpr std::string_view kWorkloadLabel = "gitcanary.io/workload";

// The names gitcanary owns for Deployment `target` and apex name `apex`:
// X, X-primary, X-canary, then the apex's when it differs.
std::vector<std::string> OwnedServiceNames(const std::string& target, const std::string& apex);

// A routing object that git mode renders beside the releases (VirtualService,
// DestinationRule, HTTPRoute, TrafficSplit, canary Ingress): a chart object of
// the same kind and name would be applied by two owners, so both releases
// delete it from the chart's output.
struct RenderedObjectRef {
  std::string api_version, kind, name;
};

// The postRenderers entry of the canary release.
yaml::Node CanaryPostRenderer(const std::string& target, const std::vector<std::string>& services,
                              const std::vector<RenderedObjectRef>& routes, bool scaled_to_zero);

// The postRenderers entry of the primary release.
yaml::Node PrimaryPostRenderer(const std::string& target, const std::vector<std::string>& services,
                               const std::vector<RenderedObjectRef>& routes);

// Ok unless one of the release's own postRenderers patches what ours do.
Status CheckUserPostRenderers(const Manifest& release, const std::string& target,
                              const std::vector<std::string>& services);

}  // namespace gitcanary::render
