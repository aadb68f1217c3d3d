#include "render/routing/gateway_api.h"

#include <string>
#include <utility>

#include "render/fields.h"
#include "render/routing/affinity_cookies.h"
#include "render/routing/gateway_api_checks.h"
#include "render/routing/gateway_api_filters.h"
#include "render/routing/gateway_api_matches.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

constexpr long long kDefaultCookieMaxAge = 86400;  // Flagger's GetMaxAge when maxAge is 0

// What every rule of the route shares.
struct RuleShape {
  RoutingNames names;
  long long port = 0;
  Node matches;         // the service matches, the default PathPrefix / when none
  Node service_matches; // the service matches as given (maybe empty): what cookie matches merge with
  Node filters;         // makeFilters
  Node timeouts;        // v1: {request, backendRequest}, or null
};

Node BackendRef(const RuleShape& r, const std::string& name, long long weight) {
  Node b = Node::Mapping(5);
  b.Set("group", Node::String(""));
  b.Set("kind", Node::String("Service"));
  b.Set("name", Node::String(name));
  b.Set("port", Node::Int(r.port));
  b.Set("weight", Node::Int(weight));
  return b;
}

Node Backends(const RuleShape& r, long long primary, long long canary) {
  Node list = Node::Sequence();
  list.items.push_back(BackendRef(r, r.names.primary, primary));
  list.items.push_back(BackendRef(r, r.names.canary, canary));
  return list;
}

// A rule: matches, filters (when any), timeouts (when set), backendRefs.
Node Rule(const RuleShape& r, Node matches, Node filters, Node backends) {
  Node rule = Node::Mapping(4);
  rule.Set("matches", std::move(matches));
  if (!filters.items.empty()) rule.Set("filters", std::move(filters));
  if (!r.timeouts.IsNull()) rule.Set("timeouts", r.timeouts);
  rule.Set("backendRefs", std::move(backends));
  return rule;
}

Result<Node> Timeouts(const Node& service, const Fields& f) {
  Node t = Node::Mapping(2);
  for (auto [from, to] : {std::pair{"timeout", "request"}, std::pair{"backendTimeout", "backendRequest"}}) {
    auto v = f.String(service, from, "spec.service");
    if (!v.ok()) return v.status();
    if (v->has_value() && !(*v)->empty()) t.Set(to, Node::String(**v));
  }
  return t.fields.empty() ? Node::Null() : t;
}

struct AnalysisShape {
  const Node* ab_match = nullptr;  // analysis.match when a non-empty list
  const Node* affinity = nullptr;  // analysis.sessionAffinity
  long long iterations = 0;
  long long interval_seconds = 60;
};

Result<AnalysisShape> ReadAnalysis(const Node& spec, const Fields& f) {
  AnalysisShape out;
  auto analysis = f.Mapping(spec, "analysis", "spec");
  if (!analysis.ok()) return analysis.status();
  if (*analysis == nullptr) return out;
  auto match = f.Sequence(**analysis, "match", "spec.analysis");
  if (!match.ok()) return match.status();
  if (*match != nullptr && !(*match)->items.empty()) out.ab_match = *match;
  auto affinity = f.Mapping(**analysis, "sessionAffinity", "spec.analysis");
  if (!affinity.ok()) return affinity.status();
  out.affinity = *affinity;
  auto iterations = f.Int(**analysis, "iterations", "spec.analysis");
  if (!iterations.ok()) return iterations.status();
  out.iterations = iterations->value_or(0);
  auto interval = f.String(**analysis, "interval", "spec.analysis");
  if (!interval.ok()) return interval.status();
  if (interval->has_value())
    if (auto ms = ParseDurationMillis(**interval)) out.interval_seconds = *ms / 1000;
  return out;
}

