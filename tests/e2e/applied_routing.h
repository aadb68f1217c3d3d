// What the stand-in cluster's data plane does with an applied render
// (tests/e2e/README.md): the routing objects of whichever provider the
// render holds, read as the real data plane reads them, become ordered rules
// over Services, and then the config of gitcanary_e2e_router.
//
//   istio       VirtualService X: spec.http in order, each route's match
//               (headers exact / regex / prefix) and destination weights
//   gatewayapi  HTTPRoute X: every (rule, match) pair, the one with the most
//               header matches first (Gateway API's precedence among rules of
//               the same path), headers Exact / RegularExpression, backendRefs
//               weights (default 1)
//   linkerd     TrafficSplit X: spec.backends weights (numbers or quantities)
//   nginx       the canary Ingress (annotation nginx.ingress.kubernetes.io/canary
//               "true") beside its main Ingress, by ingress-nginx's precedence:
//               canary-by-header (with -value, -pattern, or "always"/"never"),
//               then canary-by-cookie ("always"/"never"), then canary-weight out
//               of canary-weight-total (default 100)
//   kubernetes  none of these: the apex Service X takes everything
//
// Each provider has its metrics flavour (the router's "metrics"): istio,
// linkerd, nginx, and the app's own histogram ("app") for Gateway API and
// kubernetes, as Flagger's built-in queries read them.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gitcanary::e2e {

// One condition on a request: a header ("exact", "regex" for the whole value,
// "search" for a match anywhere, "present") or a cookie ("cookie": name=value).
struct MatchCondition {
  std::string kind, name, value;
};

struct ServiceWeight {
  std::string service;
  long long weight = 0;
  std::string upstream;  // nginx: the canary upstream's name (the `canary` label), "" for the main one
};

// Requests that satisfy all conditions of one `match` entry (any entry; no
// entries: every request) go to `backends` by weight.
struct RoutingRule {
  std::vector<std::vector<MatchCondition>> match;
  std::vector<ServiceWeight> backends;
};

struct AppliedRouting {
  std::string provider;  // istio, gatewayapi, linkerd, nginx, kubernetes
  std::string metrics;   // istio, app, linkerd, nginx
  std::string ingress, ingress_service;  // nginx: the main Ingress and its backend Service (metric labels)
  std::vector<RoutingRule> rules;
};

// Reads the routing of apex Service `apex` from a render's items (`gitcanary
// render -o json`'s "items"). False, with `error`, when the objects cannot be
// routed as they stand (a missing field, a weight that is no number, a canary
// Ingress without its main Ingress).
bool ReadRouting(const nlohmann::json& items, const std::string& apex, AppliedRouting* out, std::string* error);

// The Deployment each Service of `items` selects (its spec.selector is a
// subset of the pod template's labels); Services selecting none are left out.
std::map<std::string, std::string> ServiceWorkloads(const nlohmann::json& items);

// Where a Service's traffic ends up: the Deployment, one of its pods and the
// pod's port (0: no pod runs, the router answers 503).
struct Endpoint {
  std::string workload, pod;
  int port = 0;
};

// gitcanary_e2e_router's config (tests/e2e/router_main.cc) for `routing`,
// each Service resolved by `resolve`.
nlohmann::json RouterConfig(const AppliedRouting& routing, long long generation, const std::string& ns,
                            const std::function<Endpoint(const std::string& service)>& resolve);

// A rule's match, for messages: "header x-canary=insider", "cookie canary=always",
// "header user-agent~.*Firefox.*", alternatives joined with " | "; "" for every request.
std::string DescribeMatch(const RoutingRule& rule);

}  // namespace gitcanary::e2e
