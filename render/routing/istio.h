// The Istio provider of git mode's router seam (render/routing/router.h), as
// Flagger's Istio router makes its objects: DestinationRules X-primary and
// X-canary, and VirtualService X carrying the traffic split, after the
// common Services X (apex), X-primary and X-canary.
//
// Apex and primary Services select `<label>: V-primary`, the canary Service
// `<label>: V`, where <label> is the target's selector label and V its value
// (render/routing/services.h has the Services). The VirtualService lists
// service.hosts plus X (unless X or "*" is listed), service.gateways (default
// mesh), and carries match, rewrite (uri and authority only), retries, timeout,
// headers and corsPolicy. Destinations name service.port when portDiscovery is
// on and the first gateway is not mesh, or with delegation (which also leaves
// out hosts and gateways). service.appProtocol tcp gives a `tcp` route instead
// of `http`. An A/B canary (analysis.match) puts its match, merged with
// service.match, with the status weights ahead of a default route to the
// primary only (its one destination carries the primary's weight, as Flagger
// writes it; a lone destination takes all traffic). Mirroring adds mirror (and mirrorPercentage when mirrorWeight
// is set) to the first route. analysis.sessionAffinity adds the cookie routes
// of render/routing/istio_session_affinity.h. service.apex labels and annotations go on the
// VirtualService.
#pragma once

#include <vector>

#include "core/status.h"
#include "render/routing/router.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

// DestinationRule X-primary, DestinationRule X-canary, VirtualService X.
Result<std::vector<yaml::Node>> MakeIstioRoutes(const RouteContext& c);

}  // namespace gitcanary::render
