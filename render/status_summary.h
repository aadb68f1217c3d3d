// The canary status lines of `gitcanary diff`: what a change does to each
// canary's phase and weight, read from the objects a render produced.
//
// StatusSummary reads the gitcanary.io/phase and canary-weight annotations on
// git mode's routing object (VirtualService, HTTPRoute, TrafficSplit or the
// NGINX canary Ingress; a VirtualService's weight falls back to its route to
// X-canary), on the canary Deployment of a Services-only canary, else a
// Flagger Canary's gitcanary.io/status annotation. Pure.
#pragma once

#include <string>
#include <vector>

#include "render/manifest.h"

namespace gitcanary::render {

// One line per canary whose status changed, sorted by canary, e.g.
//   "canary test/podinfo: weight 10 -> 20, phase Progressing"
//   "canary test/podinfo: weight 20, phase Progressing -> Promoting"
//   "canary podinfo: new, weight 0, phase Initializing"
//   "canary test/podinfo: removed (was weight 10, phase Progressing)"
// The canary is "ns/name" with its namespace as written, else "name".
std::vector<std::string> StatusSummary(const std::vector<Manifest>& before, const std::vector<Manifest>& after);

}  // namespace gitcanary::render
