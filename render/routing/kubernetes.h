// The kubernetes provider of git mode's router seam (render/routing/router.h):
// the common Services X, X-primary and X-canary and nothing more, as
// Flagger's no-op router. The apex X always selects the primary, so traffic
// never shifts by weight: Flagger runs every such canary as Blue/Green
// (analysis.iterations, 10 when unset) and tests the new version through
// X-canary, which selects it directly.
//
// Flagger drops what cannot happen without a router (analysis.match with a
// warning event, stepWeight by forcing 10 iterations, mirror and the rest
// silently). Git
// mode refuses it instead, with the reason, so the spec says what traffic does:
//   analysis.match            no router sends matching requests to the canary
//   analysis.mirror           no router copies requests
//   analysis.sessionAffinity  no router sets or reads cookies
//   analysis.stepWeight(s)    nothing shifts weight (normalising makes sure
//                             iterations is not set beside them)
//   service.match             the Service takes every request
//   service.mirror            no router sends copies
// The other fields of spec.service that only a router reads (gateways, hosts,
// retries, timeout, headers, ...) are ignored, as Flagger ignores them.
// The scheduler side (Blue/Green forced) lives in policies/.
#pragma once

#include <vector>

#include "core/status.h"
#include "render/routing/router.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

// No objects, or the error for a field that needs a router.
Result<std::vector<yaml::Node>> MakeKubernetesRoutes(const RouteContext& c);

}  // namespace gitcanary::render
