// What the Gateway API provider (render/routing/gateway_api.h) refuses before
// it renders, each as one error naming the field and the reason:
//
// - no spec.service.gatewayRefs (Flagger fails too: the HTTPRoute needs parents);
// - a service.hosts entry that is no HTTPRoute hostname ("*", an upper-case
//   name, a port), which the API server would refuse;
// - Istio-only fields that Flagger's Gateway API router drops and that would
//   change the traffic without a word: service.gateways other than the default
//   mesh, trafficPolicy, retries, delegation, analysis.mirrorWeight;
// - combinations Flagger cannot run: analysis.match with sessionAffinity (its
//   cookie rule then sends every request to the canary), analysis.mirror on a
//   progressive canary (the mirror is never written, so the canary never
//   advances);
// - under gatewayapi:v1beta1, what only Flagger's v1 router writes: timeout,
//   backendTimeout, corsPolicy, sessionAffinity.primaryCookieName.
//
// Kept as Flagger keeps them: appProtocol, portDiscovery, headless and the
// Service metadata (they shape the Services), match[].name (names nothing in
// an HTTPRoute).
#pragma once

#include "core/status.h"
#include "render/routing/router.h"

namespace gitcanary::render {

Status CheckGatewayApiSpec(const RouteContext& c, bool v1);

}  // namespace gitcanary::render
