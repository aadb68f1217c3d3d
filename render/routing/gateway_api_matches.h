// Request matches of the Gateway API provider (render/routing/gateway_api.h):
// the Canary's Istio-style matches (spec.service.match, spec.analysis.match)
// as HTTPRoute matches, mapped as Flagger's Gateway API router maps them.
//
// uri exact|prefix|regex become path Exact|PathPrefix|RegularExpression,
// method.exact becomes method, headers and queryParams exact|regex become
// Exact|RegularExpression matches, sorted by name. Everything else either
// fails in Flagger (uri suffix, a prefix header) or is dropped by it without a
// word (authority, scheme, port, sourceLabels, ...), which would change the
// traffic silently: both are errors naming the field. `name` only names an
// Istio route and is ignored, as in Flagger. A match left empty is skipped.
#pragma once

#include <string>

#include "core/status.h"
#include "render/fields.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

// The HTTPRoute matches of `matches` (a sequence, or nullptr for none) read at
// `path` (e.g. "spec.service.match").
Result<yaml::Node> MapGatewayMatches(const yaml::Node* matches, const std::string& path, const Fields& f);

// Flagger's mergeMatchConditions: without `analysis`, `service`; without
// `service`, `analysis`; else for every analysis match and every service
// match, the service match with the analysis match's headers and queryParams
// when it has them.
yaml::Node MergeGatewayMatches(const yaml::Node& analysis, const yaml::Node& service);

// The match of a Cookie header against `cookie` ("<name>=<value>"):
// RegularExpression `.*<name>.*<value>.*`.
yaml::Node GatewayCookieMatch(const std::string& cookie);

}  // namespace gitcanary::render