// Flagger's getSessionAffinityRouteRules around the weighted rule, whose
// filters are `filters` and whose backends are primary (100 - w), canary (w).
Result<Node> AffinityRules(const RoutingInput& in, const AnalysisShape& a, const RuleShape& r, const Node& filters,
                           const Fields& f) {
  const std::string path = "spec.analysis.sessionAffinity";
  const Node& affinity = *a.affinity;
  auto max_age = f.Int(affinity, "maxAge", path);
  if (!max_age.ok()) return max_age.status();
  auto primary_name = f.String(affinity, "primaryCookieName", path);
  if (!primary_name.ok()) return primary_name.status();
  const AffinityCookies cookies = ResolveCookies(in, affinity);
  const long long w = in.canary_weight;
  auto cookie_matches = [&](const std::string& cookie) {
    return MergeGatewayMatches(GatewayCookieMatch(cookie), r.service_matches);
  };
  Node rules = Node::Sequence();
  Node weighted_backends = Backends(r, 100 - w, w);
  if (w != 0) {
    const long long age = max_age->value_or(0) == 0 ? kDefaultCookieMaxAge : **max_age;
    auto canary_cookie = BuildCookie(affinity, cookies.canary, age, f);
    if (!canary_cookie.ok()) return canary_cookie.status();
    rules.items.push_back(Rule(r, cookie_matches(cookies.canary), filters, Backends(r, 0, 100)));
    Node canary_filters = Node::Sequence();
    canary_filters.items.push_back(SetCookieFilter(*canary_cookie));
    weighted_backends.items[1].Set("filters", std::move(canary_filters));
    if (primary_name->has_value() && !(*primary_name)->empty()) {
      auto primary_cookie = BuildCookie(affinity, cookies.primary, a.interval_seconds, f);
      if (!primary_cookie.ok()) return primary_cookie.status();
      rules.items.push_back(Rule(r, cookie_matches(cookies.primary), filters, Backends(r, 100, 0)));
      Node primary_filters = Node::Sequence();
      primary_filters.items.push_back(SetCookieFilter(*primary_cookie));
      weighted_backends.items[0].Set("filters", std::move(primary_filters));
    }
  } else if (const std::string& previous = !cookies.canary.empty() ? cookies.canary : cookies.previous;
             !previous.empty()) {
    // At weight 0 the status's cookie belongs to the run that ended: expire it.
    Node expire_filters = filters;
    expire_filters.items.push_back(SetCookieFilter(previous + "; Max-Age=-1"));
    rules.items.push_back(Rule(r, cookie_matches(previous), std::move(expire_filters), Backends(r, 100 - w, w)));
  }
  rules.items.push_back(Rule(r, r.matches, filters, std::move(weighted_backends)));
  return rules;
}

void SetMetadata(const RoutingInput& in, const Node* labels, const Node* annotations, Node& route) {
  Node& meta = *route.Find("metadata");
  if (labels != nullptr && !labels->fields.empty()) meta.Set("labels", *labels);
  const bool annotated = in.annotations.IsMapping() && !in.annotations.fields.empty();
  if (annotated || (annotations != nullptr && !annotations->fields.empty())) {
    Node& a = meta.Set("annotations", annotations != nullptr ? *annotations : Node::Mapping());
    if (annotated)
      for (const yaml::Field& field : in.annotations.fields) a.Set(field.key, field.value);
  }
}

