// The NGINX provider of git mode's router seam (render/routing/router.h), as
// Flagger's ingress router makes its object for ingress-nginx: after the
// common Services X, X-primary and X-canary, an Ingress `<ingressRef>-canary`.
//
// spec.ingressRef names a networking.k8s.io/v1 Ingress of the app, in the
// Canary's namespace (RoutingInput::ingress), with at least one rule path
// whose backend is the apex Service X. That Ingress is never changed: it keeps
// sending traffic to X, which selects the primary's pods. The canary Ingress
// is a copy of it: the same labels and spec, every rule path backend naming X
// renamed to X-canary (other paths and the default backend as written), and
// the user's annotations except keys containing
// `nginx.ingress.kubernetes.io/canary` and kubectl's last-applied
// configuration, then
//
//   nginx.ingress.kubernetes.io/canary: "true"          always
//   nginx.ingress.kubernetes.io/canary-weight: "<w>"     the status weight; "0" under A/B
//   nginx.ingress.kubernetes.io/canary-by-header         A/B while the canary has weight:
//     + canary-by-header-value (exact) or                 the one non-cookie header of
//       canary-by-header-pattern (regex)                  analysis.match
//   nginx.ingress.kubernetes.io/canary-by-cookie         the `exact` of a `cookie` header:
//                                                         the cookie's name
//
// and the router's gitcanary.io/* annotations. ingress-nginx tries the header,
// then the cookie, then the weight. What ingress-nginx cannot express is an
// error where Flagger would route differently from what the Canary says: a
// second header or cookie (Flagger keeps one), a header and a cookie required
// together, uri/method/query/port/source matches and prefix or suffix header
// matches (Flagger ignores them), analysis.mirror (Flagger would never
// advance) and analysis.sessionAffinity (Flagger ignores it).
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"
#include "render/routing/router.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

inline constexpr std::string_view kNginxAnnotationPrefix = "nginx.ingress.kubernetes.io/";

// Ingress <ingressRef.name>-canary.
Result<std::vector<yaml::Node>> MakeNginxRoutes(const RouteContext& c);

}  // namespace gitcanary::render
