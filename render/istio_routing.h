// The routing objects of a canary in git mode, as Flagger's Istio router makes
// them. With X the apex name (spec.service.name, else spec.targetRef.name):
// Services X (apex), X-primary and X-canary, DestinationRules X-primary and
// X-canary, and VirtualService X carrying the traffic split.
//
// Apex and primary Services select `<label>: V-primary`, the canary Service
// `<label>: V`, where <label> is the target's selector label and V its value
// (render/routing_services.h has the Services). The VirtualService lists
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
// of render/session_affinity.h. service.apex labels and annotations go on the
// VirtualService.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/manifest.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

// The session affinity cookies of the status ("<name>=<value>", or "").
struct AffinityCookies {
  std::string canary;    // status.sessionAffinityCookie
  std::string primary;   // status.primarySessionAffinityCookie
  std::string previous;  // status.previousSessionAffinityCookie
};

struct RoutingInput {
  const Manifest* canary = nullptr;      // the normalised Canary (name, namespace as written, spec)
  const yaml::Node* pod_template = nullptr;  // the target's spec.template (for portDiscovery)
  std::string selector_label;            // e.g. "app"
  std::string selector_value;            // the label's value on the target; "" = spec.targetRef.name
  long long canary_weight = 0;           // 0..100; primary gets 100 - canary_weight
  bool mirror = false;                   // mirror the default route to the canary now
  yaml::Node annotations;                // mapping added to the VirtualService's metadata.annotations
  const yaml::Node* replaced_service = nullptr;  // the app's own Service named X, which the apex replaces
  AffinityCookies cookies;               // used with analysis.sessionAffinity
  std::string revision;                  // revision checksum: derives a cookie the status lacks
};

// The apex name: spec.service.name when set, else spec.targetRef.name.
std::string ApexName(const yaml::Node& canary_doc);

// Returns, in this order: Service X, Service X-primary, Service X-canary,
// DestinationRule X-primary, DestinationRule X-canary, VirtualService X. Every
// object is namespace-less when the Canary is, else in the Canary's namespace.
Result<std::vector<yaml::Node>> MakeIstioRouting(const RoutingInput& in);

}  // namespace gitcanary::render
