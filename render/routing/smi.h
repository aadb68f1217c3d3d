// The linkerd provider of git mode's router seam (render/routing/router.h), as
// Flagger's SMI router makes its object: one TrafficSplit X
// (split.smi-spec.io/v1alpha1, the version the linkerd-smi extension stores),
// after the common Services X, X-primary and X-canary.
//
//   spec.service   service.hosts[0] when hosts are given, else the apex X
//   spec.backends  X-canary with weight w, then X-primary with 100 - w
//                  (Flagger's order), integer weights from the status
//
// Its metadata carries the gitcanary.io/* status annotations only: Flagger
// puts no labels or annotations on a Linkerd TrafficSplit (service.apex
// metadata goes on the apex Service alone).
//
// SMI splits by weight and nothing else, so what it cannot do is an error
// rather than silently different traffic:
//   analysis.match            Flagger's A/B sets the weights to 0/100, so all
//                             traffic, not the matching requests, would reach
//                             the canary
//   analysis.mirror           Flagger's SMI router never mirrors, and a
//                             progressive canary would redo its mirror step
//                             forever (GetRoutes never reports it done)
//   analysis.sessionAffinity  SMI has no cookie routes
//   service.match             the split takes every request to the Service,
//                             not only the matching ones
//   service.mirror            no copies of requests would be sent
//   service.hosts[0]          when it is not a Service name: Linkerd's adaptor
//                             splits the Service <spec.service>.<ns>.svc, so a
//                             host name would split no traffic at all
// Fields that shape how a request is handled or exposed (gateways,
// gatewayRefs, further hosts, delegation, trafficPolicy, rewrite, retries,
// timeout, backendTimeout, headers, corsPolicy) are ignored, as Flagger ignores
// them; Linkerd configures those in its own resources.
#pragma once

#include <vector>

#include "core/status.h"
#include "render/routing/router.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

inline constexpr const char* kSmiApiVersion = "split.smi-spec.io/v1alpha1";

// TrafficSplit X, or the error for a field SMI cannot honour.
Result<std::vector<yaml::Node>> MakeSmiRoutes(const RouteContext& c);

}  // namespace gitcanary::render
