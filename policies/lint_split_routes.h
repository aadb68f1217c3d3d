// Lint rule split-with-httproute: a Service that is routed both by an SMI
// TrafficSplit and by an HTTPRoute attached to it.
//
// Linkerd ignores the HTTPRoutes of a Service while a ServiceProfile exists
// for it, and the linkerd-smi extension writes a ServiceProfile for every
// TrafficSplit (its spec.service). So when one app holds both for the same
// Service, the HTTPRoute silently does nothing. Both sides count whether
// written in the app or rendered from a Canary:
//   TrafficSplit  a written split.smi-spec.io TrafficSplit (spec.service), or a
//                 Canary whose provider is linkerd (service.hosts[0], else its
//                 apex Service)
//   HTTPRoute     a written HTTPRoute (gateway.networking.k8s.io or
//                 policy.linkerd.io) with a parentRef of kind Service, or a
//                 Canary whose provider is gatewayapi:* with a gatewayRef of
//                 kind Service
// The warning points at the parentRef (or gatewayRef) naming the Service.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/finding.h"
#include "render/manifest.h"

namespace gitcanary::policies {

// Findings for `ms` (templates expanded); `canaries` index the normalised
// Canaries of `ms`; `default_provider` is gitcanary.yaml's defaults.provider.
std::vector<Finding> CheckSplitWithHttpRoute(const std::vector<render::Manifest>& ms,
                                             const std::vector<std::size_t>& canaries,
                                             const std::string& default_provider, const std::string& app_ns);

}  // namespace gitcanary::policies
