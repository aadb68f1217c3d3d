// Session affinity routes (analysis.sessionAffinity), as Flagger's Istio
// router makes them, and the HTTP match merging they share with A/B routing.
//
// While the canary has weight, the weighted route's canary destination adds a
// `Set-Cookie: <cookie>; Max-Age=<maxAge, default 86400>[; Domain=..]
// [; HttpOnly][; Partitioned][; Path=..][; SameSite=..][; Secure]` response
// header, and a sticky route ahead of it sends requests whose Cookie header
// matches `.*<name>.*<value>.*` to the canary only. With primaryCookieName the
// primary destination sets the primary cookie (Max-Age = analysis.interval in
// seconds) and a second sticky route keeps those requests on the primary. At
// weight 0 the previous canary cookie (the status's current one, else its
// previous one) gets a route of its own that expires it (`Max-Age=-1`) while
// sending to the primary.
#pragma once

#include <string>

#include "core/status.h"
#include "render/fields.h"
#include "render/routing/router.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

// Flagger's merge of A/B (or cookie) matches with service.match: without
// service.match, `canary` as is; else for every canary match and every
// service match, the service match with the canary match's headers and
// sourceLabels when it has them.
yaml::Node MergeMatches(const yaml::Node& canary, const yaml::Node* service_match);

struct AffinityRouting {
  const yaml::Node* affinity = nullptr;       // analysis.sessionAffinity (a mapping)
  const yaml::Node* service_match = nullptr;  // spec.service.match, or nullptr
  std::string primary_host, canary_host;
  long long canary_weight = 0;
  long long interval_seconds = 60;
  AffinityCookies cookies;  // as resolved: both set while the canary has weight
};

// The http routes built around `weighted` (the route carrying the split,
// destinations primary then canary).
Result<yaml::Node> SessionAffinityRoutes(const AffinityRouting& in, const yaml::Node& weighted, const Fields& f);

}  // namespace gitcanary::render
