// The router seam of git mode: one canary's spec, its committed status and
// its target in, routing objects out. Like Flagger's pkg/router, every
// provider shares the Services (render/routing/services.h) and adds its own
// objects, one file per provider:
//
//   istio               DestinationRules X-primary, X-canary; VirtualService X (istio.h)
//   gatewayapi:v1       HTTPRoute X (gateway_api.h)
//   gatewayapi:v1beta1  HTTPRoute X, v1beta1 (gateway_api.h)
//   linkerd             SMI TrafficSplit X (smi.h)
//   nginx               Ingress <ingressRef>-canary (nginx.h)
//   kubernetes          nothing more: Services only (kubernetes.h)
//
// X is the apex name (spec.service.name, else spec.targetRef.name). Every
// provider is pure: same input, same objects, no I/O.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/fields.h"
#include "render/manifest.h"
#include "render/routing/provider.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

// The session affinity cookies of the status ("<name>=<value>", or "").
struct AffinityCookies {
  std::string canary;    // status.sessionAffinityCookie
  std::string primary;   // status.primarySessionAffinityCookie
  std::string previous;  // status.previousSessionAffinityCookie
};

struct RoutingInput {
  Provider provider = Provider::kIstio;
  const Manifest* canary = nullptr;      // the normalised Canary (name, namespace as written, spec)
  const yaml::Node* pod_template = nullptr;  // the target's spec.template (for portDiscovery)
  std::string selector_label;            // e.g. "app"
  std::string selector_value;            // the label's value on the target; "" = spec.targetRef.name
  long long canary_weight = 0;           // 0..100; primary gets 100 - canary_weight
  bool mirror = false;                   // mirror the default route to the canary now
  yaml::Node annotations;                // mapping added to the routing object's metadata.annotations
  const yaml::Node* replaced_service = nullptr;  // the app's own Service named X, which the apex replaces
  const yaml::Node* ingress = nullptr;   // the app's Ingress named by spec.ingressRef (nginx), or nullptr
  AffinityCookies cookies;               // used with analysis.sessionAffinity
  std::string revision;                  // revision checksum: derives a cookie the status lacks
};

struct RoutingNames {
  std::string apex, primary, canary;
};

// What every provider is given, checked once: the spec and spec.service are
// mappings, the weight is 0..100, and in.selector_value is filled.
struct RouteContext {
  const RoutingInput& in;
  const Manifest& canary;
  const yaml::Node& spec;
  const yaml::Node& service;
  RoutingNames names;
  Fields f;
};

// The apex name: spec.service.name when set, else spec.targetRef.name.
std::string ApexName(const yaml::Node& canary_doc);

// Services X, X-primary, X-canary, then in.provider's objects. Every object is
// namespace-less when the Canary is, else in the Canary's namespace.
Result<std::vector<yaml::Node>> MakeRouting(const RoutingInput& in);

// apiVersion, kind and metadata (name, and namespace when `ns` is set), with
// room for spec and `extra_metadata` more metadata fields.
yaml::Node RoutingObject(const char* api_version, const char* kind, const std::string& name, const std::string& ns,
                         std::size_t extra_metadata = 0);

}  // namespace gitcanary::render