Result<Node> MakeHttpRoute(const RouteContext& c, bool v1) {
  const Fields& f = c.f;
  const Node& service = c.service;
  auto analysis = ReadAnalysis(c.spec, f);
  if (!analysis.ok()) return analysis.status();
  auto hosts = f.Sequence(service, "hosts", "spec.service");
  if (!hosts.ok()) return hosts.status();
  auto refs = f.Sequence(service, "gatewayRefs", "spec.service");
  if (!refs.ok()) return refs.status();
  auto apex = f.Mapping(service, "apex", "spec.service");
  if (!apex.ok()) return apex.status();
  const Node* labels = nullptr;
  const Node* annotations = nullptr;
  if (*apex != nullptr) {
    auto l = f.Mapping(**apex, "labels", "spec.service.apex");
    if (!l.ok()) return l.status();
    auto an = f.Mapping(**apex, "annotations", "spec.service.apex");
    if (!an.ok()) return an.status();
    labels = *l;
    annotations = *an;
  }

  RuleShape r;
  r.names = c.names;
  r.port = service.Find("port")->AsInt().value_or(0);
  auto service_matches = MapGatewayMatches(service.Find("match"), "spec.service.match", f);
  if (!service_matches.ok()) return service_matches.status();
  r.service_matches = std::move(*service_matches);
  r.matches = r.service_matches;
  if (r.matches.items.empty()) {
    Node m = Node::Mapping(1);
    Node& p = m.Set("path", Node::Mapping(2));
    p.Set("type", Node::String("PathPrefix"));
    p.Set("value", Node::String("/"));
    r.matches.items.push_back(std::move(m));
  }
  auto filters = MakeGatewayFilters(service, v1, f);
  if (!filters.ok()) return filters.status();
  r.filters = std::move(*filters);
  r.timeouts = Node::Null();
  if (v1) {
    auto timeouts = Timeouts(service, f);
    if (!timeouts.ok()) return timeouts.status();
    r.timeouts = std::move(*timeouts);
  }

  const long long w = c.in.canary_weight;
  Node rules = Node::Sequence();
  if (analysis->ab_match != nullptr) {
    auto ab = MapGatewayMatches(analysis->ab_match, "spec.analysis.match", f);
    if (!ab.ok()) return ab.status();
    if (ab->items.empty())
      return f.Error(*analysis->ab_match, "spec.analysis.match", "matches nothing an HTTPRoute can express");
    rules.items.push_back(Rule(r, MergeGatewayMatches(*ab, r.matches), r.filters, Backends(r, 100 - w, w)));
    Node primary_only = Node::Sequence();
    primary_only.items.push_back(BackendRef(r, r.names.primary, 100));
    rules.items.push_back(Rule(r, r.matches, r.filters, std::move(primary_only)));
  } else {
    Node weighted_filters = r.filters;
    if (c.in.mirror && analysis->iterations > 0) {
      Node backend = Node::Mapping(4);
      backend.Set("group", Node::String(""));
      backend.Set("kind", Node::String("Service"));
      backend.Set("name", Node::String(r.names.canary));
      backend.Set("port", Node::Int(r.port));
      Node mirror = Node::Mapping(2);
      mirror.Set("type", Node::String("RequestMirror"));
      mirror.Set("requestMirror", Node::Mapping(1)).Set("backendRef", std::move(backend));
      weighted_filters.items.push_back(std::move(mirror));
    }
    if (analysis->affinity != nullptr) {
      auto affinity_rules = AffinityRules(c.in, *analysis, r, weighted_filters, f);
      if (!affinity_rules.ok()) return affinity_rules.status();
      rules = std::move(*affinity_rules);
    } else {
      rules.items.push_back(Rule(r, r.matches, std::move(weighted_filters), Backends(r, 100 - w, w)));
    }
  }

  Node route = RoutingObject(v1 ? "gateway.networking.k8s.io/v1" : "gateway.networking.k8s.io/v1beta1", "HTTPRoute",
                             c.names.apex, c.canary.ns, 2);
  SetMetadata(c.in, labels, annotations, route);
  Node& spec = route.Set("spec", Node::Mapping(3));
  spec.Set("parentRefs", **refs);
  if (*hosts != nullptr && !(*hosts)->items.empty()) spec.Set("hostnames", **hosts);
  spec.Set("rules", std::move(rules));
  return route;
}

}  // namespace

Result<std::vector<Node>> MakeGatewayApiRoutes(const RouteContext& c) {
  const bool v1 = c.in.provider == Provider::kGatewayApiV1;
  if (Status s = CheckGatewayApiSpec(c, v1); !s.ok()) return s;
  auto route = MakeHttpRoute(c, v1);
  if (!route.ok()) return route.status();
  std::vector<Node> out;
  out.push_back(std::move(*route));
  return out;
}

}  // namespace gitcanary::render
