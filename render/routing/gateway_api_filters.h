// The rule filters of the Gateway API provider (render/routing/gateway_api.h),
// as Flagger's makeFilters writes them, identical on every rule:
//
//   spec.service.headers.request   RequestHeaderModifier {set, add (each sorted by name), remove}
//   spec.service.headers.response  ResponseHeaderModifier, likewise
//   spec.service.rewrite           URLRewrite {hostname: authority,
//                                  path: ReplacePrefixMatch when type says so, else ReplaceFullPath}
//   spec.service.mirror[]          RequestMirror {backendRef as given}, one per entry
//   spec.service.corsPolicy        CORS (gatewayapi:v1 only): allowOrigin as allowOrigins, allowMethods,
//                                  allowHeaders, exposeHeaders, allowCredentials when true, maxAge in seconds
//
// corsPolicy.allowOrigins (Istio's string matches), which Flagger logs and
// drops, is an error naming allowOrigin; so is a maxAge that is no duration.
#pragma once

#include "core/status.h"
#include "render/fields.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

// The filters for spec.service `service` (a sequence, maybe empty).
Result<yaml::Node> MakeGatewayFilters(const yaml::Node& service, bool v1, const Fields& f);

// A filter {type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: Set-Cookie, value}]}}.
yaml::Node SetCookieFilter(const std::string& value);

}  // namespace gitcanary::render
