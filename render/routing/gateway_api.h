// The Gateway API provider of git mode's router seam (render/routing/router.h),
// as Flagger's GatewayAPIRouter (gatewayapi:v1) and GatewayAPIV1Beta1Router
// (gatewayapi:v1beta1) make it: after the common Services, one HTTPRoute X
// (gateway.networking.k8s.io/v1 or /v1beta1) in the Canary's namespace:
//
//   metadata     service.apex labels and annotations, plus the status annotations
//   parentRefs   spec.service.gatewayRefs, as given (required)
//   hostnames    spec.service.hosts (left out when none)
//   rules        one rule: service.match (render/routing/gateway_api_matches.h; default
//                PathPrefix /), the filters of render/routing/gateway_api_filters.h,
//                timeouts {request: timeout, backendRequest: backendTimeout} (v1 only),
//                backendRefs X-primary (100 - w) then X-canary (w), group "", kind Service,
//                port service.port
//
// A/B (analysis.match): the rule matches analysis.match merged with the
// service matches, and a second rule with the service matches sends to
// X-primary only (weight 100, as Flagger writes it). Session affinity
// (analysis.sessionAffinity): while the canary has weight, the rules are
// [sticky canary, (sticky primary), weighted] with Set-Cookie response filters
// on the weighted rule's backends; at weight 0 a rule matching the previous
// cookie expires it. Blue/Green mirroring (analysis.mirror with iterations,
// while mirroring) adds a RequestMirror filter to X-canary on the weighted
// rule. What is refused is listed in render/routing/gateway_api_checks.h.
#pragma once

#include <vector>

#include "core/status.h"
#include "render/routing/router.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

// HTTPRoute X.
Result<std::vector<yaml::Node>> MakeGatewayApiRoutes(const RouteContext& c);

}  // namespace gitcanary::render
