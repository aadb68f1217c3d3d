// The routing objects of a canary in git mode, as Flagger's Istio router makes
// them: Services X (apex), X-primary and X-canary, DestinationRules X-primary
// and X-canary, and VirtualService X carrying the traffic split.
//
// Apex and primary Services select `<label>: X-primary`, the canary Service
// `<label>: X`, where <label> is the target's selector label (app, name or
// app.kubernetes.io/name). Ports come from service.port, targetPort, portName
// (default "http") and, with portDiscovery, the pod's other container ports.
// The VirtualService lists service.hosts plus X, service.gateways (default
// mesh), and carries match, rewrite, retries, timeout, headers and corsPolicy
// from the Canary's service. An A/B canary (analysis.match) puts its match
// route, with the status weights, ahead of a default route that stays 100% on
// the primary. Mirroring adds mirror and mirrorPercentage to the default route.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/manifest.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

struct RoutingInput {
  const Manifest* canary = nullptr;      // the normalised Canary (name, namespace as written, spec)
  const yaml::Node* pod_template = nullptr;  // the target's spec.template (for portDiscovery)
  std::string selector_label;            // e.g. "app"
  std::string selector_value;
  long long canary_weight = 0;           // 0..100; primary gets 100 - canary_weight
  bool mirror = false;                   // mirror the default route to the canary now
  yaml::Node annotations;                // mapping added to the VirtualService's metadata.annotations
};

// Returns, in this order: Service X, Service X-primary, Service X-canary,
// DestinationRule X-primary, DestinationRule X-canary, VirtualService X. Every
// object is namespace-less when the Canary is, else in the Canary's namespace.
Result<std::vector<yaml::Node>> MakeIstioRouting(const RoutingInput& in);

}  // namespace gitcanary::render
