// The Dispatch canary guide's rewrites, applied to the app for every Canary:
//
//  1. drop the target Deployment's spec.replicas when an HPA scales it;
//  2. generate the HPA named by autoscalerRef when the input lacks it (the
//     removed replicas raise maxReplicas when larger than the default);
//  3. generate each Gateway named in service.gateways when missing, unless
//     another app of the repository emits or defines it (`gateways`, from
//     render/shared_gateways.h; null: the app stands alone) or gitcanary.yaml
//     marks it external;
//  4. drop the Services that select the target's pods, because the canary's
//     Services replace them, and the Ingresses whose backends all point at
//     dropped Services when the canary's routing replaces Ingresses too (istio,
//     gatewayapi); under linkerd, nginx and kubernetes an Ingress routing to the
//     apex Service stays as written (render/routing_replaced.h).
// A Canary linked to a HelmRelease (render/helm_release/link.h) gets none of
// 1, 2 and 4: the chart renders its Deployment, HPA and Services.
// A rewrite that would be unsafe is an error saying what to change. Every
// rewrite is explained in `explain` (printed by --explain).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/app_config.h"
#include "render/canary_spec.h"
#include "render/manifest.h"
#include "render/shared_gateways.h"

namespace gitcanary::render {

struct CanaryRef {
  std::size_t index;  // into the manifests
  CanaryInfo info;
  std::string name;   // identity, to find the Canary again after the manifests change
  std::string ns;     // as written
  std::string helm_release;  // the linked HelmRelease (same namespace), "" when the target Deployment is in the input
};

// Removed objects are moved to `dropped`.
Status RewriteApp(std::vector<Manifest>& manifests, const std::vector<CanaryRef>& canaries,
                  const AppConfig& config, const std::string& app_namespace, const GatewayPlan* gateways,
                  std::vector<std::string>* explain, std::vector<Manifest>* dropped);

}  // namespace gitcanary::render
